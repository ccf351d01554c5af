"""The call export reads each call's whole record in one statement. Here it is checked against
a reference that reads every table on its own and puts each record together in Python (how the
export was built before), on random calls with several decisions, notes, contacts and reviews,
in CSV and JSON, in full and redacted, over several periods."""

from __future__ import annotations

import datetime as dt
import io
import random

import pytest
from sqlmodel import Session, select

from helpdesk.clock import as_utc
from helpdesk.domain.refusals import Refused
from helpdesk.store import commands
from helpdesk.store.admin import export
from helpdesk.store.db.models import Advice, Concern, ContactAttempt, Inspection, PauseDecision, Review, School, Staff
from helpdesk.store.queries.review import london_midnight
from support import POLICY, random_calls


def _iso(value):
    if value is None:
        return None
    return as_utc(value).isoformat() if isinstance(value, dt.datetime) else value.isoformat()


def reference_records(engine, start: dt.date, end: dt.date) -> list[tuple]:
    """Each call received in the period, its record put together from every table read whole."""
    low, high = london_midnight(start), london_midnight(end + dt.timedelta(days=1))
    with Session(engine) as session:
        calls = [c for c in session.exec(select(Concern)).all() if low <= as_utc(c.received_at) < high]
        calls.sort(key=lambda c: (as_utc(c.received_at), c.id))
        schools = {s.urn: s for s in session.exec(select(School)).all()}
        inspections = {i.id: i for i in session.exec(select(Inspection)).all()}
        staff = {s.login: s for s in session.exec(select(Staff)).all()}
        decisions = sorted(session.exec(select(PauseDecision)).all(), key=lambda d: d.id)
        advice = sorted(session.exec(select(Advice)).all(), key=lambda a: a.id)
        contacts = session.exec(select(ContactAttempt)).all()
        reviews = sorted(session.exec(select(Review)).all(), key=lambda r: r.id)
        by_id = {d.id: d for d in decisions}
        records = []
        for call in calls:
            # in force: the call's latest decision neither refused nor awaiting countersignature
            mine = [
                d
                for d in decisions
                if d.concern_id == call.id and d.refused_by is None and (not d.exceptional or d.countersigned_by)
            ]
            decision = mine[-1] if mine else None
            superseded = by_id.get(decision.supersedes_id) if decision and decision.supersedes_id else None
            notes = [a.text for a in advice if a.concern_id == call.id]
            outcomes = [r.outcome for r in reviews if r.concern_id == call.id]
            inspection = inspections.get(call.inspection_id)
            holder = staff.get(call.claimed_by or "")
            records.append(
                (
                    call.id,
                    _iso(call.received_at),
                    call.status,
                    call.urgent,
                    call.category,
                    call.caller_role,
                    call.urn,
                    schools[call.urn].name,
                    schools[call.urn].local_authority,
                    inspection.reference if inspection else None,
                    inspection.remit if inspection else None,
                    _iso(call.claimed_at),
                    _iso(call.closed_at),
                    call.claimed_by,
                    holder.region if holder else None,
                    decision.decision if decision else None,
                    _iso(decision.decided_at) if decision else None,
                    _iso(superseded.decided_at) if superseded else None,
                    len(mine),
                    decision.working_days if decision else None,
                    _iso(decision.resumes_on) if decision else None,
                    decision.exceptional if decision else None,
                    bool(decision.countersigned_by) if decision else None,
                    sum(1 for c in contacts if c.concern_id == call.id),
                    len(notes),
                    outcomes[-1] if outcomes else None,
                    call.caller_name,
                    call.caller_phone,
                    call.summary,
                    "\n---\n".join(notes),
                    call.outcome,
                )
            )
    return records


def more_of_the_record(engine, clock, seed: int) -> None:
    """On top of the random calls: several advice notes (one a correction), several contact
    attempts, and reviews of closed calls (a later review stands)."""
    rng = random.Random(seed)
    with Session(engine) as session:
        calls = [(c.id, c.claimed_by, c.status, c.claimed_at) for c in session.exec(select(Concern)).all()]
    for concern_id, holder, status, claimed_at in calls:
        if holder and status == "claimed":
            when = as_utc(claimed_at) + dt.timedelta(minutes=1, microseconds=rng.randrange(2) * 250_000)
            first = None
            for n in range(rng.choice([0, 1, 3])):
                first = commands.add_advice(engine, concern_id, holder, f"Note {n} on {concern_id}", when)
                when += dt.timedelta(minutes=2)
            if first is not None and rng.random() < 0.5:
                commands.add_advice(engine, concern_id, holder, "A correction", when, corrects=first)
            for _ in range(rng.choice([0, 2])):
                commands.log_contact(
                    engine,
                    concern_id,
                    holder,
                    when,
                    party="responsible_body",
                    contact_name="Trust contact",
                    phone="0116 496 0001",
                    channel="phone",
                    outcome="reached",
                    note="Spoke",
                )
        if status == "closed":
            for outcome in rng.choice([["meets_standard"], ["needs_follow_up", "learning_review"]]):
                try:
                    commands.review(engine, concern_id, "nreid", outcome, "Feedback.", clock.now(), POLICY)
                except Refused:
                    break


def rendered(records, fmt: str, redact: bool) -> str:
    out = io.StringIO()
    export.write_records(iter(records), export.CALL_FIELDS, out, fmt, redact, export.PERSONAL_CALL_FIELDS)
    return out.getvalue()


@pytest.mark.parametrize("seed", [1, 2])
def test_the_export_matches_each_call_put_together_from_every_table(engine, clock, seed):
    random_calls(engine, clock, seed)
    more_of_the_record(engine, clock, seed)
    today = clock.now().date()
    kept = [i for i, field in enumerate(export.CALL_FIELDS) if field not in export.PERSONAL_CALL_FIELDS]
    for start, end in (
        (today - dt.timedelta(days=28), today),
        (today - dt.timedelta(days=13), today - dt.timedelta(days=7)),
        (today + dt.timedelta(days=1), today + dt.timedelta(days=8)),
    ):
        reference = reference_records(engine, start, end)
        for fmt in ("csv", "json"):
            out = io.StringIO()
            count = export.export_calls(engine, "lpark", start, end, fmt, False, out)
            assert (count, out.getvalue()) == (len(reference), rendered(reference, fmt, False)), (start, end, fmt)
            out = io.StringIO()
            export.export_calls(engine, "lpark", start, end, fmt, True, out)
            redacted = [[record[i] for i in kept] for record in reference]
            assert out.getvalue() == rendered(redacted, fmt, True), (start, end, fmt)
    whole = reference_records(engine, today - dt.timedelta(days=28), today)
    fields = {field: i for i, field in enumerate(export.CALL_FIELDS)}
    # not a vacuous match: the record holds what the reference must get right
    assert any(r[fields["pause_supersedes"]] for r in whole) and any(r[fields["pause_resumes_on"]] for r in whole)
    assert any(r[fields["advice_notes"]] > 2 for r in whole) and any(r[fields["contact_attempts"]] > 1 for r in whole)
    assert {r[fields["review_outcome"]] for r in whole} >= {"meets_standard", "learning_review"}
    assert any(r[fields["pause_countersigned"]] is False for r in whole) and any(r[fields["region"]] for r in whole)
    assert any(r[fields["claimed_at"]] is None for r in whole) and any(r[fields["inspection"]] for r in whole)
    assert {"." in r[fields["received_at"]] for r in whole} == {True, False}  # times with and without a fraction


def test_progress_counts_up_batch_by_batch_to_the_calls_exported(engine, clock, monkeypatch):
    random_calls(engine, clock, 3)
    monkeypatch.setattr(export, "BATCH", 20)
    today = clock.now().date()
    seen: list[tuple[int, int]] = []
    count = export.export_calls(
        engine, "lpark", today - dt.timedelta(days=28), today, "csv", False, io.StringIO(), lambda *p: seen.append(p)
    )
    assert count > 40
    assert [done for done, _ in seen] == [*range(20, count, 20), count] and {total for _, total in seen} == {count}
