"""An inspection a senior records on a call when none is on record for the school."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from helpdesk.domain import limits
from helpdesk.domain.intake import check_text, has_control_characters
from helpdesk.domain.phones import PhoneInvalid, parse_gb_phone
from helpdesk.domain.refusals import FieldsInvalid
from helpdesk.domain.types import Remit


@dataclass(frozen=True)
class InspectionEntry:
    reference: str
    remit: str
    start_date: dt.date
    end_date: dt.date
    lead_inspector: str  # as given: a name, or a staff login
    wellbeing: WellbeingContact | None = None


@dataclass(frozen=True)
class WellbeingContact:
    """The person responsible for leaders' well-being, whom inspectors ask for at the start of an
    inspection so that they can call on them for support."""

    name: str
    role: str
    phone: str | None  # E.164


def validate_wellbeing(name: str, role: str, phone: str) -> tuple[WellbeingContact | None, dict[str, str]]:
    """The well-being contact from its three fields (all empty: none), and the reasons by field
    (wellbeing_name, wellbeing_role, wellbeing_phone) any is refused."""
    name, role, phone = name.strip(), role.strip(), phone.strip()
    if not (name or role or phone):
        return None, {}
    errors: dict[str, str] = {}
    if reason := check_text(name, "The well-being contact's name", limits.PERSON_NAME):
        errors["wellbeing_name"] = reason
    if role and (reason := check_text(role, "Their role", limits.PERSON_NAME)):
        errors["wellbeing_role"] = reason
    e164 = None
    if phone:
        try:
            e164 = parse_gb_phone(phone)
        except PhoneInvalid as invalid:
            errors["wellbeing_phone"] = str(invalid)
    return (None if errors else WellbeingContact(name, role, e164)), errors


def parse_day(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        return None


def validate_inspection(
    *,
    reference: str,
    remit: str,
    start: str,
    end: str,
    lead_inspector: str,
    wellbeing_name: str = "",
    wellbeing_role: str = "",
    wellbeing_phone: str = "",
) -> InspectionEntry:
    """A checked inspection, or FieldsInvalid naming every wrong field."""
    wellbeing, errors = validate_wellbeing(wellbeing_name, wellbeing_role, wellbeing_phone)
    reference = reference.strip()
    if not reference:
        errors["reference"] = "The inspection's reference is required"
    elif has_control_characters(reference) or len(reference) > limits.INSPECTION_REFERENCE:
        errors["reference"] = f"Reference is not valid (one line, at most {limits.INSPECTION_REFERENCE} characters)"
    if remit not in Remit.values():
        errors["remit"] = "Choose the remit: it sets the longest pause allowed"
    start_date, end_date = parse_day(start), parse_day(end)
    if start_date is None:
        errors["start"] = "Give the first day as YYYY-MM-DD"
    if end_date is None:
        errors["end"] = "Give the last day as YYYY-MM-DD"
    elif start_date is not None and end_date < start_date:
        errors["end"] = "The last day is before the first"
    lead_inspector = lead_inspector.strip()
    if has_control_characters(lead_inspector) or len(lead_inspector) > limits.LOGIN:
        errors["lead_inspector"] = f"Lead inspector is not valid (one line, at most {limits.LOGIN} characters)"
    if errors:
        raise FieldsInvalid(errors)
    assert start_date is not None and end_date is not None
    return InspectionEntry(reference, remit, start_date, end_date, lead_inspector, wellbeing)


# how far from today a recorded inspection's dates may be, and how long it may run
RECORDED_WITHIN = dt.timedelta(days=366)
LONGEST_INSPECTION = dt.timedelta(days=42)


def recorded_dates_errors(start: dt.date, end: dt.date, today: dt.date) -> dict[str, str]:
    """Dates that make sense for an inspection recorded on a call today: not years away, and not
    running for months (a typing slip would otherwise let a pause through, or block one)."""
    errors: dict[str, str] = {}
    if abs(start - today) > RECORDED_WITHIN:
        errors["start"] = f"{start:%d %b %Y} is more than a year from today: check the first day"
    if abs(end - today) > RECORDED_WITHIN:
        errors["end"] = f"{end:%d %b %Y} is more than a year from today: check the last day"
    elif end - start > LONGEST_INSPECTION:
        errors["end"] = f"An inspection of {(end - start).days + 1} days: check the last day (at most six weeks)"
    return errors


def pause_date_refusal(start: dt.date, end: dt.date, pause_starts: dt.date) -> str | None:
    """Why a pause starting on `pause_starts` cannot be authorised on an inspection running from
    `start` to `end`, with the dates named; None while the inspection is on."""
    running = f"{start:%a %d %b %Y} to {end:%a %d %b %Y}"
    if pause_starts > end:
        return f"The inspection ran from {running} and has ended: a pause can only be authorised while it is on"
    if pause_starts < start:
        return f"The inspection runs from {running} and has not started: a pause can only be authorised while it is on"
    return None
