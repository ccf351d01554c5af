"""The screens that keep the record complete: countersigning with reasons, signposting offered or
why not, linking the inspection, the question before Esc throws typing away, and the queue's
marker for a pause awaiting countersignature."""

import pytest
from sqlalchemy import select
from sqlmodel import Session
from textual.widgets import Static, TextArea

from helpdesk.domain.pause import PauseDecisionInput
from helpdesk.domain.refusals import Refused
from helpdesk.store import commands
from helpdesk.store.db.models import Advice, PauseDecision
from helpdesk.tui.forms.discard_prompt import DiscardPrompt
from helpdesk.tui.screens.call import CallScreen
from support import burst, console, linked, no_blink, open_call, pause_request, rows, settle

SIZES = [(80, 24), (120, 40)]


def exceptional_pause(engine, clock, policy, senior="gsingh"):
    concern_id = pause_request(engine, clock)
    commands.claim(engine, concern_id, senior, clock.now())
    linked(engine, clock, concern_id, login=senior)
    commands.log_contact(
        engine,
        concern_id,
        senior,
        clock.now(),
        party="responsible_body",
        contact_name="",
        phone="0116 496 0001",
        channel="phone",
        outcome="reached",
    )
    commands.record_pause_decision(
        engine,
        concern_id,
        senior,
        PauseDecisionInput(
            decision="authorised",
            requested_by="lead_inspector",
            grounds="wellbeing",
            rationale="Head in hospital.",
            working_days=8,
            justification="Head in hospital; the trust needs the week.",
        ),
        policy,
        clock.now(),
    )
    return concern_id


async def test_countersigning_asks_for_reasons_and_records_them(engine, clock, policy):
    concern_id = exceptional_pause(engine, clock, policy)
    app = console(engine, clock, policy, "mokafor")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        screen = await open_call(pilot, concern_id)
        await burst(pilot, "w", "ctrl+s")  # no ruling, no reasons: refused, the form stays
        assert type(app.screen).__name__ == "CountersignForm"
        assert "countersign or refuse" in str(app.screen.query_one("#error-ruling", Static).content)
        assert "Write your reasons for countersigning" in str(app.screen.query_one("#error-reason", Static).content)
        await burst(pilot, "enter", "down", "enter", "tab", "[Hospitalised; interim head needs the week.]", "ctrl+s")
        assert app.screen is screen and screen.detail.latest_decision.countersigned_by == "Mark Okafor"
    with Session(engine) as session:
        reason = session.scalar(select(PauseDecision.countersign_reason).where(PauseDecision.concern_id == concern_id))
    assert reason == "Hospitalised; interim head needs the week."


async def test_a_supervisor_refuses_the_countersignature_and_the_pause_never_comes_into_force(engine, clock, policy):
    """Refused with reasons, typed in one burst: the decision records who refused and why, the
    call shows no pause in force, and the pause cannot be reported to anyone as authorised."""
    from helpdesk.store.queries.pause_register import pause_entries

    concern_id = exceptional_pause(engine, clock, policy)
    app = console(engine, clock, policy, "mokafor")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = await open_call(pilot, concern_id)
        await burst(pilot, "w", "enter", "down", "down", "enter", "tab", "[The trust can cover by Monday.]", "ctrl+s")
        assert app.screen is screen, app.screen.query("#form-error").first().content
        assert screen.detail.latest_decision is None and screen.detail.refused_decision.refused_by == "Mark Okafor"
        assert "countersign" not in screen.keys_now()  # ruled on: nothing left to sign
    with Session(engine) as session:
        row = session.scalar(select(PauseDecision).where(PauseDecision.concern_id == concern_id))
    assert (row.refused_by, row.refusal_reason, row.countersigned_by) == (
        "mokafor",
        "The trust can cover by Monday.",
        None,
    )
    today = clock.now().date()
    [entry] = list(pause_entries(engine, today, today, today, policy))
    assert (entry.state, entry.refused_by, entry.past_limit) == ("refused", "Mark Okafor", False)
    with pytest.raises(Refused, match="no pause decision to inform anyone of"):
        commands.record_notification(engine, concern_id, "gsingh", clock.now(), party="school", channel="phone")


async def test_the_deciding_senior_is_told_of_a_refusal_at_once(engine, clock, policy):
    """The supervisor refuses in another console: the senior who decided, working on the call,
    hears a bell and reads who refused and why; the call shows the pause is not in force."""
    from support import wait_until

    concern_id = exceptional_pause(engine, clock, policy)
    notices, bells = [], []
    app = console(engine, clock, policy, "gsingh", watch_changes=True)
    app.notify = lambda message, **kwargs: notices.append(message)
    app.bell = lambda: bells.append(1)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.pause(0.5)  # the change feed is primed
        screen = await open_call(pilot, concern_id)
        assert screen.detail.awaiting_decision is not None
        assert "NOT IN FORCE" in " ".join(value for _, value in screen.decision_lines())
        clock.advance(minutes=1)
        commands.countersign(
            engine, concern_id, "mokafor", "The trust can cover by Monday.", clock.now(), policy, "refuse"
        )
        assert await wait_until(pilot, lambda: notices, seconds=5)
        assert notices == [
            f"Mark Okafor refused to countersign your exceptional pause on call {concern_id} "
            "(930037 Thornhill High School): it is not in force. Reasons: The trust can cover by Monday."
        ]
        assert bells == [1]
        assert await wait_until(pilot, lambda: screen.detail.refused_decision is not None, seconds=5)
        lines = dict(screen.decision_lines())
        assert lines["Pause decision"] == "none in force" and "REFUSED by Mark Okafor" in lines["Refused"]


async def test_countersign_is_not_offered_to_the_supervisor_who_decided(engine, clock, policy):
    concern_id = exceptional_pause(engine, clock, policy, senior="lpark")
    app = console(engine, clock, policy, "lpark")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        screen = await open_call(pilot, concern_id)
        assert "countersign" not in screen.keys_now()  # not offered
        await burst(pilot, "w")  # pressed anyway: told why, and nothing opens
        assert app.screen is screen
        assert "You made this decision: a second supervisor must countersign or refuse it" in str(
            screen.query_one("#refusal", Static).content
        )


async def test_the_queue_marks_and_counts_pauses_awaiting_countersignature(engine, clock, policy):
    concern_id = exceptional_pause(engine, clock, policy)
    app = console(engine, clock, policy, "mokafor")
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        header = str(app.screen.query_one("#queue-header").render())
        assert "1 to countersign" in header
        table = app.screen.query_one("DataTable")
        assert "✎" in str(table.get_row(str(concern_id))[4])


async def test_the_question_before_esc_says_what_a_draft_is_kept_for(engine, clock, policy):
    """A form about a call keeps its draft for that call; a new concern has no call yet."""
    concern_id = pause_request(engine, clock)
    commands.claim(engine, concern_id, "gsingh", clock.now())
    app = console(engine, clock, policy, "gsingh")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await burst(pilot, "n", "[930037]", "escape")
        assert isinstance(app.screen, DiscardPrompt)
        said = " ".join(str(s.content) for s in app.screen.query(Static))
        assert "as a draft for this session" in said and "for this call" not in said
        await burst(pilot, "d")
        await open_call(pilot, concern_id)
        await burst(pilot, "a", "[A note]", "escape")
        said = " ".join(str(s.content) for s in app.screen.query(Static))
        assert "as a draft for this call" in said


async def test_esc_on_a_typed_form_asks_and_discard_throws_it_away(engine, clock, policy):
    concern_id = pause_request(engine, clock)
    commands.claim(engine, concern_id, "gsingh", clock.now())
    app = console(engine, clock, policy, "gsingh")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        screen = await open_call(pilot, concern_id)
        await burst(pilot, "a", "[A note I am not sure of]", "escape")
        assert isinstance(app.screen, DiscardPrompt)
        await burst(pilot, "escape")  # back to the form, nothing lost
        assert app.screen.query_one("#advice-text", TextArea).text == "A note I am not sure of"
        await burst(pilot, "escape", "k")  # kept as a draft
        assert app.screen is screen
        await burst(pilot, "a")
        assert app.screen.query_one("#advice-text", TextArea).text == "A note I am not sure of"
        await burst(pilot, "escape", "d")  # discarded
        await burst(pilot, "a")
        assert app.screen.query_one("#advice-text", TextArea).text == ""
        await burst(pilot, "escape")  # an empty form closes at once
        assert app.screen is screen
    with Session(engine) as session:
        assert session.scalars(select(Advice)).all() == []


async def test_a_refused_pause_keeps_what_was_typed_until_the_contact_is_logged(engine, clock, policy):
    concern_id = pause_request(engine, clock)
    commands.claim(engine, concern_id, "gsingh", clock.now())
    linked(engine, clock, concern_id)
    app = console(engine, clock, policy, "gsingh")
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(pilot)
        screen = await open_call(pilot, concern_id)
        await burst(
            pilot,
            "p",
            "enter",
            "down",
            "enter",
            "tab",
            "enter",
            "down",
            "enter",
            "tab",
            "enter",
            "down",
            "enter",
            "tab",
            "tab",
            "[Head unwell; trust arranging cover.]",
            "ctrl+s",
        )
        assert "Log at least one attempt to contact the responsible body" in str(
            app.screen.query_one("#form-error", Static).content
        )
        await burst(pilot, "escape", "k")
        await burst(pilot, "t", "tab", "tab", "tab", "tab", "enter", "down", "enter", "ctrl+s")  # the contact: reached
        assert screen.detail.body_contacts == 1
        await burst(pilot, "p")
        assert "Restored what you typed" in str(app.screen.query_one("#form-error", Static).content)
        await burst(pilot, "ctrl+s")
        assert app.screen is screen and screen.detail.latest_decision.decision == "authorised"


async def test_the_intake_form_says_the_call_number(engine, clock, policy):
    app = console(engine, clock, policy, "rdouglas")
    notices = []
    app.notify = lambda message, **kwargs: notices.append(message)
    async with app.run_test(size=(100, 30)) as pilot:
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
            "tab",
            "tab",  # urgent, then immediate risk: neither
            "[Head is distressed.]",
            "ctrl+s",
        )
    assert any(message.startswith("Logged as call 1: give the caller this number") for message in notices), notices


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("key", ["w", "o", "i", "escape"])
def test_record_forms(snap_compare, engine, clock, policy, key, size):
    """Countersign, signposting, link inspection, and the question before discarding typing."""
    concern_id = exceptional_pause(engine, clock, policy) if key == "w" else pause_request(engine, clock)
    if key != "w":
        commands.claim(engine, concern_id, "lpark", clock.now())

    async def run_before(pilot):
        await settle(pilot)
        pilot.app.push_screen(CallScreen(concern_id))
        await settle(pilot)
        if key == "escape":
            await burst(pilot, "a", "[A note]", "escape")
        else:
            await burst(pilot, key)
        no_blink(pilot)
        await pilot.pause()

    login = "mokafor" if key == "w" else "lpark"
    assert snap_compare(console(engine, clock, policy, login), terminal_size=size, run_before=run_before)


async def test_a_supervisor_who_decided_is_told_before_writing_a_review(engine, clock, policy):
    from support import complete_the_record

    concern_id = exceptional_pause(engine, clock, policy, senior="lpark")
    commands.countersign(engine, concern_id, "mokafor", "Justified.", clock.now(), policy)
    commands.add_advice(engine, concern_id, "lpark", "Advice.", clock.now())
    complete_the_record(engine, concern_id, "lpark", clock.now(), policy)
    commands.close(engine, concern_id, "lpark", "Paused.", clock.now(), policy=policy)
    app = console(engine, clock, policy, "lpark")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        screen = await open_call(pilot, concern_id)
        await burst(pilot, "v")
        assert app.screen is screen
        assert str(screen.query_one("#refusal", Static).content).startswith(
            "You decided its pause: a supervisor who did not"
        )


@pytest.mark.parametrize("size", SIZES)
def test_the_pause_form_counts_the_days_already_paused_on_the_inspection(snap_compare, engine, policy, size):
    """Another call about Lakeside's inspection holds 3 working days; this holder types 6: the
    form says 3 of 5 are already paused, 6 with this pause, and that it is exceptional."""
    from helpdesk.clock import FrozenClock
    from support import decision, held_with_contact

    during = FrozenClock("2026-11-19T10:00:00Z")
    first = held_with_contact(engine, during, "932408", senior="akhan")
    commands.record_pause_decision(engine, first, "akhan", decision(working_days=3), policy, during.now())
    second = held_with_contact(engine, during, "932408")

    async def run_before(pilot):
        await settle(pilot)
        pilot.app.push_screen(CallScreen(second))
        await settle(pilot)
        await burst(pilot, "p")
        pilot.app.screen.query_one("#pause-days").focus()
        await burst(pilot, "ctrl+u", "[6]")
        no_blink(pilot)
        await pilot.pause()

    assert snap_compare(console(engine, during, policy, "gsingh"), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_recording_an_inspection_led_by_the_holder_is_refused_in_the_form(snap_compare, engine, clock, policy, size):
    """The holder records the school's inspection naming herself as its lead: one line says why."""
    concern_id = pause_request(engine, clock)
    commands.claim(engine, concern_id, "gsingh", clock.now())

    async def run_before(pilot):
        await settle(pilot)
        pilot.app.push_screen(CallScreen(concern_id))
        await settle(pilot)
        await burst(
            pilot, "i", "tab", "[INS-WALK-1]", "tab", "enter", "down", "enter", "tab", "[2026-11-17]", "tab",
            "[2026-11-19]", "tab", "[Gurpreet Singh]", "ctrl+s",
        )  # fmt: skip
        no_blink(pilot)
        await pilot.pause()

    assert snap_compare(console(engine, clock, policy, "gsingh"), terminal_size=size, run_before=run_before)


async def test_an_exceptional_pause_left_unsigned_is_escalated_to_every_supervisor(engine, clock, policy, monkeypatch):
    """The senior's console sees the pause still unsigned 31 minutes after it was decided and
    raises it; a supervisor's console rings and says what waits; once countersigned, it no
    longer stands."""
    from helpdesk.store.db.models import Escalation
    from helpdesk.tui.screens.queue import QueueHeader, QueueScreen
    from support import wait_until

    monkeypatch.setattr(QueueScreen, "ESCALATION_SPREAD_SECONDS", 0)
    concern_id = exceptional_pause(engine, clock, policy)
    notices, bells = [], []
    supervisor = console(engine, clock, policy, "mokafor", watch_changes=True)
    supervisor.notify = lambda message, **kwargs: notices.append(message)
    supervisor.bell = lambda: bells.append(1)
    senior = console(engine, clock, policy, "gsingh")
    async with supervisor.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.pause(0.5)  # the change feed is primed
        async with senior.run_test(size=(100, 30)) as senior_pilot:
            await settle(senior_pilot)
            clock.advance(minutes=31)
            senior.screen.raise_escalations(clock.now())
            await settle(senior_pilot)
            assert await wait_until(senior_pilot, lambda: len(rows(engine, Escalation)) == 1, seconds=5)
        assert await wait_until(pilot, lambda: notices, seconds=5)
        assert notices == [
            f"930037 Thornhill High School: call {concern_id}'s exceptional pause still awaits countersignature (w)"
        ]
        assert bells == [1]
        assert "1 ESCALATED" in supervisor.screen.query_one(QueueHeader).shown_line
        commands.countersign(engine, concern_id, "lpark", "Justified.", clock.now(), policy)
        assert await wait_until(pilot, lambda: "ESCALATED" not in supervisor.screen.query_one(QueueHeader).shown_line)
