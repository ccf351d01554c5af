"""The record is complete and unambiguous before a call closes, tested across actions: who was
informed of which decision, which decision supersedes which, the inspection a pause needs, the
countersignature's reasons and who may review."""

import csv
import datetime as dt
import io

import pytest
from sqlalchemy import select, update

from helpdesk.domain.inspection import validate_inspection
from helpdesk.domain.refusals import FieldsInvalid, Refused
from helpdesk.store import commands
from helpdesk.store.admin import export
from helpdesk.store.db.models import Concern, Inspection, InspectionMember, Notification, PauseDecision
from helpdesk.store.queries import statistics
from helpdesk.store.queries.call import call_detail, school_inspections
from helpdesk.store.queries.queue import open_queue
from helpdesk.store.rows import queue_counts
from support import decision, log


def link(engine, clock, concern_id, login="gsingh", remit="schools", reference=None):
    entry = validate_inspection(
        reference=reference or f"INS-{concern_id}",
        remit=remit,
        start="2026-11-17",
        end="2026-11-19",
        lead_inspector="Pat Lead",
    )
    return commands.link_inspection(engine, concern_id, login, clock.now(), entry=entry)


def decidable(engine, clock, login="gsingh", remit="schools"):
    """A pause request claimed by `login`, an inspection of `remit` linked and the responsible
    body reached: a pause can be decided."""
    concern_id = log(engine, clock)
    commands.claim(engine, concern_id, login, clock.now())
    link(engine, clock, concern_id, login=login, remit=remit)
    commands.log_contact(
        engine, concern_id, login, clock.now(),
        party="responsible_body", contact_name="", phone="0113 496 0500", channel="phone", outcome="reached",
    )  # fmt: skip
    return concern_id


@pytest.fixture
def ready(engine, clock):
    """A claimed pause request, its inspection linked and the responsible body contacted."""
    concern_id = decidable(engine, clock)
    commands.add_advice(engine, concern_id, "gsingh", "Advised on the pause.", clock.now())
    commands.record_signposting(engine, concern_id, "gsingh", clock.now())
    return concern_id


def inform(engine, clock, concern_id, *parties, login="gsingh"):
    for party in parties:
        commands.record_notification(engine, concern_id, login, clock.now(), party=party, channel="phone")


def test_an_exceptional_countersigned_pause_still_cannot_close_until_everyone_is_told(engine, clock, policy, ready):
    commands.record_pause_decision(
        engine, ready, "gsingh", decision(working_days=8, justification="Head in hospital."), policy, clock.now()
    )
    commands.countersign(
        engine, ready, "mokafor", "The trust needs the week to put an interim head in place.", clock.now(), policy
    )
    inform(engine, clock, ready, "lead_inspector")
    with pytest.raises(FieldsInvalid) as refused:
        commands.close(engine, ready, "gsingh", "Paused", clock.now(), policy=policy)
    assert refused.value.errors == {
        "informed": "Cannot close: not yet recorded as informed of the authorised pause: school, responsible body"
    }
    inform(engine, clock, ready, "school", "responsible_body")
    commands.close(engine, ready, "gsingh", "Paused", clock.now(), policy=policy)


def test_telling_people_of_a_superseded_decision_does_not_count_for_the_new_one(engine, clock, policy, ready):
    first = commands.record_pause_decision(engine, ready, "gsingh", decision(decision="declined"), policy, clock.now())
    inform(engine, clock, ready, "lead_inspector", "caller")
    later = clock.now() + dt.timedelta(minutes=20)
    second = commands.record_pause_decision(
        engine, ready, "gsingh", decision(working_days=2, rationale="Head unwell, deputy away"), policy, later
    )
    with pytest.raises(FieldsInvalid) as refused:
        commands.close(engine, ready, "gsingh", "Paused after all", later, policy=policy)
    assert "lead inspector, school, responsible body" in refused.value.errors["informed"]
    inform(engine, clock, ready, "lead_inspector", "school", "responsible_body")
    commands.close(engine, ready, "gsingh", "Paused after all", later, policy=policy)

    with engine.connect() as connection:
        rows = dict(
            connection.execute(
                select(PauseDecision.id, PauseDecision.supersedes_id).where(PauseDecision.concern_id == ready)
            ).all()
        )
        reported = connection.execute(
            select(Notification.party, Notification.decision_id).where(Notification.concern_id == ready)
        ).all()
    assert rows == {first: None, second: first}
    assert sorted(reported) == sorted(
        [
            ("lead_inspector", first),
            ("caller", first),
            ("lead_inspector", second),
            ("school", second),
            ("responsible_body", second),
        ]
    )
    detail = call_detail(engine, ready, "lpark")
    assert detail.latest_decision.id == second
    [text] = [e.text for e in detail.timeline if e.kind == "decision" and "AUTHORISED" in e.text]
    # the rationale, typed without a full stop, does not run into the next sentence
    assert "Rationale: Head unwell, deputy away. Supersedes the decision of Wed 18 Nov 2026 09:00 (declined)." in text

    # figures and exports count the decision in force only, and say what it superseded
    figures = statistics.figures(engine, "lpark", dt.date(2026, 11, 1), dt.date(2026, 11, 30), policy, clock.now())
    assert (figures.authorised, figures.declined) == (1, 0)
    out = io.StringIO()
    export.export_calls(engine, "lpark", dt.date(2026, 11, 18), dt.date(2026, 11, 18), "csv", False, out)
    [record] = [r for r in csv.DictReader(io.StringIO(out.getvalue())) if r["id"] == str(ready)]
    assert (record["pause_decision"], record["pause_decisions"]) == ("authorised", "2")
    assert record["pause_supersedes"] == "2026-11-18T09:00:00+00:00"


def test_a_pause_cannot_be_authorised_with_no_inspection_on_record(engine, clock, policy):
    concern_id = log(engine, clock)  # 930037 has no inspection on record
    commands.claim(engine, concern_id, "gsingh", clock.now())
    commands.log_contact(
        engine,
        concern_id,
        "gsingh",
        clock.now(),
        party="responsible_body",
        contact_name="",
        phone="0113 496 0500",
        channel="phone",
        outcome="reached",
    )
    with pytest.raises(FieldsInvalid) as refused:
        commands.record_pause_decision(engine, concern_id, "gsingh", decision(), policy, clock.now())
    assert set(refused.value.errors) == {"inspection"}
    # declining needs no inspection
    commands.record_pause_decision(engine, concern_id, "gsingh", decision(decision="declined"), policy, clock.now())


def test_the_remit_of_the_linked_inspection_sets_the_longest_pause(engine, clock, policy):
    concern_id = decidable(engine, clock, remit="la_childrens_services")
    commands.record_pause_decision(engine, concern_id, "gsingh", decision(working_days=12), policy, clock.now())
    assert call_detail(engine, concern_id, "lpark").latest_decision.exceptional is False  # up to 15 for this remit


def test_linking_one_of_the_schools_inspections_and_refusing_a_second_link(engine, clock):
    with engine.connect() as connection:
        urn = connection.scalar(select(Inspection.urn).order_by(Inspection.id).limit(1))
    concern_id = log(engine, clock, urn=urn)
    with engine.connect() as connection:  # as if logged with no inspection found for today
        connection.execute(update(Concern).where(Concern.id == concern_id).values(inspection_id=None))
        connection.commit()
    choices = school_inspections(engine, urn)
    assert choices
    holders = ["akhan", "bmorgan", "cobi", "dlewis", "efarah", "gsingh", "hwalsh", "jbrooks", "kmensah"]
    with engine.connect() as connection:
        on_it = set(
            connection.scalars(select(InspectionMember.login).where(InspectionMember.inspection_id == choices[0].id))
        )
    senior = next(login for login in holders if login not in on_it)
    commands.claim(engine, concern_id, senior, clock.now())
    with pytest.raises(FieldsInvalid):
        commands.link_inspection(engine, concern_id, senior, clock.now(), inspection_id=999_999)
    commands.link_inspection(engine, concern_id, senior, clock.now(), inspection_id=choices[0].id)
    assert call_detail(engine, concern_id, "lpark").inspection is not None
    with pytest.raises(Refused, match="already linked"):
        link(engine, clock, concern_id, login=senior)


def test_the_holder_must_be_independent_of_the_inspection_linked(engine, clock):
    with engine.connect() as connection:
        inspection_id, urn, login = connection.execute(
            select(Inspection.id, Inspection.urn, InspectionMember.login)
            .join(InspectionMember, InspectionMember.inspection_id == Inspection.id)
            .where(
                InspectionMember.part == "team",
                InspectionMember.login.in_(
                    ["akhan", "bmorgan", "cobi", "dlewis", "efarah", "gsingh", "hwalsh", "jbrooks", "kmensah"]
                ),
            )
        ).first()
    concern_id = log(engine, clock, urn=urn)
    with engine.connect() as connection:
        connection.execute(update(Concern).where(Concern.id == concern_id).values(inspection_id=None))
        connection.commit()
    commands.claim(engine, concern_id, login, clock.now())  # nothing on record tied them to it yet
    with pytest.raises(Refused, match="you are on the inspection team"):
        commands.link_inspection(engine, concern_id, login, clock.now(), inspection_id=inspection_id)
    assert call_detail(engine, concern_id, "lpark").inspection is None


def test_informed_names_a_decision_that_exists(engine, clock, ready):
    with pytest.raises(Refused, match="record the decision first"):
        inform(engine, clock, ready, "lead_inspector")


def test_signposting_not_offered_needs_a_reason_and_counts_for_closing(engine, clock, policy):
    concern_id = log(engine, clock, category="wellbeing")
    commands.claim(engine, concern_id, "gsingh", clock.now())
    commands.add_advice(engine, concern_id, "gsingh", "Advice.", clock.now())
    with pytest.raises(FieldsInvalid) as refused:
        commands.close(engine, concern_id, "gsingh", "Done", clock.now(), policy=policy)
    assert set(refused.value.errors) == {"signposting"}
    with pytest.raises(FieldsInvalid, match="Why signposting was not offered is required"):
        commands.record_signposting(engine, concern_id, "gsingh", clock.now(), offered=False, reason=" ")
    commands.record_signposting(
        engine, concern_id, "gsingh", clock.now(), offered=False, reason="Caller is the lead inspector, not the leader."
    )
    assert "NOT offered: Caller is the lead inspector" in call_detail(engine, concern_id, "lpark").timeline[-1].text
    commands.close(engine, concern_id, "gsingh", "Done", clock.now(), policy=policy)


@pytest.mark.parametrize(
    ("reviewer", "reason"),
    [("lpark", "You decided its pause"), ("mokafor", "You countersigned its pause"), ("nreid", None)],
)
def test_a_supervisor_who_handled_or_countersigned_a_call_may_not_review_it(engine, clock, policy, reviewer, reason):
    concern_id = decidable(engine, clock, login="lpark")
    commands.record_pause_decision(
        engine, concern_id, "lpark", decision(working_days=8, justification="Head in hospital."), policy, clock.now()
    )
    commands.countersign(engine, concern_id, "mokafor", "Justified.", clock.now(), policy)
    commands.add_advice(engine, concern_id, "lpark", "Advice.", clock.now())
    inform(engine, clock, concern_id, "lead_inspector", "school", "responsible_body", login="lpark")
    commands.record_signposting(engine, concern_id, "lpark", clock.now())
    commands.close(engine, concern_id, "lpark", "Paused.", clock.now(), policy=policy)
    if reason is None:
        commands.review(engine, concern_id, reviewer, "meets_standard", "", clock.now(), policy)
        return
    with pytest.raises(Refused) as refused:
        commands.review(engine, concern_id, reviewer, "meets_standard", "", clock.now(), policy)
    assert (
        str(refused.value)
        == f"{reason}: a supervisor who did not handle, decide or countersign the call must review it"
    )


def test_a_supervisor_who_held_a_call_may_not_review_it(engine, clock, policy):
    concern_id = log(engine, clock, category="inspection_process")
    commands.claim(engine, concern_id, "lpark", clock.now())
    commands.add_advice(engine, concern_id, "lpark", "Advice.", clock.now())
    commands.close(engine, concern_id, "lpark", "Advice given.", clock.now(), policy=policy)
    with pytest.raises(Refused, match="^You handled this call: "):
        commands.review(engine, concern_id, "lpark", "meets_standard", "", clock.now(), policy)
    commands.review(engine, concern_id, "mokafor", "meets_standard", "", clock.now(), policy)


def test_the_queue_marks_calls_awaiting_countersignature(engine, clock, policy, ready):
    other = log(engine, clock)  # another open call, with no decision
    commands.claim(engine, other, "bmorgan", clock.now())
    commands.record_pause_decision(
        engine, ready, "gsingh", decision(working_days=8, justification="Head in hospital."), policy, clock.now()
    )
    rows = open_queue(engine)
    [row] = [r for r in rows if r.id == ready]
    assert row.awaiting_countersignature and queue_counts(rows).awaiting_countersignature == 1
    assert not next(r for r in rows if r.id == other).awaiting_countersignature
    commands.countersign(engine, ready, "mokafor", "Justified.", clock.now(), policy)
    [row] = [r for r in open_queue(engine) if r.id == ready]
    assert not row.awaiting_countersignature
    # a longer pause awaits again; while it does no other decision is recorded; a refusal ends the wait
    commands.record_pause_decision(
        engine, ready, "gsingh", decision(working_days=9, justification="Longer."), policy, clock.now()
    )
    assert queue_counts(open_queue(engine)).awaiting_countersignature == 1
    with pytest.raises(Refused, match="awaits a supervisor's countersignature"):
        commands.record_pause_decision(engine, ready, "gsingh", decision(working_days=2), policy, clock.now())
    commands.countersign(engine, ready, "mokafor", "Not justified.", clock.now(), policy, "refuse")
    assert queue_counts(open_queue(engine)).awaiting_countersignature == 0


def test_every_kind_of_event_on_a_call_has_its_sentence_in_the_timeline():
    from helpdesk.domain.types import EventKind
    from helpdesk.store.queries.timeline import TIMELINE

    not_about_one_call = {
        EventKind.IMPORTED,
        EventKind.EXPORTED,
        EventKind.PURGED,
        EventKind.FEEDBACK_READ,
        EventKind.FIRST_ADMIN_ADDED,
        EventKind.SEALED,
        EventKind.BACKED_UP,
        EventKind.RESTORE_ANNOUNCED,
        EventKind.RESTORED,
        EventKind.ON_CALL_ADDED,
        EventKind.ON_CALL_REMOVED,
        EventKind.LOOKED_UP,
        EventKind.POLICY_LOADED,
    }
    assert set(TIMELINE) == set(EventKind) - not_about_one_call


def test_the_purge_leaves_no_personal_text_in_any_table_of_the_call(engine, clock, policy):
    from sqlalchemy import select as select_rows

    from helpdesk.clock import FrozenClock
    from helpdesk.store.commands.purging import purge
    from helpdesk.store.db.models import PERSONAL_COLUMNS, Concern

    concern_id = log(engine, clock)
    commands.claim(engine, concern_id, "gsingh", clock.now())
    link(engine, clock, concern_id)
    commands.log_contact(
        engine,
        concern_id,
        "gsingh",
        clock.now(),
        party="responsible_body",
        contact_name="Secret Contact",
        phone="0113 496 0500",
        channel="phone",
        outcome="reached",
        note="Secret note",
    )
    commands.record_pause_decision(
        engine,
        concern_id,
        "gsingh",
        decision(working_days=8, rationale="Secret rationale", justification="Secret justification"),
        policy,
        clock.now(),
    )
    commands.countersign(engine, concern_id, "mokafor", "Secret countersign reason", clock.now(), policy)
    inform(engine, clock, concern_id, "lead_inspector", "school", "responsible_body")
    commands.record_signposting(
        engine, concern_id, "gsingh", clock.now(), offered=False, reason="Secret reason not offered"
    )
    commands.add_advice(engine, concern_id, "gsingh", "Secret advice", clock.now())
    from helpdesk.store.commands.follow_ups import complete_follow_up, set_follow_up

    callback = set_follow_up(
        engine, concern_id, "gsingh", clock.now(), policy, what="Secret follow-up", owner=None, due="15:00",
        kind="callback", phone="0118 496 0321",
    )  # fmt: skip
    complete_follow_up(engine, callback, "gsingh", clock.now(), outcome="reached", note="Secret callback note")
    commands.close(engine, concern_id, "gsingh", "Secret outcome", clock.now(), policy=policy)
    commands.review(engine, concern_id, "nreid", "needs_follow_up", "Secret feedback", clock.now(), policy)
    assert purge(engine, dt.date(2026, 12, 1), "wcole", policy, FrozenClock("2033-01-10T09:00:00Z").now()) == 1
    with engine.connect() as connection:
        for table in PERSONAL_COLUMNS:
            key = table.id if table is Concern else table.concern_id
            for row in connection.execute(select_rows(table.__table__).where(key == concern_id)):
                assert not any(
                    "Secret" in str(value) or "Grace Ellis" in str(value) or "+441184960321" in str(value)
                    for value in row
                ), (
                    table.__name__,
                    row,
                )
