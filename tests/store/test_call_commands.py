"""Every command on a call: its rule, its change, exactly one audit event."""

import datetime as dt
import multiprocessing

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DatabaseError

from helpdesk.domain.independence import Ties
from helpdesk.domain.intake import validate_concern
from helpdesk.domain.refusals import FieldsInvalid, Refused
from helpdesk.store import acting, commands
from helpdesk.store.commands.taking import ClaimRefused
from helpdesk.store.db.engine import make_engine
from helpdesk.store.db.models import Conflict, Event, Inspection, InspectionMember, ResponsibleBody, School
from helpdesk.store.queries.call import call_detail
from support import decision, link_new_inspection, log


def events(engine, concern_id):
    with engine.connect() as connection:
        return connection.execute(
            select(Event.kind, Event.actor).where(Event.concern_id == concern_id).order_by(Event.id)
        ).all()


def new_events(engine, concern_id, before):
    return events(engine, concern_id)[len(before) :]


def inspection_with_member(engine, part):
    with engine.connect() as connection:
        return connection.execute(
            select(Inspection.urn, InspectionMember.login)
            .join(InspectionMember, InspectionMember.inspection_id == Inspection.id)
            .where(
                InspectionMember.part == part,
                InspectionMember.login.in_(
                    ["akhan", "bmorgan", "cobi", "dlewis", "efarah", "gsingh", "hwalsh", "jbrooks", "kmensah"]
                ),
            )
        ).first()


@pytest.mark.parametrize(
    ("part", "reason"), [("lead", "You are the lead inspector"), ("team", "You are on the inspection team")]
)
def test_a_senior_on_the_inspection_cannot_claim(engine, clock, part, reason):
    urn, login = inspection_with_member(engine, part)
    concern_id = log(engine, clock, urn=urn)
    with pytest.raises(ClaimRefused, match=reason):
        commands.claim(engine, concern_id, login, clock.now())
    assert [kind for kind, _ in events(engine, concern_id)] == ["logged"]


def test_declared_conflicts_with_school_and_body_are_refused(engine, clock):
    with engine.connect() as connection:
        school_conflict = connection.execute(
            select(Conflict.login, Conflict.urn).where(Conflict.urn.is_not(None))
        ).first()
        body_conflict = connection.execute(
            select(Conflict.login, School.urn, ResponsibleBody.name)
            .join(ResponsibleBody, ResponsibleBody.id == Conflict.responsible_body_id)
            .join(School, School.responsible_body_id == ResponsibleBody.id)
        ).first()
    concern_id = log(engine, clock, urn=school_conflict.urn)
    with pytest.raises(ClaimRefused, match="conflict of interest with this school"):
        commands.claim(engine, concern_id, school_conflict.login, clock.now())
    concern_id = log(engine, clock, urn=body_conflict.urn)
    with pytest.raises(ClaimRefused, match=f"conflict of interest with {body_conflict.name}"):
        commands.claim(engine, concern_id, body_conflict.login, clock.now())


def test_the_claims_one_read_finds_the_same_ties_as_every_other_command(engine, clock):
    """A claim reads its independence check in one statement; reassigning and the rest read it
    step by step (`ties`). For every member of staff with a tie of any kind and every call on a
    school or inspection they are tied to (and one they are not), both find the same ties."""
    from sqlmodel import Session

    from helpdesk.store.db.models import Concern, Staff

    with engine.connect() as connection:
        member_ties = connection.execute(
            select(InspectionMember.login, Inspection.urn, Inspection.reference).join(
                Inspection, Inspection.id == InspectionMember.inspection_id
            )
        ).all()
        conflict_ties = connection.execute(
            select(Conflict.login, func.coalesce(Conflict.urn, School.urn)).outerjoin(
                School, School.responsible_body_id == Conflict.responsible_body_id
            )
        ).all()
        logins = connection.execute(select(Staff.login)).scalars().all()
    calls = [log(engine, clock, urn=urn) for urn in sorted({urn for _, urn in conflict_ties if urn})]
    for _, urn, reference in member_ties[:20]:
        concern = validate_concern(
            urn=urn, caller_name="Grace Ellis", caller_role="lead_inspector", phone="020 7946 0123",
            category="pause_request", summary="Asks to pause.", urgent=False, inspection_ref=reference,
        )  # fmt: skip
        calls.append(commands.log_concern(engine, concern, "rdouglas", clock.now()))
    calls.append(log(engine, clock))
    compared = tied = 0
    today = clock.now().date()
    with Session(engine) as session:
        for concern_id in calls:
            concern = session.get(Concern, concern_id)
            for login in logins:
                step_by_step = acting.ties(session, login, concern, today)
                try:
                    _, in_one = commands.claim_check(engine, concern_id, login, today)
                except Refused:
                    continue  # an inactive account: refused before any tie is read
                assert in_one == step_by_step, (login, concern_id)
                compared += 1
                tied += step_by_step != Ties()
    assert compared > 100 and tied > 5, (compared, tied)


def test_handlers_cannot_claim(engine, clock):
    concern_id = log(engine, clock)
    with pytest.raises(ClaimRefused, match="only seniors and supervisors"):
        commands.claim(engine, concern_id, "rdouglas", clock.now())


def test_release_puts_the_call_back_with_its_reason(engine, clock, held):
    before = events(engine, held)
    with pytest.raises(Refused, match="Only Gurpreet Singh or a supervisor"):
        commands.release(engine, held, "bmorgan", "Going home", clock.now())
    with pytest.raises(FieldsInvalid, match="Reason is required"):
        commands.release(engine, held, "gsingh", " ", clock.now())
    commands.release(engine, held, "gsingh", "Called into a meeting", clock.now())
    assert new_events(engine, held, before) == [("released", "gsingh")]
    detail = call_detail(engine, held, "lpark")
    assert detail.status == "waiting" and detail.claimed_by is None
    assert "Called into a meeting" in detail.timeline[-1].text
    commands.claim(engine, held, "bmorgan", clock.now())  # back in the queue for anyone


def test_reassign_by_a_supervisor_to_an_independent_senior(engine, clock, held):
    with pytest.raises(Refused, match="Only a supervisor can reassign"):
        commands.reassign(engine, held, "gsingh", "bmorgan", "Shift change", clock.now())
    before = events(engine, held)
    commands.reassign(engine, held, "lpark", "bmorgan", "Shift change", clock.now())
    assert new_events(engine, held, before) == [("reassigned", "lpark")]
    assert call_detail(engine, held, "lpark").claimed_by == "bmorgan"


def test_reassign_refuses_someone_on_the_inspection(engine, clock):
    urn, login = inspection_with_member(engine, "team")
    concern_id = log(engine, clock, urn=urn)
    commands.claim(engine, concern_id, "lpark", clock.now())
    with pytest.raises(FieldsInvalid, match="is on the inspection team") as refused:
        commands.reassign(engine, concern_id, "mokafor", login, "Shift change", clock.now())
    assert list(refused.value.errors) == ["new_holder"]


def test_advice_is_appended_and_a_correction_points_at_the_earlier_note(engine, clock, held):
    with pytest.raises(Refused, match="Only Gurpreet Singh"):
        commands.add_advice(engine, held, "bmorgan", "Not mine", clock.now())
    before = events(engine, held)
    first = commands.add_advice(engine, held, "gsingh", "Advised the lead to pause until tomorrow.", clock.now())
    second = commands.add_advice(engine, held, "gsingh", "Correction: until Monday.", clock.now(), corrects=first)
    assert new_events(engine, held, before) == [("advice", "gsingh"), ("advice", "gsingh")]
    timeline = [entry.text for entry in call_detail(engine, held, "lpark").timeline]
    assert f"Advice #{second} (corrects #{first}): Correction: until Monday." in timeline
    with pytest.raises(FieldsInvalid, match="no advice note 9999"):
        commands.add_advice(engine, held, "gsingh", "x", clock.now(), corrects=9999)


def test_advice_rows_cannot_be_edited_through_the_audit_trail(engine, clock, held):
    commands.add_advice(engine, held, "gsingh", "Note", clock.now())
    with pytest.raises(DatabaseError, match="append-only"):
        with engine.begin() as connection:
            connection.execute(text("DELETE FROM event WHERE kind = 'advice'"))


def test_a_contact_attempt_needs_a_valid_number_for_a_phone_call(engine, clock, held):
    with pytest.raises(FieldsInvalid) as refused:
        commands.log_contact(
            engine,
            held,
            "gsingh",
            clock.now(),
            party="responsible_body",
            contact_name="CEO",
            phone="0113 496",
            channel="phone",
            outcome="reached",
        )
    assert "not a valid UK number" in refused.value.errors["phone"]
    before = events(engine, held)
    commands.log_contact(
        engine,
        held,
        "gsingh",
        clock.now(),
        party="responsible_body",
        contact_name="Ruth CEO",
        phone="0113 496 0500",
        channel="phone",
        outcome="voicemail",
        note="Left message",
    )
    assert new_events(engine, held, before) == [("contact", "gsingh")]
    detail = call_detail(engine, held, "lpark")
    assert detail.body_contacts == 1
    assert "0113 496 0500: voicemail — Left message" in detail.timeline[-1].text


def test_authorising_needs_an_inspection_and_a_responsible_body_contact_first(engine, clock, policy, held):
    with pytest.raises(FieldsInvalid) as refused:
        commands.record_pause_decision(engine, held, "gsingh", decision(), policy, clock.now())
    assert {"contact", "inspection"} <= set(refused.value.errors)
    link_new_inspection(engine, clock, held)
    with pytest.raises(FieldsInvalid) as refused:
        commands.record_pause_decision(engine, held, "gsingh", decision(), policy, clock.now())
    assert "contact" in refused.value.errors and "inspection" not in refused.value.errors
    commands.log_contact(
        engine,
        held,
        "gsingh",
        clock.now(),
        party="responsible_body",
        contact_name="",
        phone="0113 496 0500",
        channel="phone",
        outcome="reached",
    )
    before = events(engine, held)
    commands.record_pause_decision(engine, held, "gsingh", decision(), policy, clock.now())
    assert new_events(engine, held, before) == [("decision", "gsingh")]
    assert call_detail(engine, held, "lpark").latest_decision.resumes_on == dt.date(2026, 11, 19)


def test_declining_needs_only_a_rationale(engine, clock, policy, held):
    with pytest.raises(FieldsInvalid, match="rationale is required"):
        commands.record_pause_decision(
            engine, held, "gsingh", decision(decision="declined", rationale=""), policy, clock.now()
        )
    commands.record_pause_decision(
        engine, held, "gsingh", decision(decision="declined", working_days=None), policy, clock.now()
    )
    assert call_detail(engine, held, "lpark").latest_decision.decision == "declined"


def test_an_exceptional_pause_needs_justification_and_another_supervisors_countersignature(engine, clock, policy):
    concern_id = log(engine, clock)
    commands.claim(engine, concern_id, "lpark", clock.now())
    link_new_inspection(engine, clock, concern_id, login="lpark")
    commands.log_contact(
        engine,
        concern_id,
        "lpark",
        clock.now(),
        party="responsible_body",
        contact_name="",
        phone="0113 496 0500",
        channel="phone",
        outcome="reached",
    )
    with pytest.raises(FieldsInvalid, match="exceptional"):
        commands.record_pause_decision(engine, concern_id, "lpark", decision(working_days=8), policy, clock.now())
    commands.record_pause_decision(
        engine, concern_id, "lpark", decision(working_days=8, justification="Head hospitalised."), policy, clock.now()
    )
    commands.add_advice(engine, concern_id, "lpark", "Advice given", clock.now())
    with pytest.raises(FieldsInvalid, match="awaits a supervisor's countersignature"):
        commands.close(engine, concern_id, "lpark", "Paused", clock.now(), policy=policy)
    with pytest.raises(Refused, match="a second supervisor must countersign"):
        commands.countersign(engine, concern_id, "lpark", "Head in hospital.", clock.now(), policy)
    with pytest.raises(Refused, match="Only a supervisor can countersign"):
        commands.countersign(engine, concern_id, "akhan", "Head in hospital.", clock.now(), policy)
    with pytest.raises(FieldsInvalid, match="Write your reasons for countersigning"):
        commands.countersign(engine, concern_id, "mokafor", "  ", clock.now(), policy)
    before = events(engine, concern_id)
    commands.countersign(
        engine, concern_id, "mokafor", "Head in hospital; the trust needs the week.", clock.now(), policy
    )
    assert new_events(engine, concern_id, before) == [("countersigned", "mokafor")]
    assert "Head in hospital; the trust needs the week." in call_detail(engine, concern_id, "lpark").timeline[-1].text
    with pytest.raises(Refused, match="Already countersigned by Mark Okafor"):
        commands.countersign(engine, concern_id, "nreid", "Also agree.", clock.now(), policy)
    # countersigned, but nobody is yet recorded as told and no signposting: still not closed
    with pytest.raises(FieldsInvalid) as refused:
        commands.close(engine, concern_id, "lpark", "Paused for 8 days", clock.now(), policy=policy)
    assert set(refused.value.errors) == {"informed", "signposting"}
    for party in ("lead_inspector", "school", "responsible_body"):
        commands.record_notification(engine, concern_id, "lpark", clock.now(), party=party, channel="phone")
    commands.record_signposting(engine, concern_id, "lpark", clock.now())
    commands.close(engine, concern_id, "lpark", "Paused for 8 days", clock.now(), policy=policy)


def test_notification_names_its_decision_and_signposting_is_recorded_once(engine, clock, policy, held):
    with pytest.raises(Refused, match="no pause decision to inform anyone of"):
        commands.record_notification(engine, held, "gsingh", clock.now(), party="lead_inspector", channel="phone")
    decision_id = commands.record_pause_decision(
        engine, held, "gsingh", decision(decision="declined"), policy, clock.now()
    )
    before = events(engine, held)
    commands.record_notification(
        engine, held, "gsingh", clock.now(), party="lead_inspector", channel="phone", note="Told lead"
    )
    commands.record_notification(engine, held, "gsingh", clock.now(), party="caller", channel="phone")
    commands.record_signposting(engine, held, "gsingh", clock.now())
    with pytest.raises(Refused, match="already recorded"):
        commands.record_signposting(engine, held, "gsingh", clock.now())
    with pytest.raises(FieldsInvalid, match="Choose who was informed"):
        commands.record_notification(engine, held, "gsingh", clock.now(), party="other", channel="phone")
    assert new_events(engine, held, before) == [
        ("notified", "gsingh"),
        ("notified", "gsingh"),
        ("signposted", "gsingh"),
    ]
    detail = call_detail(engine, held, "lpark")
    assert detail.latest_decision.id == decision_id and detail.latest_decision.informed == {"lead_inspector", "caller"}
    assert "Lead inspector informed of the decision of Wed 18 Nov 2026 09:00 (declined)" in detail.timeline[-3].text


def test_close_needs_outcome_advice_and_a_decision_for_a_pause_request(engine, clock, policy, held):
    with pytest.raises(FieldsInvalid) as refused:
        commands.close(engine, held, "gsingh", "", clock.now(), policy=policy)
    assert refused.value.errors == {
        "outcome": "Cannot close: an outcome summary is required",
        "advice": "Cannot close: no advice recorded yet",
        "decision": "Cannot close: a pause was requested and no decision is recorded",
        "signposting": "Cannot close: record that signposting was offered, or why it was not",
    }
    commands.add_advice(engine, held, "gsingh", "Advice", clock.now())
    commands.record_pause_decision(engine, held, "gsingh", decision(decision="declined"), policy, clock.now())
    commands.record_signposting(
        engine, held, "gsingh", clock.now(), offered=False, reason="Caller is the lead inspector."
    )
    with pytest.raises(FieldsInvalid) as refused:
        commands.close(engine, held, "gsingh", "Declined; support offered.", clock.now(), policy=policy)
    assert refused.value.errors == {
        "informed": "Cannot close: not yet recorded as informed of the declined pause: lead inspector, caller",
    }
    commands.record_notification(engine, held, "gsingh", clock.now(), party="lead_inspector", channel="phone")
    commands.record_notification(engine, held, "gsingh", clock.now(), party="caller", channel="phone")
    before = events(engine, held)
    commands.close(engine, held, "gsingh", "Declined; support offered.", clock.now(), policy=policy)
    assert new_events(engine, held, before) == [("closed", "gsingh")]
    with pytest.raises(Refused, match="Cannot add advice: the call is closed"):
        commands.add_advice(engine, held, "gsingh", "Late", clock.now())
    with pytest.raises(ClaimRefused, match="already closed"):
        commands.claim(engine, held, "bmorgan", clock.now())


def test_viewing_a_call_is_recorded(engine, clock, held):
    commands.record_view(engine, held, "lpark", clock.now())
    assert events(engine, held)[-1] == ("viewed", "lpark")


def test_the_timeline_holds_the_inspection_and_body_cards(engine, clock):
    with engine.connect() as connection:
        urn = connection.scalar(
            select(Inspection.urn).where(
                Inspection.start_date <= clock.now().date(), Inspection.end_date >= clock.now().date()
            )
        )
    concern_id = log(engine, clock, urn=urn)
    detail = call_detail(engine, concern_id, "lpark")
    assert detail.inspection is not None and detail.inspection.lead
    assert detail.body is not None and detail.body.name
    assert detail.timeline[0].kind == "logged" and "Grace Ellis" in detail.timeline[0].text


def race_claim(url, concern_id, login, start, results):
    engine = make_engine(url)
    start.wait()
    try:
        commands.claim(engine, concern_id, login, dt.datetime.now(dt.UTC))
        results.put((login, "won"))
    except ClaimRefused as refused:
        results.put((login, str(refused)))


@pytest.mark.slow  # separate processes
def test_two_processes_claiming_at_once_have_exactly_one_winner(engine, clock, database_url):
    ids = [log(engine, clock) for _ in range(10)]
    context = multiprocessing.get_context("spawn")
    for concern_id in ids:
        start, results = context.Event(), context.Queue()
        racers = [
            context.Process(target=race_claim, args=(database_url, concern_id, login, start, results))
            for login in ("akhan", "bmorgan")
        ]
        for racer in racers:
            racer.start()
        start.set()
        outcomes = dict(results.get(timeout=60) for _ in racers)
        for racer in racers:
            racer.join(timeout=60)
        winners = [login for login, outcome in outcomes.items() if outcome == "won"]
        assert len(winners) == 1, outcomes
        loser = next(login for login in outcomes if login not in winners)
        assert outcomes[loser].startswith("Already claimed by ")
    with engine.connect() as connection:
        claims = connection.scalar(select(func.count()).where(Event.kind == "claimed", Event.concern_id.in_(ids)))
    assert claims == len(ids)
