import pytest

from helpdesk.domain.phones import PhoneInvalid, national, parse_gb_phone


@pytest.mark.parametrize(
    ("typed", "e164"),
    [
        ("0113 496 0123", "+441134960123"),
        ("01134960123", "+441134960123"),
        ("+44 113 496 0123", "+441134960123"),
        ("(020) 7946 0018", "+442079460018"),
        ("1134960123", "+441134960123"),  # a spreadsheet lost the leading zero
        ("0191 498 0456", "+441914980456"),
        ("029 2018 0999", "+442920180999"),
        ("08000 562 561", "+448000562561"),
    ],
)
def test_gb_numbers_are_stored_in_e164(typed, e164):
    assert parse_gb_phone(typed) == e164


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("", "no phone number"),
        ("   ", "no phone number"),
        ("not a number", "not a phone number"),
        ("0113 496", "not a valid UK number"),
        ("01632 960123", "not a valid UK number"),  # drama-reserved but rejected by phonenumbers
        ("07700 900123", "not a valid UK number"),
        ("+33 1 23 45 67 89", "not a UK number"),
        ("+1 212 555 0100", "not a UK number"),
    ],
)
def test_invalid_numbers_are_refused_with_a_reason(typed, reason):
    with pytest.raises(PhoneInvalid, match=reason):
        parse_gb_phone(typed)


def test_national_format_for_display():
    assert national("+441134960123") == "0113 496 0123"
    assert national("+442079460018") == "020 7946 0018"
    assert national(None) == ""
