"""End to end through a real pseudo-terminal: the console reads what a terminal sends, and a
whole burst written in one `write` (as a paste or a slow SSH link delivers it) is stored exactly.
The database is checked, not the screen."""

import os
import pty
import pwd
import select
import signal
import subprocess
import sys
import time

import pytest
from sqlalchemy import select as select_rows
from sqlmodel import Session

from helpdesk.store.db.engine import sqlite_url
from helpdesk.store.db.models import Advice, Concern, Presence, Staff
from helpdesk.store.db.presence import presence_engine
from support import log

DOWN, CTRL_S, CTRL_Q, ESC = "\x1b[B", "\x13", "\x11", "\x1b"
NOTE = "Talked the head through the pause options; she will ring back after the trust calls. END-OF-NOTE"


pytestmark = pytest.mark.slow  # a real terminal (tmux) driving the console


class Terminal:
    """The console on a pseudo-terminal of 100x30, as an SSH session gives it."""

    def __init__(self, url: str, hangup_ignored: bool = False) -> None:
        self.master, slave = pty.openpty()
        os.set_blocking(self.master, False)
        env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "100", "LINES": "30"}
        env.pop("HELPDESK_CONFIG", None)
        self.process = subprocess.Popen(
            [sys.executable, "-c", "import sys; from helpdesk.cli import main; sys.exit(main())", "--db", url],
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env=env,
            close_fds=True,
            start_new_session=True,  # the terminal's own session, as sshd gives one
            preexec_fn=(lambda: signal.signal(signal.SIGHUP, signal.SIG_IGN)) if hangup_ignored else None,
        )
        os.close(slave)
        self.shown = b""

    def read(self, seconds: float) -> None:
        ready, _, _ = select.select([self.master], [], [], seconds)
        if ready:
            try:
                self.shown += os.read(self.master, 1 << 16)
            except OSError:
                pass

    def wait_for(self, text: bytes, seconds: float = 30) -> bool:
        deadline = time.monotonic() + seconds
        while text not in self.shown and time.monotonic() < deadline and self.process.poll() is None:
            self.read(0.1)
        return text in self.shown

    def write(self, keys: str) -> None:
        data = keys.encode()
        assert os.write(self.master, data) == len(data)  # the whole burst in one write

    def close(self) -> None:
        if self.process.poll() is None:
            self.write(CTRL_Q)
            deadline = time.monotonic() + 10
            while self.process.poll() is None and time.monotonic() < deadline:
                self.read(0.1)
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(timeout=10)
        os.close(self.master)


def until(terminal: Terminal, condition, seconds: float = 30):
    """Wait for `condition`, reading what the console writes meanwhile (a terminal nobody reads
    fills up, and the console then waits on it)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if found := condition():
            return found
        terminal.read(0.1)
    return condition()


def test_bursts_written_to_the_terminal_are_stored_exactly(engine, db_path, clock):
    login = pwd.getpwuid(os.getuid()).pw_name  # who the console takes this terminal to be
    with Session(engine) as session, session.begin():
        if session.get(Staff, login) is None:
            session.add(Staff(login=login, name="Terminal Senior", role="senior", region="London"))
    terminal = Terminal(sqlite_url(db_path))
    try:
        assert terminal.wait_for(b"Terminal Senior"), terminal.shown[-2000:]
        assert terminal.wait_for(b"0 waiting")

        # a handler's intake: every field and Ctrl+S in one write
        terminal.write(
            "n"
            + "930037\tGrace Ellis\t"
            + "\r"
            + DOWN * 4
            + "\r\t"
            + "020 7946 0123\t"
            + "\r"
            + DOWN * 4
            + "\r\t"
            + " \t"  # urgent
            + "\t"  # not at immediate risk
            + "Head taken ill; lead inspector asks to pause. END"
            + CTRL_S
        )

        def logged():
            with Session(engine) as session:
                return session.scalars(select_rows(Concern)).all()

        [concern] = until(terminal, logged)
        assert (concern.urn, concern.caller_name, concern.caller_role, concern.caller_phone) == (
            "930037",
            "Grace Ellis",
            "lead_inspector",
            "+442079460123",
        )
        assert (concern.category, concern.urgent, concern.summary) == (
            "pause_request",
            True,
            "Head taken ill; lead inspector asks to pause. END",
        )
        assert terminal.wait_for(f"call {concern.id}".encode())  # the number the caller can quote

        # a senior opens it, claims it and writes advice: one write again
        terminal.write("\r" + "c" + "a" + NOTE + CTRL_S)

        def advised():
            with Session(engine) as session:
                return session.scalars(select_rows(Advice.text)).all()

        assert until(terminal, advised) == [NOTE]

        # Esc and the key after it in one write reach the terminal as Alt+key: still read as
        # Esc (the form asks whether to keep the typing), then `d` (discard it)
        terminal.write("a" + "scratch that" + ESC + "d" + "a" + "Second note. END" + CTRL_S)
        assert until(terminal, lambda: len(advised()) == 2 and advised()) == [NOTE, "Second note. END"]

        # closing is refused (no decision, no signposting); Esc and `k` keep the draft, and the
        # keys after them (more than a key sequence could ever be) are keys, not part of the Esc
        third = "Third note, written straight after the close was refused. END"
        terminal.write("x" + "Not closed yet" + CTRL_S + ESC + "k" + "a" + third + CTRL_S)
        assert until(terminal, lambda: len(advised()) == 3 and advised()) == [NOTE, "Second note. END", third]
        with Session(engine) as session:
            assert session.get(Concern, concern.id).status == "claimed"
    finally:
        terminal.close()


def test_a_console_whose_terminal_hangs_up_exits(engine, db_path, clock):
    """The SSH session behind the terminal is gone, and SIGHUP is ignored (nohup, some session
    managers): the console exits within seconds and leaves who is viewing, instead of reading a
    closed input at full speed for ever."""
    login = pwd.getpwuid(os.getuid()).pw_name
    with Session(engine) as session, session.begin():
        if session.get(Staff, login) is None:
            session.add(Staff(login=login, name="Terminal Senior", role="senior", region="London"))
    log(engine, clock)
    terminal = Terminal(sqlite_url(db_path), hangup_ignored=True)

    def viewing():
        with Session(presence_engine(engine)) as session:
            return session.scalars(select_rows(Presence.concern_id)).all()

    try:
        assert terminal.wait_for(b"1 waiting"), terminal.shown[-2000:]
        terminal.write("\r")  # open the call: this console is now viewing it
        assert until(terminal, lambda: viewing() == [1])
        os.close(terminal.master)  # the terminal hangs up
        terminal.master = os.open(os.devnull, os.O_RDONLY)  # (for close())
        terminal.process.wait(timeout=15)
        assert terminal.process.returncode == 1
        assert viewing() == []
    finally:
        terminal.close()


def test_without_a_terminal_the_console_says_so_and_exits(db_path):
    """`ssh -T`, a command, sftp or scp given to the forced command: no terminal. One line, at
    once, and no full screen's escape codes down the pipe."""
    env = {**os.environ, "TERM": "xterm-256color"}
    env.pop("HELPDESK_CONFIG", None)
    done = subprocess.run(
        [sys.executable, "-m", "helpdesk", "--db", sqlite_url(db_path), "--as", "akhan"],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr == (
        "helpdesk: the console needs a terminal: connect with `ssh -t`, or run it in one; nothing was opened\n"
    )
