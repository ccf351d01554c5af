"""What a new concern must hold before it may enter the queue."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from helpdesk.domain import limits
from helpdesk.domain.phones import PhoneInvalid, parse_gb_phone
from helpdesk.domain.refusals import FieldsInvalid
from helpdesk.domain.types import CallerRole, Category

NAME_MAX = limits.PERSON_NAME
SUMMARY_MAX = limits.SUMMARY
URN_PATTERN = re.compile(r"\d{6}")
PHONE_EXTENSION_IN = "the summary"  # where the intake has room for a caller's extension


class ConcernInvalid(FieldsInvalid):
    """A new concern with wrong fields; `errors` maps each field to the reason."""


@dataclass(frozen=True)
class NewConcern:
    urn: str
    caller_name: str
    caller_role: CallerRole
    caller_phone: str  # E.164
    category: Category
    summary: str
    urgent: bool = False
    inspection_ref: str | None = None
    at_risk: bool = False  # immediate risk to someone's life or safety (domain.risk)


def has_control_characters(text: str, allow_newlines: bool = False) -> bool:
    """Control and format characters, and the line and paragraph separators (U+2028, U+2029),
    which would break a one-line field across lines; a multi-line field may hold newlines and tabs."""
    allowed = {"\n", "\t"} if allow_newlines else set()
    return any(unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") and ch not in allowed for ch in text)


def check_text(value: str, label: str, limit: int, multiline: bool = False) -> str | None:
    """The reason a free-text field is refused, or None."""
    if not value.strip():
        return f"{label} is required"
    if has_control_characters(value, allow_newlines=multiline):
        return f"{label} contains control characters" + ("" if multiline else " or line breaks (one line only)")
    if len(value) > limit:
        return f"{label} is too long ({len(value)} characters, at most {limit})"
    return None


def check_urn(urn: str) -> str | None:
    if not URN_PATTERN.fullmatch(urn.strip()):
        return "URN must be six digits"
    return None


def validate_concern(
    *,
    urn: str,
    caller_name: str,
    caller_role: str,
    phone: str,
    category: str,
    summary: str,
    urgent: bool = False,
    inspection_ref: str | None = None,
    at_risk: bool = False,
) -> NewConcern:
    """A checked NewConcern, or ConcernInvalid naming every wrong field."""
    errors: dict[str, str] = {}
    if reason := check_urn(urn):
        errors["urn"] = reason
    if reason := check_text(caller_name, "Caller name", NAME_MAX):
        errors["caller_name"] = reason
    if not caller_role:
        errors["caller_role"] = "Caller role is required"
    elif caller_role not in CallerRole.values():
        errors["caller_role"] = f"Caller role {caller_role!r} is unknown: use one of {', '.join(CallerRole.values())}"
    try:
        e164 = parse_gb_phone(phone, PHONE_EXTENSION_IN)
    except PhoneInvalid as error:
        errors["phone"] = str(error)
    if not category:
        errors["category"] = "Category is required"
    elif category not in Category.values():
        errors["category"] = f"Category {category!r} is unknown: use one of {', '.join(Category.values())}"
    if reason := check_text(summary, "Summary", SUMMARY_MAX, multiline=True):
        errors["summary"] = reason
    ref = (inspection_ref or "").strip() or None
    if ref is not None and (has_control_characters(ref) or len(ref) > limits.INSPECTION_REFERENCE):
        errors["inspection"] = "Inspection reference is not valid"
    if errors:
        raise ConcernInvalid(errors)
    return NewConcern(
        urn=urn.strip(),
        caller_name=caller_name.strip(),
        caller_role=CallerRole(caller_role),
        caller_phone=e164,
        category=Category(category),
        summary=summary.strip(),
        urgent=urgent or at_risk,  # a call at risk is urgent too (its targets, its figures)
        inspection_ref=ref,
        at_risk=at_risk,
    )
