"""Immediate risk on the console (#33): logged or marked in one burst, every supervisor's console
rung at once, the protocol on the call screen and a supervisor's one-key acknowledgement; the
database row read after each."""

import pytest
from textual.widgets import DataTable, Static

from helpdesk.store import commands
from helpdesk.store.db.models import Risk, RiskStep
from helpdesk.tui.screens.queue import QueueHeader
from support import burst, console, no_blink, open_call, rows, settle, wait_until

SIZES = [(80, 24), (120, 40)]


def held_wellbeing_call(engine, clock, login="gsingh"):
    from support import log

    concern_id = log(engine, clock, category="wellbeing")
    commands.claim(engine, concern_id, login, clock.now())
    return concern_id


def first_row(app) -> str:
    table = app.screen.query_one("#queue", DataTable)
    return " ".join(str(cell) for cell in table.get_row_at(0))


async def test_a_handler_logs_a_call_at_immediate_risk_in_one_burst(engine, clock, policy):
    from support import seed_queue

    seed_queue(engine, clock, ages_min=(30, 20))  # urgent calls waiting longer
    app = console(engine, clock, policy, "rdouglas")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await burst(
            pilot,
            "n",
            "[930037]",
            "tab",
            "[Grace Ellis]",
            "tab",
            "enter",
            "down",
            "enter",
            "tab",
            "[020 7946 0123]",
            "tab",
            "enter",
            "down",
            "enter",
            "tab",
            "tab",  # not ticked urgent: a call at risk is urgent anyway
            "space",  # IMMEDIATE RISK
            "tab",
            "[Head says she cannot face tomorrow.]",
            "ctrl+s",
        )
        await settle(pilot)
        [risk] = rows(engine, Risk)
        assert (risk.marked_by, risk.what, risk.acknowledged_at) == ("rdouglas", "", None)
        assert first_row(app).startswith("RISK")
        assert app.screen.query_one(QueueHeader).shown_line.startswith(" 1 AT RISK")


async def test_marking_a_call_at_risk_rings_every_supervisor_until_one_acknowledges(engine, clock, policy):
    concern_id = held_wellbeing_call(engine, clock)
    notices, bells = [], []
    supervisor = console(engine, clock, policy, "lpark", watch_changes=True)
    supervisor.notify = lambda message, **kwargs: notices.append((kwargs.get("title"), message))
    supervisor.bell = lambda: bells.append(1)
    senior = console(engine, clock, policy, "gsingh")
    async with supervisor.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.pause(0.5)  # the change feed is primed
        async with senior.run_test(size=(80, 24)) as senior_pilot:
            await settle(senior_pilot)
            await open_call(senior_pilot, concern_id)
            await burst(senior_pilot, "m", "[The head spoke of ending her life.]", "ctrl+s")
            await settle(senior_pilot)
            [risk] = rows(engine, Risk)
            assert (risk.marked_by, risk.what) == ("gsingh", "The head spoke of ending her life.")
            assert "IMMEDIATE RISK" in str(senior.screen.query_one("#call-header", Static).content)
        assert await wait_until(pilot, lambda: notices, seconds=2), "no alert within two seconds"
        [(title, message)] = notices
        assert title == "IMMEDIATE RISK" and f"Call {concern_id} (930037 Thornhill High School)" in message
        assert "press ! to acknowledge" in message and "ending" not in message  # nothing of what was said
        assert bells == [1]
        header = supervisor.screen.query_one(QueueHeader)
        assert header.shown_line.startswith(" 1 AT RISK") and "UNACK" in header.shown_line  # first, never hidden
        assert first_row(supervisor).startswith("RISK")
        for _ in range(supervisor.screen.RISK_RING_SECONDS):  # a minute on: it rings again
            supervisor.screen.tick()
        assert bells == [1, 1]

        await open_call(pilot, concern_id)
        await burst(pilot, "!")
        await settle(pilot)
        assert rows(engine, Risk)[0].acknowledged_by == "lpark"
        assert "✓ acknowledged at 09:00 by Lucy Park" in str(supervisor.screen.query_one("#risk-card").content)
        await pilot.press("escape")
        assert await wait_until(pilot, lambda: "UNACK" not in header.shown_line)
        assert "1 AT RISK" in header.shown_line
        for _ in range(supervisor.screen.RISK_RING_SECONDS):
            supervisor.screen.tick()
        assert bells == [1, 1]  # acknowledged: no more ringing


async def test_the_protocol_is_recorded_on_the_call_screen_in_bursts(engine, clock, policy):
    concern_id = held_wellbeing_call(engine, clock)
    commands.mark_risk(engine, concern_id, "gsingh", clock.now(), "Risk to the head")
    app = console(engine, clock, policy, "gsingh")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = await open_call(pilot, concern_id)
        assert screen.keys_now()[:3] == ["back", "risk_contact", "risk_safety"]  # the protocol first
        await burst(pilot, "!")  # not a supervisor: says why, changes nothing
        assert "Only a supervisor can acknowledge an immediate risk" in str(screen.query_one("#refusal").content)
        await burst(
            pilot,
            "e",
            "enter",
            "down",
            "enter",
            "tab",
            "[Police, PC Shah]",
            "tab",
            "[CAD 4471]",
            "tab",
            "[08:52]",
            "ctrl+s",
        )
        await burst(pilot, "s", "enter", "down", "enter", "tab", "[Her partner is with her.]", "ctrl+s")
        await settle(pilot)
        contact, safety = rows(engine, RiskStep)
        assert (contact.contact, contact.who, contact.reference) == (
            "emergency_services",
            "Police, PC Shah",
            "CAD 4471",
        )
        assert contact.happened_at.strftime("%H:%M") == "08:52"
        assert (safety.safety, safety.note) == ("confirmed", "Her partner is with her.")
        card = str(screen.query_one("#risk-card").content)
        assert "✓ Emergency services (999) at 08:52: Police, PC Shah, ref CAD 4471" in card
        assert "☐ not yet acknowledged (a supervisor presses !)" in card


@pytest.mark.parametrize("size", SIZES)
def test_call_at_immediate_risk(snap_compare, engine, clock, policy, size):
    """The senior's call screen with the protocol part done: the marker in the header, the risk
    card first, its steps ticked or still to do, the protocol's keys first in the footer."""
    concern_id = held_wellbeing_call(engine, clock)
    commands.add_advice(engine, concern_id, "gsingh", "Talked through support.", clock.now())
    commands.mark_risk(engine, concern_id, "gsingh", clock.now(), "Head spoke of ending her life")
    commands.record_risk_contact(
        engine,
        concern_id,
        "gsingh",
        clock.now(),
        contact="emergency_services",
        who="Police, PC Shah",
        reference="CAD 4471",
    )

    async def run_before(pilot):
        await settle(pilot)
        await open_call(pilot, concern_id)
        no_blink(pilot)

    assert snap_compare(console(engine, clock, policy, "gsingh"), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_queue_with_a_call_at_immediate_risk(snap_compare, engine, clock, policy, size):
    """The supervisor's queue: the call at risk first, marked RISK in words, the header's count,
    and the alert."""
    from support import seed_queue

    ids = seed_queue(engine, clock, ages_min=(22, 12, 3))
    commands.mark_risk(engine, ids[-1], "rdouglas", clock.now(), "Risk to the head")

    async def run_before(pilot):
        await settle(pilot)
        await pilot.pause()

    assert snap_compare(console(engine, clock, policy, "lpark"), terminal_size=size, run_before=run_before)


def test_the_emergency_contact_form(snap_compare, engine, clock, policy):
    concern_id = held_wellbeing_call(engine, clock)
    commands.mark_risk(engine, concern_id, "gsingh", clock.now(), "Risk")

    async def run_before(pilot):
        await settle(pilot)
        await open_call(pilot, concern_id)
        await burst(pilot, "e", "enter", "down", "enter", "tab", "[Police]", "tab", "tab", "[25:00]", "ctrl+s")
        await settle(pilot)
        no_blink(pilot)

    assert snap_compare(console(engine, clock, policy, "gsingh"), terminal_size=(80, 24), run_before=run_before)


async def test_a_supervisor_exports_the_risk_register_from_the_console(engine, clock, policy, tmp_path, monkeypatch):
    from helpdesk.tui.forms.export import ExportForm

    concern_id = held_wellbeing_call(engine, clock)
    commands.mark_risk(engine, concern_id, "gsingh", clock.now(), "Head spoke of ending her life")
    monkeypatch.chdir(tmp_path)
    app = console(engine, clock, policy, "lpark")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        app.push_screen(ExportForm(clock.now().date(), clock.now().date(), what="risks"))
        await settle(pilot)
        await burst(pilot, "ctrl+s")
        await settle(pilot)
    [written] = list(tmp_path.glob("helpdesk-*.csv"))
    text = written.read_text()
    assert text.splitlines()[0].startswith("risk_id,call,marked_at") and f"\n1,{concern_id}," in text
    assert "ending" not in text and "Gurpreet" not in text  # redacted, as the form's default
