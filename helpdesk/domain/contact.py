"""What a contact attempt or a notification must hold."""

from __future__ import annotations

from dataclasses import dataclass

from helpdesk.domain import limits
from helpdesk.domain.intake import check_text, has_control_characters
from helpdesk.domain.phones import PhoneInvalid, parse_gb_phone
from helpdesk.domain.refusals import FieldsInvalid
from helpdesk.domain.types import Channel, ContactOutcome, Party

PHONE_EXTENSION_IN = "the note"  # where a contact attempt has room for an extension

NOTE_MAX = limits.NOTE
ADVICE_MAX = limits.ADVICE
OUTCOME_MAX = limits.OUTCOME


@dataclass(frozen=True)
class ContactEntry:
    party: str
    contact_name: str
    phone: str | None  # E.164
    channel: str
    outcome: str
    note: str


def validate_contact(
    *, party: str, contact_name: str, phone: str, channel: str, outcome: str, note: str
) -> ContactEntry:
    errors: dict[str, str] = {}
    if party not in Party.values():
        errors["party"] = "Choose who you contacted"
    if channel not in Channel.values():
        errors["channel"] = "Choose how"
    if outcome not in ContactOutcome.values():
        errors["outcome"] = "Choose the outcome"
    e164 = None
    if channel == Channel.PHONE.value or phone.strip():
        try:
            e164 = parse_gb_phone(phone, PHONE_EXTENSION_IN)
        except PhoneInvalid as error:
            errors["phone"] = str(error)
    if has_control_characters(contact_name) or len(contact_name) > limits.PERSON_NAME:
        errors["contact_name"] = f"Name is not valid (control characters or over {limits.PERSON_NAME} characters)"
    if has_control_characters(note) or len(note) > NOTE_MAX:
        errors["note"] = f"Note is not valid (one line, no control characters, at most {NOTE_MAX} characters)"
    if errors:
        raise FieldsInvalid(errors)
    return ContactEntry(party, contact_name.strip(), e164, channel, outcome, note.strip())


# who may be recorded as informed of a pause decision
INFORMABLE = (Party.LEAD_INSPECTOR, Party.SCHOOL, Party.RESPONSIBLE_BODY, Party.CALLER)


def validate_notification(*, party: str, channel: str, note: str) -> None:
    errors: dict[str, str] = {}
    if party not in [p.value for p in INFORMABLE]:
        errors["party"] = "Choose who was informed: the lead inspector, the school, the responsible body or the caller"
    if channel not in Channel.values():
        errors["channel"] = "Choose how"
    if has_control_characters(note) or len(note) > NOTE_MAX:
        errors["note"] = f"Note is not valid (one line, no control characters, at most {NOTE_MAX} characters)"
    if errors:
        raise FieldsInvalid(errors)


def validate_free_text(value: str, field: str, label: str, limit: int, multiline: bool = True) -> str:
    if reason := check_text(value, label, limit, multiline=multiline):
        raise FieldsInvalid({field: reason})
    return value.strip()
