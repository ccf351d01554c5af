"""Every form and the remaining screens, at 80x24 and 120x40, on fixed data and a frozen clock."""

import pytest
from textual.widgets import Select

from helpdesk.domain.pause import PauseDecisionInput
from helpdesk.store import commands
from helpdesk.tui.screens.call import CallScreen
from support import complete_the_record, console, no_blink, seed_queue, settle

SIZES = [(80, 24), (120, 40)]


@pytest.fixture
def held(engine, clock):
    [concern_id] = seed_queue(engine, clock, ages_min=(7,))
    commands.claim(engine, concern_id, "lpark", clock.now())
    commands.add_advice(engine, concern_id, "lpark", "Advised a pause until tomorrow.", clock.now())
    return concern_id


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("key", ["a", "t", "n", "x", "l", "r"])
def test_call_forms(snap_compare, engine, clock, policy, held, key, size):
    """Advice, contact, informed, close, release and reassign forms over the call screen."""
    if key == "n":  # "informed" is of a decision: there is one to report
        commands.record_pause_decision(
            engine,
            held,
            "lpark",
            PauseDecisionInput(
                decision="declined",
                requested_by="headteacher",
                grounds="wellbeing",
                rationale="Leader supported by the chair.",
            ),
            policy,
            clock.now(),
        )

    async def run_before(pilot):
        await settle(pilot)
        pilot.app.push_screen(CallScreen(held))
        await settle(pilot)
        await pilot.press(key)
        await settle(pilot)
        no_blink(pilot)
        await pilot.pause()

    assert snap_compare(console(engine, clock, policy, "lpark"), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_review_form(snap_compare, engine, clock, policy, held, size):
    complete_the_record(engine, held, "lpark", clock.now(), policy)
    commands.close(engine, held, "lpark", "Advice given; no pause needed.", clock.now(), policy=policy)

    async def run_before(pilot):
        await settle(pilot)
        pilot.app.push_screen(CallScreen(held))
        await settle(pilot)
        await pilot.press("v")
        await settle(pilot)
        no_blink(pilot)

    assert snap_compare(console(engine, clock, policy, "mokafor"), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_export_form(snap_compare, engine, clock, policy, size, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path.parent.parent)  # a path that does not change between runs' names

    async def run_before(pilot):
        await settle(pilot)
        await pilot.press("v")
        await settle(pilot)
        await pilot.press("ctrl+e")
        await settle(pilot)
        pilot.app.screen.query_one("#export-path").value = "/srv/exports/helpdesk-week.csv"
        no_blink(pilot)
        await pilot.pause()

    assert snap_compare(console(engine, clock, policy, "lpark"), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_feedback_screen(snap_compare, engine, clock, policy, held, size):
    complete_the_record(engine, held, "lpark", clock.now(), policy)
    commands.close(engine, held, "lpark", "Advice given.", clock.now(), policy=policy)
    commands.review(
        engine,
        held,
        "mokafor",
        "needs_follow_up",
        "Ring the trust back to confirm cover reached the head.",
        clock.now(),
        policy,
    )

    async def run_before(pilot):
        await settle(pilot)
        await pilot.press("f")
        await settle(pilot)

    assert snap_compare(console(engine, clock, policy, "lpark"), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_learning_review_screen(snap_compare, engine, clock, policy, held, size):
    complete_the_record(engine, held, "lpark", clock.now(), policy)
    commands.close(engine, held, "lpark", "Advice given.", clock.now(), policy=policy)
    commands.review(
        engine,
        held,
        "mokafor",
        "learning_review",
        "Pause considered late: bring to the learning review.",
        clock.now(),
        policy,
    )

    async def run_before(pilot):
        await settle(pilot)
        await pilot.press("v")
        await settle(pilot)
        await pilot.press("ctrl+l")
        await settle(pilot)

    assert snap_compare(console(engine, clock, policy, "lpark"), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_command_palette(snap_compare, engine, clock, policy, size):
    async def run_before(pilot):
        await settle(pilot)
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"cla")
        await pilot.pause(0.3)
        no_blink(pilot)

    assert snap_compare(console(engine, clock, policy, "akhan"), terminal_size=size, run_before=run_before)


async def test_the_informed_form_lists_who_must_still_be_told_first(engine, clock, policy, held):
    """Told the lead inspector of a declined pause, the form offers the caller first: Enter,
    Down, Enter records the next party still to tell, never the same one again."""
    commands.record_pause_decision(
        engine,
        held,
        "lpark",
        PauseDecisionInput(
            decision="declined", requested_by="headteacher", grounds="wellbeing", rationale="Leader supported."
        ),
        policy,
        clock.now(),
    )
    commands.record_notification(engine, held, "lpark", clock.now(), party="lead_inspector", channel="phone")
    app = console(engine, clock, policy, "lpark")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.push_screen(CallScreen(held))
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        options = app.screen.query_one("#notify-party", Select)._options  # (its prompt first)
        labels = [getattr(label, "plain", label) for label, value in options if value != Select.NULL]
        assert labels[0] == "Caller — still to inform" and labels[1] == "Lead inspector"
