"""Keys that arrive in one burst (a slow SSH link, a paste, a fast typist) are stored exactly:
nothing cut off at Ctrl+S, nothing typed into the field Tab was leaving, nothing lost while a
form opens. The keys are posted all at once and the database is checked, not the screen."""

from textual.widgets import Static

from helpdesk.store import commands
from helpdesk.store.db.models import Advice, Concern, ContactAttempt, Handover, Inspection, Notification, PauseDecision
from support import burst, open_call, pause_request, rows, settle

NOTE = "Talked the head through the pause options; she will call back after speaking to the trust. END-OF-NOTE"


def held(engine, clock, holder="gsingh"):
    """A pause request claimed by `holder`."""
    concern_id = pause_request(engine, clock)
    commands.claim(engine, concern_id, holder, clock.now())
    return concern_id


async def on_the_call(pilot, concern_id):
    await settle(pilot)
    await open_call(pilot, concern_id)


async def test_advice_typed_in_one_burst_with_ctrl_s_is_stored_whole(make_app, engine, clock):
    app = make_app(login="gsingh")
    concern_id = pause_request(engine, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await open_call(pilot, concern_id)
        await burst(pilot, "c", "a", f"[{NOTE}]", "ctrl+s")
        assert [a.text for a in rows(engine, Advice, concern_id=concern_id)] == [NOTE]
        assert type(app.screen).__name__ == "CallScreen"  # the form closed after saving


async def test_advice_records_what_the_caller_was_told_in_one_burst(make_app, engine, clock):
    """The policy's two things to tell a caller, ticked with the advice in one burst: the call
    records when each was first told, and the card shows them ticked."""
    app = make_app(login="gsingh")
    concern_id = pause_request(engine, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = await open_call(pilot, concern_id)
        await burst(pilot, "c", "a", "[Explained the policy.]", "tab", "space", "tab", "space", "ctrl+s")
        assert type(app.screen).__name__ == "CallScreen", app.screen.query("#form-error").first().content
        [concern] = rows(engine, Concern, id=concern_id)
        assert concern.told_judgement_unaffected_at is not None and concern.told_may_be_accompanied_at is not None
        assert [a.text for a in rows(engine, Advice, concern_id=concern_id)] == ["Explained the policy."]
        await settle(pilot)
        assert screen.detail.told == {"judgement_unaffected", "may_be_accompanied"}


async def test_keys_after_ctrl_s_go_to_the_call_once_the_form_has_closed(make_app, engine, clock):
    app = make_app(login="gsingh")
    concern_id = pause_request(engine, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await open_call(pilot, concern_id)
        await burst(pilot, "c", "a", "[first note]", "ctrl+s", "a", "[second note]", "ctrl+s")
        assert [a.text for a in rows(engine, Advice, concern_id=concern_id)] == ["first note", "second note"]


async def test_intake_burst_puts_each_value_in_its_own_field(make_app, engine, clock):
    app = make_app(login="rdouglas")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        before = {c.id for c in rows(engine, Concern)}
        await burst(
            pilot,
            "n",
            "[930037]",
            "tab",
            "[Grace Ellis]",
            "tab",
            "enter",
            "down",
            "down",
            "down",
            "down",
            "enter",
            "tab",  # caller's role: lead inspector
            "[020 7946 0123]",
            "tab",
            "enter",
            "down",
            "down",
            "down",
            "down",
            "enter",
            "tab",  # category: pause request
            "space",
            "tab",  # urgent
            "tab",  # not at immediate risk
            "[Head taken ill; lead inspector asks to pause.]",
            "ctrl+s",
        )
        new = [c for c in rows(engine, Concern) if c.id not in before]
        assert len(new) == 1, app.screen.query("#form-error").first().content
        concern = new[0]
        assert (concern.urn, concern.caller_name, concern.caller_role, concern.caller_phone) == (
            "930037",
            "Grace Ellis",
            "lead_inspector",
            "+442079460123",
        )
        assert (concern.category, concern.urgent, concern.summary) == (
            "pause_request",
            True,
            "Head taken ill; lead inspector asks to pause.",
        )


async def test_a_whole_pause_call_typed_in_bursts_is_recorded_exactly(make_app, engine, clock):
    app = make_app(login="gsingh")
    concern_id = pause_request(engine, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await open_call(pilot, concern_id)
        # contact: party pre-set to the responsible body, number pre-filled; outcome, then the note
        await burst(pilot, "c", "t")
        form = app.screen
        outcome = form.query_one("#field-outcome").widget
        outcome.focus()
        await burst(pilot, "enter", "down", "enter", "tab", "[CEO sends the deputy CEO. END]", "ctrl+s")
        [contact] = rows(engine, ContactAttempt, concern_id=concern_id)
        assert contact.note == "CEO sends the deputy CEO. END"

        # no inspection is on record for this school: record it on the call first
        await burst(
            pilot,
            "i",
            "tab",
            "[INS-2026-0042]",
            "tab",
            "enter",
            "down",
            "enter",
            "tab",
            "[2026-11-17]",
            "tab",
            "[2026-11-19]",
            "tab",
            "[Pat Lead]",
            "tab",
            "[Ruth Adebayo]",
            "tab",
            "[Chair of governors]",
            "tab",
            "[0116 496 0123]",
            "ctrl+s",
        )
        [inspection] = rows(engine, Inspection, reference="INS-2026-0042")
        assert (inspection.remit, inspection.start_date.isoformat(), inspection.lead_inspector) == (
            "schools",
            "2026-11-17",
            "Pat Lead",
        )
        assert (inspection.wellbeing_name, inspection.wellbeing_role, inspection.wellbeing_phone) == (
            "Ruth Adebayo",
            "Chair of governors",
            "+441164960123",
        )

        await burst(
            pilot,
            "p",
            "enter",
            "down",
            "enter",
            "tab",  # requested by: lead inspector
            "enter",
            "down",
            "enter",
            "tab",  # grounds: well-being
            "enter",
            "down",
            "enter",
            "tab",  # decision: authorise
            "backspace",
            "[2]",
            "tab",
            "[Head unwell; trust putting interim leadership in place. END]",
            "ctrl+s",
        )
        [decision] = rows(engine, PauseDecision, concern_id=concern_id)
        assert (decision.decision, decision.working_days) == ("authorised", 2)
        assert decision.rationale == "Head unwell; trust putting interim leadership in place. END"

        # each party the policy names, then signposting, advice and the close: one burst
        await burst(
            pilot,
            "n",
            "enter",
            "down",
            "enter",
            "tab",
            "tab",
            "[Told the lead]",
            "ctrl+s",
            "n",  # the parties still to tell are listed first: the school
            "enter",
            "down",
            "enter",
            "tab",
            "tab",
            "[Told the head's PA]",
            "ctrl+s",
            "n",  # then the responsible body
            "enter",
            "down",
            "enter",
            "tab",
            "tab",
            "[Told the CEO]",
            "ctrl+s",
            "o",
            "ctrl+s",
            "a",
            "[Advised on the pause and the support available.]",
            "ctrl+s",
            "x",
            "[Paused two days; trust has cover in place.]",
            "ctrl+s",
        )
        told = {(n.party, n.note, n.decision_id) for n in rows(engine, Notification, concern_id=concern_id)}
        assert told == {
            ("lead_inspector", "Told the lead", decision.id),
            ("school", "Told the head's PA", decision.id),
            ("responsible_body", "Told the CEO", decision.id),
        }
        [concern] = rows(engine, Concern, id=concern_id)
        assert concern.signposting_offered_at is not None
        assert (concern.status, concern.outcome) == ("closed", "Paused two days; trust has cover in place.")


async def test_release_reason_typed_in_a_burst(make_app, engine, clock):
    app = make_app(login="gsingh")
    concern_id = held(engine, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await on_the_call(pilot, concern_id)
        await burst(pilot, "l", "[Going off shift; handed back with notes. END]", "ctrl+s")
        [handover] = rows(engine, Handover, concern_id=concern_id)
        assert handover.reason == "Going off shift; handed back with notes. END"


async def test_reassign_typed_in_a_burst(make_app, engine, clock):
    app = make_app(login="lpark")
    concern_id = held(engine, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await on_the_call(pilot, concern_id)
        # `g` reads the seniors first: the keys after it still reach the form once it opens
        await burst(pilot, "r", "enter", "down", "enter", "tab", "[Gurpreet off sick; handed on. END]", "ctrl+s")
        [handover] = rows(engine, Handover, concern_id=concern_id)
        assert handover.kind == "reassigned" and handover.reason == "Gurpreet off sick; handed on. END"
        assert handover.to_login and handover.to_login != "gsingh"


async def test_review_and_export_typed_in_bursts(make_app, engine, clock, policy, tmp_path):
    from helpdesk.store.db.models import Review
    from support import complete_the_record

    app = make_app(login="mokafor")
    concern_id = held(engine, clock)
    commands.add_advice(engine, concern_id, "gsingh", "Advised.", clock.now())
    commands.record_pause_decision(engine, concern_id, "gsingh", decision_declined(), policy, clock.now())
    complete_the_record(engine, concern_id, "gsingh", clock.now(), policy)
    commands.close(engine, concern_id, "gsingh", "Declined; support in place.", clock.now(), policy=policy)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await open_call(pilot, concern_id)
        await burst(
            pilot, "v", "enter", "down", "down", "enter", "tab", "[Ring the trust back tomorrow. END]", "ctrl+s"
        )
        [review] = rows(engine, Review, concern_id=concern_id)
        assert (review.outcome, review.feedback) == ("needs_follow_up", "Ring the trust back tomorrow. END")

        await burst(pilot, "escape", "v")
        target = tmp_path / "export-typed.csv"
        await burst(
            pilot,
            "ctrl+e",
            "tab",
            "ctrl+u",
            "[2026-11-18]",
            "tab",
            "ctrl+u",
            "[2026-11-18]",
            "tab",
            "tab",
            "tab",
            "ctrl+u",
            f"[{target}]",
            "ctrl+s",
        )
        assert target.exists(), app.screen.query("#form-error").first().content
        assert str(concern_id) in target.read_text()


def decision_declined():
    from helpdesk.domain.pause import PauseDecisionInput

    return PauseDecisionInput(
        decision="declined", requested_by="headteacher", grounds="wellbeing", rationale="Supported by the chair."
    )


def test_an_escape_byte_followed_by_a_key_in_the_same_read_is_the_esc_key():
    from helpdesk.tui.keys import EscapeKeyParser, escapes_as_keys

    keys = [event.key for event in EscapeKeyParser().feed("ok\x13\x1bkn\r\x1b[B\x1bOA")]
    assert keys == ["o", "k", "ctrl+s", "escape", "k", "n", "enter", "down", "up"]
    # an escape byte inside pasted text is marked (SUB), never read as keys; an Esc at the end
    # of a read waits for the next
    assert escapes_as_keys("\x1b[200~a\x1bkb\x1b[201~x\x1b") == ("\x1b[200~a\x1akb\x1b[201~x\x1b", False)
    # an escape sequence pasted comes as one paste, in order (Textual's reader typed its tail as
    # keys, ahead of the paste's start)
    events = list(EscapeKeyParser().feed("\x1b[200~First part then ESC\x1b[31m then rest\x1b[201~"))
    assert [type(e).__name__ for e in events] == ["Paste"]
    assert events[0].text == "First part then ESC\x1a[31m then rest"
    # a paste whose end arrives in the next read still ends there
    parser = EscapeKeyParser()
    first = list(parser.feed("\x1b[200~one\x1b[2"))
    rest = list(parser.feed("01~x"))
    assert [(type(e).__name__, getattr(e, "text", getattr(e, "key", None))) for e in [*first, *rest]] == [
        ("Paste", "one"),
        ("Key", "x"),
    ]


async def test_an_exceptional_pause_typed_in_one_burst_keeps_its_justification(make_app, engine, clock):
    """Typing the days shows the justification field (the form reacts to the Input's Changed
    message); the Tab typed straight after must already find it."""
    from support import linked

    app = make_app(login="gsingh")
    concern_id = held(engine, clock)
    linked(engine, clock, concern_id)
    commands.log_contact(
        engine, concern_id, "gsingh", clock.now(),
        party="responsible_body", contact_name="", phone="0116 496 0001", channel="phone", outcome="reached",
    )  # fmt: skip
    async with app.run_test(size=(80, 24)) as pilot:
        await on_the_call(pilot, concern_id)
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
            "backspace",
            "8",
            "tab",
            "[Head in hospital. END]",
            "tab",
            "[Trust arranging cover. END]",
            "ctrl+s",
        )
        [decision] = rows(engine, PauseDecision, concern_id=concern_id)
        assert (decision.working_days, decision.exceptional) == (8, True)
        assert (decision.justification, decision.rationale) == ("Head in hospital. END", "Trust arranging cover. END")


async def test_recording_an_inspection_that_names_the_holder_as_lead_is_refused_in_the_form(make_app, engine, clock):
    """The walk-around, typed as a senior would: the holder records the school's inspection with
    herself as its lead. The form says why in one line, stays open with what was typed, and
    nothing is recorded."""
    app = make_app(login="gsingh")
    concern_id = pause_request(engine, clock)
    commands.claim(engine, concern_id, "gsingh", clock.now())
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await open_call(pilot, concern_id)
        await burst(
            pilot,
            "i",
            "tab",
            "[INS-WALK-1]",
            "tab",
            "enter",
            "down",
            "enter",
            "tab",
            "[2026-11-17]",
            "tab",
            "[2026-11-19]",
            "tab",
            "[Gurpreet Singh]",
            "ctrl+s",
        )
        error = str(app.screen.query_one("#form-error", Static).content)
        assert "you are the lead inspector for this inspection" in error
        assert app.screen.query_one("#field-reference").widget.value == "INS-WALK-1"  # nothing lost
        assert rows(engine, Inspection, reference="INS-WALK-1") == []


async def test_the_pause_form_counts_the_days_other_calls_hold_on_the_inspection(engine, policy):
    """Another call about the same inspection already holds 3 working days: typing 3 more shows
    the count, and that overlapping days count once."""
    from helpdesk.clock import FrozenClock
    from support import console, decision, held_with_contact

    during = FrozenClock("2026-11-19T10:00:00Z")  # Lakeside's inspection runs on the 19th and 20th
    first = held_with_contact(engine, during, "932408", senior="akhan")
    commands.record_pause_decision(engine, first, "akhan", decision(working_days=3), policy, during.now())
    second = pause_request(engine, during, urn="932408")
    commands.claim(engine, second, "gsingh", during.now())
    app = console(engine, during, policy, "gsingh")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await open_call(pilot, second)
        await burst(pilot, "p")
        hint = str(app.screen.query_one("#hint-working_days", Static).content)
        assert "3 of 5 working days already paused on this inspection; with this pause 3" in hint  # shared days once
        app.screen.query_one("#pause-days").focus()
        await burst(pilot, "ctrl+u", "[4]")
        hint = str(app.screen.query_one("#hint-working_days", Static).content)
        assert "3 of 5 working days already paused on this inspection; with this pause 4" in hint
        assert "EXCEPTIONAL" not in hint
        await burst(pilot, "ctrl+u", "[6]")
        hint = str(app.screen.query_one("#hint-working_days", Static).content)
        assert "with this pause 6" in hint and "EXCEPTIONAL" in hint


async def test_a_paste_is_stored_whole_or_refused_with_the_reason(make_app, engine, clock):
    """A one-line field never keeps only the first line of a paste, and no field takes an escape
    sequence from one: each is refused with the reason, the field left as it was; a clean paste
    goes in whole, a multi-line one into the advice."""
    from textual import events
    from textual.widgets import Input, TextArea

    app = make_app(login="gsingh")
    concern_id = pause_request(engine, clock)

    def field_error(name: str) -> str:  # a refused paste is the field's error, where the eye is
        return str(app.screen.query_one(f"#error-{name}", Static).content)

    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await open_call(pilot, concern_id)
        await burst(pilot, "c", "t", "tab")  # the contact form, on its name
        name = app.screen.query_one("#field-contact_name").widget
        assert isinstance(name, Input) and name.has_focus
        before = name.value
        refused = []
        for pasted in ("Victoria\u2028Jones", "Victoria\nJones", "Victoria\x1b[31mJones"):
            app.post_message(events.Paste(pasted))
            await pilot.pause()
            await app.keys_handled()
            assert name.value == before, (pasted, name.value, app.focused)
            refused.append(field_error("contact_name"))
        assert all(r.startswith("Not pasted:") for r in refused)
        assert "takes one line" in refused[0] and "control characters" in refused[2]
        app.post_message(events.Paste("Victoria Jones"))
        await pilot.pause()
        await app.keys_handled()
        assert name.value == "Victoria Jones"  # (the pre-filled name was selected: the paste replaces it)
        await burst(pilot, "escape", "d")  # discard it
        await settle(pilot)
        await burst(pilot, "a")
        text = app.screen.query_one("#field-text").widget
        assert isinstance(text, TextArea) and text.has_focus
        app.post_message(events.Paste("First part then ESC\x1b[31m then rest"))
        await pilot.pause()
        await app.keys_handled()
        assert text.text == "" and field_error("text").startswith("Not pasted: the paste holds control characters")
        app.post_message(events.Paste("First line\r\nSecond line"))
        await pilot.pause()
        await app.keys_handled()
        await burst(pilot, "ctrl+s")
        assert [a.text for a in rows(engine, Advice, concern_id=concern_id)] == ["First line\nSecond line"]
