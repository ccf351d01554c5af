"""Links: a call tied to its inspection (chosen or recorded now) or to another call."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Engine, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from helpdesk.clock import london
from helpdesk.domain.independence import independence_refusal
from helpdesk.domain.inspection import InspectionEntry, recorded_dates_errors
from helpdesk.domain.permissions import Permission
from helpdesk.domain.refusals import FieldsInvalid, Refused
from helpdesk.domain.types import EventKind, LinkKind
from helpdesk.store.acting import acting_staff, ties
from helpdesk.store.commands.on_a_call import handled_call
from helpdesk.store.db.audit import record_event
from helpdesk.store.db.models import CallLink, Concern, Inspection, InspectionMember, Staff
from helpdesk.store.db.transaction import new_id, writing


def link_inspection(
    engine: Engine,
    concern_id: int,
    login: str,
    now: dt.datetime,
    *,
    inspection_id: int | None = None,
    entry: InspectionEntry | None = None,
) -> int:
    """Link the call to one of its school's inspections, or to one the senior records now
    (reference, remit, dates). The holder must be independent of it. Returns the inspection's id."""
    with writing(engine) as session:
        concern, member = handled_call(session, concern_id, login, "link the inspection")
        if concern.inspection_id is not None:
            reference = session.scalar(
                select(col(Inspection.reference)).where(col(Inspection.id) == concern.inspection_id)
            )
            raise Refused(f"The call is already linked to inspection {reference}")
        if inspection_id is not None:
            inspection = session.get(Inspection, inspection_id)
            if inspection is None or inspection.urn != concern.urn:
                raise FieldsInvalid({"inspection": "Choose one of this school's inspections"})
        elif entry is not None:
            if errors := recorded_dates_errors(entry.start_date, entry.end_date, london(now).date()):
                raise FieldsInvalid(errors)
            if (
                session.scalar(select(col(Inspection.id)).where(col(Inspection.reference) == entry.reference))
                is not None
            ):
                raise FieldsInvalid(
                    {"reference": f"Inspection {entry.reference} is already on record: choose it from the list"}
                )
            inspection = Inspection(
                reference=entry.reference,
                urn=concern.urn,
                remit=entry.remit,
                start_date=entry.start_date,
                end_date=entry.end_date,
                lead_inspector=entry.lead_inspector,
                wellbeing_name=entry.wellbeing.name if entry.wellbeing else None,
                wellbeing_role=(entry.wellbeing.role or None) if entry.wellbeing else None,
                wellbeing_phone=entry.wellbeing.phone if entry.wellbeing else None,
                recorded_by=login,
            )
            session.add(inspection)
            session.flush()
            if lead := _staff_named(session, entry.lead_inspector):  # the lead is one of us: a tie
                session.add(InspectionMember(inspection_id=new_id(inspection), login=lead, part="lead"))
                session.flush()
        else:
            raise FieldsInvalid({"inspection": "Choose the inspection, or record its reference, remit and dates"})
        concern.inspection_id = inspection.id
        session.flush()
        today = london(now).date()
        holder = concern.claimed_by or login
        if holder != login and (refusal := independence_refusal(member.role, ties(session, login, concern, today))):
            raise Refused(f"Not linked: {lowered(refusal)}, so someone independent of it must record it")
        holder_role = member.role if holder == login else acting_staff(session, holder).role
        if refusal := independence_refusal(holder_role, ties(session, holder, concern, today)):
            raise Refused(f"Not linked: {lowered(refusal)}, so the call must go to someone independent of it")
        record_event(
            session,
            actor=login,
            kind=EventKind.INSPECTION_LINKED,
            at=now,
            concern_id=concern_id,
            inspection_id=inspection.id,
            recorded=entry is not None and inspection_id is None,
        )
        return new_id(inspection)


def link_calls(engine: Engine, concern_id: int, other_id: int, login: str, kind: str, now: dt.datetime) -> int:
    """A senior links two calls (the same inspection, the same matter): once, either way round."""
    errors: dict[str, str] = {}
    if kind not in LinkKind.values():
        errors["kind"] = "Choose why the calls belong together"
    if other_id == concern_id:
        errors["other"] = "A call cannot be linked to itself"
    if errors:
        raise FieldsInvalid(errors)
    first, second = sorted((concern_id, other_id))
    try:
        with writing(engine) as session:
            acting_staff(session, login, Permission.CLAIM)
            for call in (concern_id, other_id):
                if session.get(Concern, call) is None:
                    raise FieldsInvalid({"other": f"There is no call {call}"})
            if session.scalar(
                select(col(CallLink.id)).where(col(CallLink.first_id) == first, col(CallLink.second_id) == second)
            ):
                raise Refused(f"Calls {first} and {second} are already linked")
            row = CallLink(first_id=first, second_id=second, kind=kind, by=login, at=now)
            session.add(row)
            session.flush()
            record_event(
                session,
                actor=login,
                kind=EventKind.CALLS_LINKED,
                at=now,
                concern_id=concern_id,
                linked_id=other_id,
                link_kind=kind,
            )
            return new_id(row)
    except IntegrityError:  # linked by someone else a moment before (PostgreSQL)
        raise Refused(f"Calls {first} and {second} are already linked") from None


def _staff_named(session: Session, lead_inspector: str) -> str | None:
    """The member of staff a recorded inspection names as its lead (by login, or by name in any
    case), if it names one of us."""
    given = lead_inspector.strip()
    if not given:
        return None
    return session.scalar(
        select(col(Staff.login))
        .where(or_(col(Staff.login) == given, func.lower(col(Staff.name)) == given.lower()))
        .order_by(col(Staff.login))
        .limit(1)
    )


def lowered(sentence: str) -> str:
    return sentence[0].lower() + sentence[1:]
