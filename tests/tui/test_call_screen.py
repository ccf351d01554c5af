"""Handling a call through the screens: the happy path of a pause request, and each refusal."""

import pytest
from sqlalchemy import select
from textual.widgets import Input, Static, TextArea

from helpdesk.clock import FrozenClock
from helpdesk.domain.phones import national
from helpdesk.store import commands
from helpdesk.store.db.models import Inspection, InspectionMember
from helpdesk.store.queries.call import call_detail
from helpdesk.tui.forms.base import FormScreen
from helpdesk.tui.forms.intake import IntakeForm
from support import burst, console, linked, no_blink, open_call, pause_request, settle


def fill(form: FormScreen, **values):
    """Type into a form's fields (Select values chosen by value)."""
    for name, value in values.items():
        widget = form.query_one(f"#field-{name}").widget
        if isinstance(widget, TextArea):
            widget.text = value
        else:
            widget.value = value


async def save(pilot):
    await pilot.press("ctrl+s")
    await settle(pilot)


def refusal_text(screen) -> str:
    return str(screen.query_one("#refusal", Static).content)


def field_error(form, name) -> str:
    return str(form.query_one(f"#error-{name}", Static).content)


async def test_a_pause_request_from_claim_to_close(make_app, engine, clock):
    app = make_app(login="gsingh")
    concern_id = pause_request(engine, clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        screen = await open_call(pilot, concern_id)
        await pilot.press("c")
        await settle(pilot)
        assert screen.detail.status == "claimed" and screen.detail.claimed_by == "gsingh"

        await pilot.press("t")  # contact the responsible body: number pre-filled from its card
        await settle(pilot)
        form = app.screen
        body_phone = national(call_detail(engine, concern_id, "lpark").body.phone)
        assert body_phone and form.query_one("#contact-phone", Input).value == body_phone
        fill(form, outcome="reached", note="CEO will send the deputy CEO to the school")
        await save(pilot)
        assert app.screen is screen and screen.detail.body_contacts == 1

        await pilot.press("p")  # no inspection on record: authorising is refused until it is linked
        await settle(pilot)
        fill(
            app.screen,
            requested_by="lead_inspector",
            grounds="wellbeing",
            decision="authorised",
            working_days="2",
            rationale="Head unwell; trust putting interim leadership in place.",
        )
        await save(pilot)
        assert "link the inspection" in str(app.screen.query_one("#form-error", Static).content)
        await pilot.press("escape")  # typed content: asked first; kept as a draft
        await settle(pilot)
        await pilot.press("k")
        await settle(pilot)
        assert app.screen is screen

        await pilot.press("i")
        await settle(pilot)
        fill(
            app.screen,
            inspection="new",
            reference="INS-2026-0042",
            remit="schools",
            start="2026-11-17",
            end="2026-11-19",
            lead_inspector="Pat Lead",
        )
        await save(pilot)
        assert screen.detail.inspection.reference == "INS-2026-0042"

        await pilot.press("p")  # the draft comes back: nothing to type again
        await settle(pilot)
        assert (
            app.screen.query_one("#pause-rationale", TextArea).text
            == "Head unwell; trust putting interim leadership in place."
        )
        await save(pilot)
        assert screen.detail.latest_decision.decision == "authorised"

        for party in ("lead_inspector", "school", "responsible_body"):
            await pilot.press("n")
            await settle(pilot)
            fill(app.screen, party=party, note="Told by phone")
            await save(pilot)
        assert screen.detail.latest_decision.informed == {"lead_inspector", "school", "responsible_body"}

        await pilot.press("o")
        await settle(pilot)
        await save(pilot)
        await pilot.press("a")
        await settle(pilot)
        fill(app.screen, text="Advised lead to pause until Friday; trust to confirm interim head.")
        await save(pilot)

        await pilot.press("x")
        await settle(pilot)
        fill(app.screen, outcome="Pause authorised for 2 working days; support in place.")
        await save(pilot)
        assert screen.detail.status == "closed"
    kinds = [entry.kind for entry in call_detail(engine, concern_id, "lpark").timeline if entry.kind != "viewed"]
    assert kinds == [
        "logged",
        "claimed",
        "contact",
        "inspection_linked",
        "decision",
        "notified",
        "notified",
        "notified",
        "signposted",
        "advice",
        "closed",
    ]


async def test_a_senior_on_the_inspection_team_cannot_open_the_call(make_app, engine, clock):
    """The information barrier: a member of the inspection's team sees the call in the queue
    as "restricted" (nothing of what it is about), and opening it is refused with the reason,
    recorded in the audit trail, and leaves them on the queue."""
    from textual.widgets import DataTable

    from helpdesk.store.db.models import Event
    from support import plain_row

    with engine.connect() as connection:
        urn, login = connection.execute(
            select(Inspection.urn, InspectionMember.login)
            .join(InspectionMember, InspectionMember.inspection_id == Inspection.id)
            .where(
                InspectionMember.part == "team",
                InspectionMember.login.in_(
                    ["akhan", "bmorgan", "cobi", "dlewis", "efarah", "gsingh", "hwalsh", "jbrooks", "kmensah"]
                ),
            )
        ).first()
    concern_id = pause_request(engine, clock, urn=urn)
    notices = []
    app = make_app(login=login)
    app.notify = lambda message, **kwargs: notices.append(message)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        queue = app.screen
        row = plain_row(queue.query_one("#queue", DataTable), str(concern_id))
        assert "restricted" in row and "Pause req." not in row
        await open_call(pilot, concern_id)
        await settle(pilot)
        assert app.screen is queue
        assert notices == [
            "Restricted: you are on the team of its inspection, so this call is kept from you (your attempt is recorded)"
        ]
    with engine.connect() as connection:
        kinds = (
            connection.execute(select(Event.kind).where(Event.concern_id == concern_id, Event.actor == login))
            .scalars()
            .all()
        )
    assert kinds == ["barred"]


@pytest.mark.parametrize(
    ("login", "key", "reason"),
    [
        ("gsingh", "n", "No pause decision is in force to tell anyone of"),
        ("gsingh", "l", "Cannot release: the call is waiting"),
        ("gsingh", "d", "No open follow-up on this call is yours to complete"),
        ("gsingh", "w", "Only a supervisor can countersign"),
        ("gsingh", "v", "Only a supervisor can review"),
        ("lpark", "w", "No exceptional pause on this call awaits countersignature"),
        ("lpark", "v", "Only a closed call is reviewed"),
        ("rdouglas", "a", "Only seniors and supervisors, who take calls, can add advice (your role: handler)"),
        ("rdouglas", "c", "Only a senior or a supervisor can take calls"),
    ],
)
async def test_a_key_that_is_not_for_this_person_now_says_why(make_app, engine, clock, login, key, reason):
    app = make_app(login=login)
    concern_id = pause_request(engine, clock)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        screen = await open_call(pilot, concern_id)
        await pilot.press(key)
        await settle(pilot)
        assert app.screen is screen
        assert reason in refusal_text(screen)


async def test_a_call_someone_else_just_claimed(make_app, engine, clock):
    concern_id = pause_request(engine, clock)
    app = make_app(login="gsingh")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        screen = await open_call(pilot, concern_id)
        commands.claim(engine, concern_id, "bmorgan", clock.now())  # another console, a moment earlier
        await pilot.press("c")
        await settle(pilot)
        assert refusal_text(screen) == "Already claimed by Bethan Morgan at 09:00"


async def test_advice_before_claiming_and_closing_without_advice_are_refused(make_app, engine, clock):
    concern_id = pause_request(engine, clock)
    app = make_app(login="gsingh")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        screen = await open_call(pilot, concern_id)
        await pilot.press("a")
        await settle(pilot)
        assert app.screen is screen and refusal_text(screen) == "Claim the call before you add advice"
        await pilot.press("c")
        await settle(pilot)
        await pilot.press("x")
        await settle(pilot)
        form = app.screen
        fill(form, outcome="Done")
        await save(pilot)
        assert app.screen is form  # refused: the form stays, with what was typed
        assert "Cannot close: no advice recorded yet" in str(form.query_one("#form-error", Static).content)
        assert form.query_one("#close-outcome", TextArea).text == "Done"


async def test_authorising_without_a_contact_is_refused_in_the_form(make_app, engine, clock):
    concern_id = pause_request(engine, clock)
    app = make_app(login="gsingh")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await open_call(pilot, concern_id)
        await pilot.press("c")
        await settle(pilot)
        await pilot.press("p")
        await settle(pilot)
        form = app.screen
        fill(
            form, requested_by="headteacher", grounds="wellbeing", decision="authorised", working_days="1", rationale=""
        )
        await save(pilot)
        assert app.screen is form
        assert "Log at least one attempt to contact the responsible body" in str(
            form.query_one("#form-error", Static).content
        )
        assert field_error(form, "rationale") == "A rationale is required, whether authorised or declined"


async def test_the_pause_form_shows_the_resume_date_live(make_app, engine, clock):
    concern_id = pause_request(engine, clock)
    commands.claim(engine, concern_id, "gsingh", clock.now())
    linked(engine, clock, concern_id)
    app = make_app(login="gsingh")
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(pilot)
        await open_call(pilot, concern_id)
        await pilot.press("p")
        await settle(pilot)
        form = app.screen
        hint = lambda: str(form.query_one("#hint-working_days", Static).content)  # noqa: E731
        assert hint().startswith("Resumes Thu 19 Nov 2026")
        form.query_one("#pause-days", Input).value = "6"
        await pilot.pause()
        assert "Resumes Thu 26 Nov 2026" in hint() and "EXCEPTIONAL" in hint()
        assert form.query_one("#field-justification").display


async def test_the_contact_number_is_validated_as_you_type(make_app, engine, clock):
    concern_id = pause_request(engine, clock)
    commands.claim(engine, concern_id, "gsingh", clock.now())
    app = make_app(login="gsingh")
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(pilot)
        await open_call(pilot, concern_id)
        await pilot.press("t")
        await settle(pilot)
        form = app.screen
        form.query_one("#contact-phone", Input).value = "0113 496"
        await pilot.pause()
        assert field_error(form, "phone") == "Phone number '0113 496' is not a valid UK number"
        form.query_one("#contact-phone", Input).value = "0113 496 0001"
        await pilot.pause()
        assert field_error(form, "phone") == ""
        assert str(form.query_one("#hint-phone", Static).content) == "✓ +441134960001"


async def test_intake_form_errors_sit_by_their_fields_and_keep_the_input(make_app, engine):
    app = make_app(login="rdouglas", seed=False)
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, IntakeForm)
        fill(form, urn="123456", caller_name="Jo Bloggs", phone="0113 496", summary="")
        await settle(pilot)
        assert field_error(form, "urn") == "No school with URN 123456"
        await save(pilot)
        assert app.screen is form
        assert field_error(form, "phone") == "Phone number '0113 496' is not a valid UK number"
        assert field_error(form, "summary") == "Summary is required"
        assert field_error(form, "caller_role") == "Caller role is required"
        assert form.query_one("#intake-caller-name", Input).value == "Jo Bloggs"


async def test_the_intake_form_logs_a_concern(make_app, engine):
    app = make_app(login="rdouglas", seed=False)
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        fill(
            app.screen,
            urn="930037",
            caller_name="Jo Bloggs",
            caller_role="headteacher",
            phone="0113 496 0001",
            category="wellbeing",
            summary="Head upset after feedback",
        )
        await settle(pilot)
        assert "✓" in str(app.screen.query_one("#hint-urn", Static).content)
        await save(pilot)
        assert not isinstance(app.screen, IntakeForm)
        await settle(pilot)
        from textual.widgets import DataTable

        assert app.screen.query_one(DataTable).row_count == 1


# --- snapshots -----------------------------------------------------------------------------


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
def test_call_unclaimed(snap_compare, engine, clock, policy, size):
    concern_id = pause_request(engine, clock)

    async def run_before(pilot):
        await settle(pilot)
        await open_call(pilot, concern_id)

    assert snap_compare(console(engine, clock, policy, "gsingh"), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
def test_call_claimed_with_contact_and_advice(snap_compare, engine, clock, policy, size):
    concern_id = pause_request(engine, clock)
    commands.claim(engine, concern_id, "gsingh", clock.now())
    commands.log_contact(
        engine,
        concern_id,
        "gsingh",
        clock.now(),
        party="responsible_body",
        contact_name="",
        phone="0116 496 0001",
        channel="phone",
        outcome="voicemail",
        note="Left a message",
    )
    commands.add_advice(
        engine, concern_id, "gsingh", "Advised the lead inspector to keep the head informed.", clock.now()
    )

    async def run_before(pilot):
        await settle(pilot)
        await open_call(pilot, concern_id)

    assert snap_compare(console(engine, clock, policy, "gsingh"), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
def test_pause_form_across_christmas(snap_compare, engine, policy, size):
    christmas_eve = FrozenClock("2026-12-24T10:00:00Z")
    concern_id = pause_request(engine, christmas_eve)
    commands.claim(engine, concern_id, "gsingh", christmas_eve.now())
    linked(engine, christmas_eve, concern_id)

    async def run_before(pilot):
        await settle(pilot)
        await open_call(pilot, concern_id)
        await pilot.press("p")
        await settle(pilot)
        fill(pilot.app.screen, working_days="2")
        no_blink(pilot)
        await pilot.pause()

    assert snap_compare(console(engine, christmas_eve, policy, "gsingh"), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
def test_intake_form_with_errors(snap_compare, engine, clock, policy, size):
    async def run_before(pilot):
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        fill(pilot.app.screen, urn="123456", caller_name="Jo Bloggs", phone="0113 496")
        await settle(pilot)
        await save(pilot)
        no_blink(pilot)
        await pilot.pause()

    assert snap_compare(console(engine, clock, policy, "rdouglas"), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
def test_refusal_on_the_call_screen(snap_compare, engine, clock, policy, size):
    concern_id = pause_request(engine, clock)
    commands.claim(engine, concern_id, "bmorgan", clock.now())

    async def run_before(pilot):
        await settle(pilot)
        await open_call(pilot, concern_id)
        await pilot.press("a")
        await settle(pilot)

    assert snap_compare(console(engine, clock, policy, "gsingh"), terminal_size=size, run_before=run_before)


async def test_g_opens_the_call_a_caller_quotes_from_anywhere_with_the_same_barrier(make_app, engine, clock):
    """A senior rung back with "it's call N" types g, the number (as the caller says it) and
    Enter, from the queue or from another call; what is not a number is said and nothing opens;
    a call the information barrier keeps from them is refused and the attempt recorded, as
    opening it from the queue is."""
    from helpdesk.store.db.models import Event
    from helpdesk.tui.forms.go_to_call import GoToCall
    from helpdesk.tui.screens.call import CallScreen

    first, second = pause_request(engine, clock), pause_request(engine, clock)
    with engine.connect() as connection:
        urn, member = connection.execute(
            select(Inspection.urn, InspectionMember.login)
            .join(InspectionMember, InspectionMember.inspection_id == Inspection.id)
            .where(InspectionMember.part == "team", InspectionMember.login == "akhan")
        ).first() or (None, None)
    assert member == "akhan", "the samples put Aisha Khan on an inspection team"
    kept_from_her = pause_request(engine, clock, urn=urn)
    notices = []
    app = make_app(login="akhan")
    app.notify = lambda message, **kwargs: notices.append(message)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await burst(pilot, "g", f"[call {second}]", "enter")
        await settle(pilot)
        assert isinstance(app.screen, CallScreen) and app.screen.concern_id == second
        await burst(pilot, "g", "[45 12]", "enter")  # from the call: not a number
        assert isinstance(app.screen, GoToCall)
        assert "'45 12' is not a call number" in str(app.screen.query_one("#go-error", Static).content)
        await burst(pilot, "ctrl+u", f"[#{first}]", "enter")
        await settle(pilot)
        assert isinstance(app.screen, CallScreen) and app.screen.concern_id == first
        await burst(pilot, "g", "escape")  # changed her mind
        await settle(pilot)
        assert isinstance(app.screen, CallScreen) and app.screen.concern_id == first
        await burst(pilot, "g", f"[{kept_from_her}]", "enter")
        await settle(pilot)
        assert isinstance(app.screen, CallScreen) and app.screen.concern_id == first  # not opened
        assert notices[-1].startswith("Restricted: you are on the team of its inspection")
    with engine.connect() as connection:
        kinds = connection.scalars(
            select(Event.kind).where(Event.concern_id == kept_from_her, Event.actor == "akhan")
        ).all()
    assert kinds == ["barred"]
