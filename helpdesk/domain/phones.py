"""Phone numbers: parsed and validated as GB numbers, stored E.164, shown in national format."""

from __future__ import annotations

import phonenumbers
from phonenumbers import PhoneNumberFormat


class PhoneInvalid(ValueError):
    """The text is not a valid GB phone number; str() says why in plain words."""


def parse_gb_phone(text: str) -> str:
    """The E.164 form ('+441134960123') of a GB number typed in any usual way."""
    cleaned = text.strip()
    if not cleaned:
        raise PhoneInvalid("no phone number given")
    try:
        number = phonenumbers.parse(cleaned, "GB")
    except phonenumbers.NumberParseException:
        raise PhoneInvalid(f"{cleaned!r} is not a phone number") from None
    if phonenumbers.region_code_for_number(number) != "GB" and number.country_code != 44:
        raise PhoneInvalid(f"{cleaned!r} is not a UK number")
    if not phonenumbers.is_valid_number_for_region(number, "GB"):
        raise PhoneInvalid(f"{cleaned!r} is not a valid UK number")
    return phonenumbers.format_number(number, PhoneNumberFormat.E164)


def national(e164: str | None) -> str:
    """'0113 496 0123' for display; an empty string for no number."""
    if not e164:
        return ""
    try:
        return phonenumbers.format_number(phonenumbers.parse(e164, "GB"), PhoneNumberFormat.NATIONAL)
    except phonenumbers.NumberParseException:
        return e164
