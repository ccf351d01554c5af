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
        ("", "Phone number is required"),
        ("   ", "Phone number is required"),
        ("not a number", "holds other characters"),
        # letters are never cleaned into some other number
        ("0800 FLOWERS", "holds other characters"),
        ("0113 496 O123", "holds other characters"),  # a letter O for a zero
        ("0113 496 0123 call after 3pm", "holds other characters"),
        # an extension is refused, not dropped
        ("020 7946 0123 ext 12", "has an extension"),
        ("020 7946 0123 x12", "has an extension"),
        ("020 7946 0123#12", "has an extension"),
        ("0113 496 0123, 4", "has an extension"),
        ("+44+113 496 0123", "holds other characters"),
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


@pytest.mark.parametrize(
    "typed",
    [
        "+44 (0)113 496 0123",
        "(0113) 496 0123",
        "0113-496-0123",
        "0113.496.0123",
        "  0113 496 0123 ",
        "+44 113 496 0123",
    ],
)
def test_the_usual_ways_of_writing_a_number_are_read(typed):
    assert parse_gb_phone(typed) == "+441134960123"


def test_an_extension_is_sent_to_a_field_the_form_has():
    """Each form says where an extension goes in a field it has: the intake's summary, the
    contact's note, a call back's reason; where there is none (the inspection's well-being
    contact, an import), only that the number goes alone."""
    from helpdesk.domain.contact import validate_contact
    from helpdesk.domain.follow_up import CALLBACK_PHONE_EXTENSION_IN
    from helpdesk.domain.inspection import validate_wellbeing
    from helpdesk.domain.intake import validate_concern
    from helpdesk.domain.refusals import FieldsInvalid

    typed = "0113 496 0777 ext 4"
    with pytest.raises(FieldsInvalid) as intake:
        validate_concern(
            urn="930037",
            caller_name="Grace Ellis",
            caller_role="headteacher",
            phone=typed,
            category="other",
            summary="x",
        )
    assert intake.value.errors["phone"].endswith("give the number alone, and the extension in the summary")
    with pytest.raises(FieldsInvalid) as contact:
        validate_contact(party="caller", contact_name="Grace", phone=typed, channel="phone", outcome="reached", note="")
    assert contact.value.errors["phone"].endswith("give the number alone, and the extension in the note")
    with pytest.raises(PhoneInvalid, match="give the number alone, and the extension in the reason$"):
        parse_gb_phone(typed, CALLBACK_PHONE_EXTENSION_IN)
    assert validate_wellbeing("Sam Reid", "Trust HR", typed)[1]["wellbeing_phone"].endswith(
        "has an extension: give the number alone"
    )
