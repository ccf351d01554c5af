"""Sending alerts by e-mail: `helpdesk alerts run`. Each pass queues what the alerts are owed
(commands.alerts.plan), takes the messages due with a lease, hands each to the SMTP server named
in the config, and records what happened; a pass runs as soon as anything is committed. An SMTP server that is down costs a pass a connection
attempt, never a console anything: the messages wait in the database and are tried again with
back-off. Consoles never send."""

from __future__ import annotations

import datetime as dt
import os
import smtplib
import socket
import ssl
import stat
import threading
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

from sqlalchemy import Engine

from helpdesk.domain import alerts
from helpdesk.domain.policy import Policy
from helpdesk.store.commands.alerts import Outgoing, plan, record_failed, record_sent, take_due

SMTP_TIMEOUT = 10.0  # seconds: a server that does not answer is a failed attempt, tried again later


class SmtpInvalid(ValueError):
    """The [smtp] settings cannot be used; str() says why."""


@dataclass(frozen=True)
class Smtp:
    host: str
    port: int
    starttls: bool
    sender: str  # the From address
    username: str | None = None
    password: str | None = None
    ca_file: str | None = None  # the certificate authority the server's certificate is checked against


def read_credentials(path: Path) -> tuple[str, str]:
    """A credentials file: the user name on its first line, the password on its second. It must
    be a regular file of root's or the running user's, readable by its owner only (0600)."""
    try:
        status = path.lstat()
    except OSError as error:
        raise SmtpInvalid(f"smtp credentials file {path} cannot be read: {error.strerror or error}") from None
    if not stat.S_ISREG(status.st_mode):
        raise SmtpInvalid(f"smtp credentials file {path} is not a regular file (a link is not followed)")
    if status.st_uid not in (0, os.getuid()):
        raise SmtpInvalid(f"smtp credentials file {path} belongs to another user (uid {status.st_uid})")
    if stat.S_IMODE(status.st_mode) & 0o077:
        raise SmtpInvalid(
            f"smtp credentials file {path} is readable by others (mode {stat.S_IMODE(status.st_mode):04o}): chmod 600 it"
        )
    lines = path.read_text(encoding="utf-8").splitlines()
    if len(lines) < 2 or not lines[0].strip():
        raise SmtpInvalid(f"smtp credentials file {path} must hold the user name, then the password, on two lines")
    return lines[0].strip(), lines[1]


def smtp_from_config(values: object) -> Smtp:
    """The config file's [smtp] table: host, port (587), starttls (true), from, credentials_file,
    and ca_file (a certificate authority of the helpline's own, if the server's certificate is
    not signed by one the system trusts)."""
    if not isinstance(values, dict) or not values.get("host"):
        raise SmtpInvalid('the config file has no [smtp] table with a host (see README, "Alerts by e-mail")')
    port = values.get("port", 587)
    if not isinstance(port, int) or isinstance(port, bool) or not 1 <= port <= 65535:
        raise SmtpInvalid(f"smtp.port must be a port number, not {port!r}")
    starttls = values.get("starttls", True)
    if not isinstance(starttls, bool):
        raise SmtpInvalid("smtp.starttls must be true or false")
    sender = values.get("from")
    if not isinstance(sender, str) or "@" not in sender:
        raise SmtpInvalid("smtp.from must be the address alerts are sent from")
    username = password = None
    if credentials := values.get("credentials_file"):
        username, password = read_credentials(Path(str(credentials)))
    ca_file = values.get("ca_file")
    if ca_file is not None and not Path(str(ca_file)).is_file():
        raise SmtpInvalid(f"smtp.ca_file {ca_file} is not a file")
    return Smtp(str(values["host"]), port, starttls, sender, username, password, str(ca_file) if ca_file else None)


def compose(smtp: Smtp, message: Outgoing, address: str, now: dt.datetime) -> EmailMessage:
    subject, body = alerts.message(message.kind, message.concern_id, message.raised_at)
    mail = EmailMessage()
    mail["From"] = smtp.sender
    mail["To"] = address
    mail["Subject"] = subject
    mail["Date"] = format_datetime(now)
    # the same message id however often it is tried: a mail client shows a repeat once
    mail["Message-ID"] = f"<helpdesk-alert-{message.id}@{smtp.sender.split('@', 1)[1]}>"
    mail.set_content(body)
    return mail


def deliver(smtp: Smtp, mail: EmailMessage) -> None:
    with smtplib.SMTP(smtp.host, smtp.port, timeout=SMTP_TIMEOUT) as server:
        if smtp.starttls:  # the server's certificate checked (the system's authorities, or ca_file's)
            server.starttls(context=ssl.create_default_context(cafile=smtp.ca_file))
        if smtp.username is not None:
            server.login(smtp.username, smtp.password or "")
        server.send_message(mail)


def failure_code(error: BaseException) -> str:
    """What the trail says of a failed attempt: a code, never the server's words."""
    if isinstance(error, smtplib.SMTPAuthenticationError):
        return "authentication"
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return "recipient_refused"
    if isinstance(error, ssl.SSLError):
        return "tls"
    if isinstance(error, (ConnectionError, socket.timeout, smtplib.SMTPServerDisconnected, OSError)):
        return "unreachable"
    return "refused"


@dataclass
class PassReport:
    queued: int = 0
    sent: int = 0
    failed: int = 0


def send_pass(
    engine: Engine,
    smtp: Smtp,
    policy: Policy,
    now: Callable[[], dt.datetime],
    actor: str,
    send: Callable[[Smtp, EmailMessage], None] = deliver,
) -> PassReport:
    """One pass: queue what is owed, send what is due, record each result."""
    report = PassReport(queued=plan(engine, now(), policy))
    for message in take_due(engine, now()):
        if not message.address:
            record_failed(engine, message, now(), actor, "no_address", "no e-mail address on record", final=True)
            report.failed += 1
            continue
        try:
            send(smtp, compose(smtp, message, message.address, now()))
        except (smtplib.SMTPException, OSError) as error:
            record_failed(engine, message, now(), actor, failure_code(error), str(error) or type(error).__name__)
            report.failed += 1
        else:
            report.sent += record_sent(engine, message, now(), actor)
    return report


def run(
    engine: Engine,
    smtp: Smtp,
    policy: Policy,
    now: Callable[[], dt.datetime],
    actor: str,
    stop: threading.Event,
    every: float = 2.0,
    said: Callable[[PassReport], None] | None = None,
) -> None:
    """Pass after pass until `stop` is set: at once after anything is committed (the change feed
    the consoles use: a marker or an escalation is e-mailed within moments), and at least every
    `every` seconds (retries fall due). A database fault is waited out, then tried again."""
    from sqlalchemy.exc import DBAPIError, OperationalError

    from helpdesk.store.db.changes import ChangeFeed

    feed = ChangeFeed(engine, stop)
    try:
        while not stop.is_set():
            try:
                report: PassReport | None = send_pass(engine, smtp, policy, now, actor)
            except (OperationalError, DBAPIError):  # the database away a moment: the next pass tries again
                report = None
            if report and said and (report.sent or report.failed or report.queued):
                said(report)
            try:
                feed.wait(every)
            except Exception:  # noqa: BLE001 - the driver's own error: wait, then the next pass tries
                stop.wait(every)
    finally:
        feed.close()
