"""Phone numbers: parsed and validated as GB numbers, stored E.164, shown in national format."""

from __future__ import annotations

import re

import phonenumbers
from phonenumbers import PhoneNumberFormat

# What a number may be written with: digits, spaces, brackets, dashes and dots, and a leading +
# (so "+44 (0)113 496 0123" and "0113-496-0123" are read). Letters (a vanity number, "ext 12"),
# "#", "," or ";" would make phonenumbers read a different number or drop an extension: refused.
WRITTEN_NUMBER = re.compile(r"\+?[\d\s().\-]+")
EXTENSION = re.compile(r"(?i)(ext|extn|extension|x|#|,|;)\s*\.?\s*\d+\s*$")


class PhoneInvalid(ValueError):
    """The text is not a valid GB phone number; str() says why in plain words."""


def parse_gb_phone(text: str, extension_in: str = "") -> str:
    """The E.164 form ('+441134960123') of a GB number typed in any usual way. `extension_in`
    names where the form has room for an extension (refused in the number), if it has any."""
    cleaned = text.strip()
    if not cleaned:
        raise PhoneInvalid("Phone number is required")
    if not WRITTEN_NUMBER.fullmatch(cleaned):
        if EXTENSION.search(cleaned) and WRITTEN_NUMBER.fullmatch(EXTENSION.sub("", cleaned).strip() or "x"):
            room = f", and the extension in {extension_in}" if extension_in else ""
            raise PhoneInvalid(f"Phone number {cleaned!r} has an extension: give the number alone{room}")
        raise PhoneInvalid(
            f"Phone number {cleaned!r} holds other characters: use digits, spaces, brackets, - and . only"
        )
    if cleaned.count("+") > 1 or "+" in cleaned[1:]:
        raise PhoneInvalid(f"Phone number {cleaned!r} is not valid: a + goes only at the start")
    try:
        number = phonenumbers.parse(cleaned, "GB")
    except phonenumbers.NumberParseException:
        raise PhoneInvalid(f"Phone number {cleaned!r} is not valid") from None
    if phonenumbers.region_code_for_number(number) != "GB" and number.country_code != 44:
        raise PhoneInvalid(f"Phone number {cleaned!r} is not a UK number")
    if not phonenumbers.is_valid_number_for_region(number, "GB"):
        raise PhoneInvalid(f"Phone number {cleaned!r} is not a valid UK number")
    return phonenumbers.format_number(number, PhoneNumberFormat.E164)


def national(e164: str | None) -> str:
    """'0113 496 0123' for display; an empty string for no number."""
    if not e164:
        return ""
    try:
        return phonenumbers.format_number(phonenumbers.parse(e164, "GB"), PhoneNumberFormat.NATIONAL)
    except phonenumbers.NumberParseException:
        return e164
