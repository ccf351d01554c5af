"""Alerts leave the console (#33): through a real SMTP server on 127.0.0.1 (aiosmtpd), to the
supervisor on call, then the next, then everyone; free of personal data byte for byte; tried
again with back-off while the server is down and delivered exactly once when it is back; sent
once however many senders run; every send, failure and acknowledgement on the trail."""

import socket
import threading

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select, text

from helpdesk.store import commands
from helpdesk.store.admin.alert_sender import Smtp, SmtpInvalid, read_credentials, send_pass
from helpdesk.store.admin.importers import import_staff
from helpdesk.store.commands.alerts import failing_since, take_due
from helpdesk.store.commands.rota import add_on_call
from helpdesk.store.db.audit import verify_chain
from helpdesk.store.db.models import AlertMessage, Event
from support import log

SUPERVISORS = {"lpark": "lucy.park", "mokafor": "mark.okafor", "nreid": "nadia.reid", "phale": "peter.hale"}


class Inbox:
    def __init__(self) -> None:
        self.received: list[tuple[list[str], bytes]] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        self.received.append((list(envelope.rcpt_tos), envelope.content))
        return "250 OK"

    def to(self, login: str) -> list[bytes]:
        return [content for rcpt, content in self.received if f"{SUPERVISORS[login]}@helpline.example" in rcpt]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def port():
    return free_port()


@pytest.fixture
def inbox(port):
    found = Inbox()
    server = Controller(found, hostname="127.0.0.1", port=port)
    server.start()
    yield found
    server.stop()


@pytest.fixture
def smtp(port):
    return Smtp("127.0.0.1", port, starttls=False, sender="alerts@helpline.example")


@pytest.fixture
def addressed(engine, clock, tmp_path):
    """Supervisors with e-mail addresses (an admin's staff import), Mark Okafor then Lucy Park on call."""
    path = tmp_path / "staff.csv"
    path.write_text(
        "login,name,role,region,active,email\n"
        + "".join(
            f"{login},{name},supervisor,London,yes,{SUPERVISORS[login]}@helpline.example\n"
            for login, name in (
                ("lpark", "Lucy Park"),
                ("mokafor", "Mark Okafor"),
                ("nreid", "Nadia Reid"),
                ("phale", "Peter Hale"),
            )
        )
        + "wcole,William Cole,admin,London,yes,\n"
    )
    import_staff(engine, path, "wcole", clock.now())
    add_on_call(engine, "lpark", clock.now(), login="mokafor", starts="2026-11-18 08:00", ends="2026-11-18 20:00")
    add_on_call(engine, "lpark", clock.now(), login="lpark", starts="2026-11-18 08:30", ends="2026-11-18 20:00")


def a_pass(engine, smtp, policy, clock):
    return send_pass(engine, smtp, policy, clock.now, "helpdesk")


def at_risk(engine, clock):
    concern_id = log(engine, clock, category="wellbeing")
    commands.mark_risk(engine, concern_id, "rdouglas", clock.now(), "Grace Ellis spoke of ending her life")
    return concern_id


def test_a_risk_reaches_the_supervisor_on_call_free_of_personal_data(engine, clock, policy, smtp, inbox, addressed):
    concern_id = at_risk(engine, clock)
    report = a_pass(engine, smtp, policy, clock)
    assert (report.sent, report.failed) == (1, 0)
    [mail] = inbox.to("mokafor")  # the first on the rota
    assert len(inbox.received) == 1
    assert f"Subject: helpdesk alert: call {concern_id}: IMMEDIATE RISK".encode() in mail
    for personal in (
        b"Grace",
        b"Ellis",
        b"ending",
        b"0113",
        b"496",
        b"Thornhill",
        b"930037",
        b"distressed",
        b"rdouglas",
    ):
        assert personal not in mail
    assert a_pass(engine, smtp, policy, clock).sent == 0  # sent once
    with engine.connect() as connection:
        kinds = connection.execute(select(Event.kind, Event.details).where(Event.kind == "alert_sent")).all()
    assert len(kinds) == 1 and "Grace" not in kinds[0][1]
    assert verify_chain(engine).intact


def test_unacknowledged_it_goes_to_the_next_then_everyone_and_acknowledging_stops_it(
    engine, clock, policy, smtp, inbox, addressed
):
    concern_id = at_risk(engine, clock)
    a_pass(engine, smtp, policy, clock)
    clock.advance(minutes=policy.alert_acknowledge_minutes)
    a_pass(engine, smtp, policy, clock)
    assert (len(inbox.to("mokafor")), len(inbox.to("lpark")), len(inbox.to("nreid"))) == (1, 1, 0)
    clock.advance(minutes=policy.alert_acknowledge_minutes)
    a_pass(engine, smtp, policy, clock)
    assert [len(inbox.to(login)) for login in SUPERVISORS] == [1, 1, 1, 1]  # everyone, each once
    commands.acknowledge_risk(engine, concern_id, "nreid", clock.now())
    clock.advance(minutes=30)
    assert a_pass(engine, smtp, policy, clock).sent == 0
    assert len(inbox.received) == 4


def test_acknowledged_before_it_is_sent_it_is_never_sent(engine, clock, policy, smtp, inbox, addressed):
    concern_id = at_risk(engine, clock)
    commands.acknowledge_risk(engine, concern_id, "lpark", clock.now())
    a_pass(engine, smtp, policy, clock)
    assert inbox.received == []


def test_a_server_down_for_a_minute_then_up_delivers_every_alert_exactly_once(
    engine, clock, policy, port, smtp, addressed
):
    first, second = at_risk(engine, clock), at_risk(engine, clock)
    down = a_pass(engine, smtp, policy, clock)  # nothing listens on the port
    assert (down.sent, down.failed) == (0, 2)
    assert failing_since(engine) == clock.now()
    for _ in range(4):  # a minute of trying, backing off
        clock.advance(seconds=15)
        a_pass(engine, smtp, policy, clock)
    with engine.connect() as connection:
        attempts = connection.execute(select(AlertMessage.attempts)).scalars().all()
    assert all(2 <= n <= 4 for n in attempts)  # tried again, with back-off, never given up
    found = Inbox()
    server = Controller(found, hostname="127.0.0.1", port=port)
    server.start()
    try:
        clock.advance(minutes=2)  # (still within the minutes before an alert goes to the next)
        a_pass(engine, smtp, policy, clock)
        clock.advance(seconds=30)
        a_pass(engine, smtp, policy, clock)
    finally:
        server.stop()
    calls = sorted(int(content.split(b"call ")[1].split(b":")[0]) for _, content in found.received)
    assert calls == [first, second]  # each delivered once, to the one on call
    assert failing_since(engine) is None
    with engine.connect() as connection:
        failed = connection.execute(select(Event.details).where(Event.kind == "alert_failed")).scalars().all()
    assert failed and all('"reason": "unreachable"' in details for details in failed)


def test_two_senders_at_once_send_each_message_once(engine, clock, policy, smtp, inbox, addressed):
    for _ in range(6):
        at_risk(engine, clock)
    go = threading.Barrier(2)

    def sender():
        go.wait()
        a_pass(engine, smtp, policy, clock)

    threads = [threading.Thread(target=sender) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(inbox.received) == 6 and len(inbox.to("mokafor")) == 6


def test_a_sender_that_died_holding_a_message_is_resumed_not_repeated(engine, clock, policy, smtp, inbox, addressed):
    at_risk(engine, clock)
    from helpdesk.store.commands.alerts import plan

    plan(engine, clock.now(), policy)
    [taken] = take_due(engine, clock.now())  # and then the sender dies before sending
    assert a_pass(engine, smtp, policy, clock).sent == 0  # its lease holds
    clock.advance(seconds=61)
    assert a_pass(engine, smtp, policy, clock).sent == 1
    assert len(inbox.received) == 1


def test_a_supervisor_without_an_address_is_passed_over_on_the_trail(engine, clock, policy, smtp, inbox, addressed):
    path_rows = "login,name,role,region,active,email\nmokafor,Mark Okafor,supervisor,London,yes,\n"
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "staff.csv"
        path.write_text(path_rows)
        import_staff(engine, path, "wcole", clock.now())
    at_risk(engine, clock)
    report = a_pass(engine, smtp, policy, clock)
    assert (report.sent, report.failed) == (0, 1)
    with engine.connect() as connection:
        [details] = connection.execute(select(Event.details).where(Event.kind == "alert_failed")).scalars().all()
    assert '"reason": "no_address"' in details and '"retry_at": null' in details
    clock.advance(minutes=policy.alert_acknowledge_minutes)
    a_pass(engine, smtp, policy, clock)
    assert len(inbox.to("lpark")) == 1  # the next on the rota has it


def test_an_escalation_is_alerted_by_email_too(engine, clock, policy, smtp, inbox, addressed):
    from helpdesk.store.commands.escalations import escalate

    concern_id = log(engine, clock, category="other")
    clock.advance(minutes=16)
    escalate(engine, "gsingh", clock.now(), policy, concern_ids=[concern_id])
    a_pass(engine, smtp, policy, clock)
    [mail] = inbox.to("mokafor")
    assert b"not claimed within its time-to-claim target" in mail
    commands.acknowledge_alerts(engine, concern_id, "lpark", clock.now())
    clock.advance(minutes=10)
    a_pass(engine, smtp, policy, clock)
    assert len(inbox.received) == 1
    assert verify_chain(engine).intact


def test_a_credentials_file_must_be_the_owners_alone(tmp_path):
    path = tmp_path / "smtp-credentials"
    path.write_text("alerts\nsecret\n")
    path.chmod(0o644)
    with pytest.raises(SmtpInvalid, match="readable by others \\(mode 0644\\): chmod 600"):
        read_credentials(path)
    path.chmod(0o600)
    assert read_credentials(path) == ("alerts", "secret")
    link = tmp_path / "link"
    link.symlink_to(path)
    with pytest.raises(SmtpInvalid, match="not a regular file"):
        read_credentials(link)


def test_an_alert_rewritten_in_the_database_is_named_by_verify(engine, clock, policy, addressed):
    at_risk(engine, clock)
    with engine.begin() as connection:
        connection.execute(text("UPDATE alert SET acknowledged_by = 'lpark', acknowledged_at = raised_at"))
    report = verify_chain(engine)
    assert not report.intact and any(p.row.startswith("alert") for p in report.record.problems)


def test_an_escalation_whose_call_is_claimed_sends_no_more(engine, clock, policy, smtp, inbox, addressed):
    from helpdesk.store.commands.escalations import escalate

    concern_id = log(engine, clock, category="other")
    clock.advance(minutes=16)
    escalate(engine, "gsingh", clock.now(), policy, concern_ids=[concern_id])
    a_pass(engine, smtp, policy, clock)
    commands.claim(engine, concern_id, "gsingh", clock.now())  # what it alerted to is over
    clock.advance(minutes=2 * policy.alert_acknowledge_minutes)
    a_pass(engine, smtp, policy, clock)
    assert len(inbox.received) == 1


def test_lifting_a_risk_stops_its_alert(engine, clock, policy, smtp, inbox, addressed):
    concern_id = at_risk(engine, clock)
    commands.lift_risk(engine, concern_id, "lpark", clock.now(), "Misheard: nobody is at risk")
    a_pass(engine, smtp, policy, clock)
    assert inbox.received == []


def test_starttls_checks_the_servers_certificate(engine, clock, policy, addressed, tmp_path):
    """Over STARTTLS, with the helpline's own certificate authority (smtp.ca_file): sent; with a
    certificate nobody vouches for: refused, tried again, never sent in clear."""
    import ssl

    import trustme

    from helpdesk.store.admin.alert_sender import Smtp

    ca = trustme.CA()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(context)
    port = free_port()
    received = Inbox()
    server = Controller(received, hostname="127.0.0.1", port=port, tls_context=context, require_starttls=True)
    server.start()
    try:
        at_risk(engine, clock)
        unknown = Smtp("127.0.0.1", port, starttls=True, sender="alerts@helpline.example")
        report = a_pass(engine, unknown, policy, clock)
        assert (report.sent, report.failed) == (0, 1) and received.received == []
        ca_file = tmp_path / "helpline-ca.pem"
        ca.cert_pem.write_to_path(str(ca_file))
        trusted = Smtp("127.0.0.1", port, starttls=True, sender="alerts@helpline.example", ca_file=str(ca_file))
        clock.advance(seconds=20)
        assert a_pass(engine, trusted, policy, clock).sent == 1
        assert len(received.to("mokafor")) == 1
    finally:
        server.stop()
    with engine.connect() as connection:
        [details] = connection.execute(select(Event.details).where(Event.kind == "alert_failed")).scalars().all()
    assert '"reason": "tls"' in details
