"""A console that counts the SQL statements it sends (for bench/idle.py): every statement
through SQLAlchemy, on any engine, is counted; the count is written to the file named by
HELPDESK_BENCH_COUNT when the console is told to stop (SIGTERM); counting starts at SIGUSR1."""

from __future__ import annotations

import os
import signal
import sys

from sqlalchemy import event
from sqlalchemy.engine import Engine

from helpdesk.cli import main

sent = 0
counting = False  # from SIGUSR1 on: start-up is not idling


@event.listens_for(Engine, "before_cursor_execute")
def _count(*_args) -> None:
    global sent
    sent += counting


def _start(*_args) -> None:
    global counting
    counting = True


def _stop(*_args) -> None:
    with open(os.environ["HELPDESK_BENCH_COUNT"], "w") as out:
        out.write(str(sent))
    os._exit(0)


signal.signal(signal.SIGUSR1, _start)
signal.signal(signal.SIGTERM, _stop)
sys.exit(main(sys.argv[1:]))
