"""Alerts by e-mail: time from a call marked at immediate risk (committed) to its e-mail arriving
at an SMTP server on 127.0.0.1, with `helpdesk alerts run`'s loop as shipped (woken by the change feed,
a pass at least every 2 s) sending; the floor, in the same run, is the same e-mail handed to the same
server directly.

Run: python bench/alert_email.py [--db URL] [--changes 200]
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import socket
import tempfile
import threading
import time
from email import message_from_bytes
from pathlib import Path
from zoneinfo import ZoneInfo

from aiosmtpd.controller import Controller

import benchdb
from helpdesk.domain.intake import validate_concern


class Arrivals:
    def __init__(self) -> None:
        self.at: dict[int, float] = {}

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        subject = str(message_from_bytes(envelope.content)["Subject"])
        self.at[int(subject.split("call ")[1].split(":")[0])] = time.time()
        return "250 OK"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", help="an empty database URL to fill (default: a new SQLite file)")
    parser.add_argument("--changes", type=int, default=200)
    args = parser.parse_args()
    from helpdesk.clock import Clock
    from helpdesk.domain.policy import load_policy
    from helpdesk.shipped import shipped_file
    from helpdesk.store.admin.alert_sender import Smtp, deliver, run
    from helpdesk.store.commands.intake import log_concern
    from helpdesk.store.commands.risk import mark_risk
    from helpdesk.store.commands.rota import add_on_call
    from helpdesk.store.db.engine import make_engine, sqlite_url

    arrivals = Arrivals()
    port = free_port()
    server = Controller(arrivals, hostname="127.0.0.1", port=port)
    server.start()
    smtp = Smtp("127.0.0.1", port, starttls=False, sender="alerts@helpline.example")
    with tempfile.TemporaryDirectory() as folder:
        url = args.db or sqlite_url(Path(folder) / "alert_email.sqlite")
        benchdb.build(url, waiting=200, closed=10_000)
        engine = make_engine(url)
        with engine.begin() as connection:  # (a staff file's email column, as an admin imports it)
            connection.exec_driver_sql("UPDATE staff SET email = login || '@helpline.example' WHERE login = 'lpark'")
        clock = Clock()
        local = clock.now().astimezone(ZoneInfo("Europe/London"))
        add_on_call(  # Lucy Park on call: each alert is one e-mail, to her
            engine,
            "lpark",
            clock.now(),
            login="lpark",
            starts=(local - dt.timedelta(hours=1)).strftime("%Y-%m-%d %H:%M"),
            ends=(local + dt.timedelta(hours=2)).strftime("%Y-%m-%d %H:%M"),
        )
        stop = threading.Event()
        sender = threading.Thread(
            target=run, args=(engine, smtp, load_policy(shipped_file("policy.toml")), clock.now, "bench", stop)
        )
        sender.start()
        concern = validate_concern(
            urn="930037",
            caller_name="Sample Caller",
            caller_role="headteacher",
            phone="0113 496 0001",
            category="wellbeing",
            summary="Alert e-mail",
        )
        marked: dict[int, float] = {}
        floor: list[float] = []
        rng = random.Random(5)
        from email.message import EmailMessage

        for _ in range(args.changes):
            concern_id = log_concern(engine, concern, "rdouglas", clock.now())
            mark_risk(engine, concern_id, "gsingh", clock.now(), "Benchmark risk")
            marked[concern_id] = time.time()
            mail = EmailMessage()  # the floor: the same server, the message handed to it directly
            mail["From"], mail["To"] = smtp.sender, "floor@helpline.example"
            mail["Subject"] = "helpdesk alert: call 0: floor"
            mail.set_content("floor")
            started = time.time()
            deliver(smtp, mail)
            floor.append((time.time() - started) * 1000)
            time.sleep(rng.uniform(0.05, 0.15))
        deadline = time.time() + 15
        while time.time() < deadline and not all(c in arrivals.at for c in marked):
            time.sleep(0.1)
        stop.set()
        sender.join()
        engine.dispose()
    server.stop()
    latencies = [(arrivals.at[c] - at) * 1000 for c, at in marked.items() if c in arrivals.at]
    print(f"alerts by e-mail on {url.split(':')[0]}, {args.changes} markings, the sender woken by the change feed")
    print(benchdb.latency_line("marked at risk -> the e-mail at the SMTP server", latencies, len(marked)))
    print(benchdb.latency_line("floor: the same e-mail handed to the server directly", floor, len(floor)))


if __name__ == "__main__":
    main()
