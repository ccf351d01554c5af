"""The terminal the console draws on: there must be one, and when it goes away the console goes.

Over SSH without a terminal (`ssh -T`, a command, sftp or scp given to the forced command) the
full screen's escape codes would go down a pipe, and once the client was gone the console kept
reading an input that had closed, at full speed, for ever. A terminal hung up while SIGHUP is
ignored (nohup, some session managers) did the same.
"""

from __future__ import annotations

import os
import select
import sys

NO_TERMINAL = "the console needs a terminal: connect with `ssh -t`, or run it in one; nothing was opened"


def has_terminal() -> bool:
    """What Textual's driver reads from (standard input) and draws on (standard error) is a
    terminal, and standard output too (`helpdesk > file` would be a mistake as well)."""
    streams = (sys.__stdin__, sys.__stdout__, sys.__stderr__)
    return all(stream is not None and os.isatty(stream.fileno()) for stream in streams)


def input_closed() -> bool:
    """The console's input has hung up (the terminal or the SSH session behind it is gone)."""
    stream = sys.__stdin__
    if stream is None:
        return True
    try:
        poller = select.poll()
        poller.register(stream.fileno(), select.POLLIN)
        ready = poller.poll(0)
    except (OSError, ValueError):  # closed, or not a descriptor any more
        return True
    return any(events & (select.POLLHUP | select.POLLERR | select.POLLNVAL) for _, events in ready)
