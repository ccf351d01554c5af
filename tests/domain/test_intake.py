import pytest

from helpdesk.domain.intake import SUMMARY_MAX, ConcernInvalid, validate_concern
from helpdesk.domain.types import CallerRole, Category

GOOD = dict(
    urn="931971",
    caller_name="Grace Ellis",
    caller_role="headteacher",
    phone="0113 496 0777",
    category="pause_request",
    summary="Head taken ill; lead inspector asks to pause.",
)


def test_a_good_concern_is_cleaned_and_typed():
    concern = validate_concern(**{**GOOD, "caller_name": "  Grace Ellis ", "urn": " 931971"}, urgent=True)
    assert concern.urn == "931971"
    assert concern.caller_name == "Grace Ellis"
    assert concern.caller_role is CallerRole.HEADTEACHER
    assert concern.category is Category.PAUSE_REQUEST
    assert concern.caller_phone == "+441134960777"
    assert concern.urgent


@pytest.mark.parametrize(
    ("field", "value", "error_field", "reason"),
    [
        ("urn", "12345", "urn", "six digits"),
        ("urn", "abcdef", "urn", "six digits"),
        ("caller_name", "", "caller_name", "required"),
        ("caller_name", "   ", "caller_name", "required"),
        ("caller_name", "Grace\x1b[31mEllis", "caller_name", "control characters"),
        ("caller_name", "G" * 121, "caller_name", "too long"),
        ("caller_role", "parent", "caller_role", "Caller role 'parent' is unknown"),
        ("phone", "0113 496", "phone", "not a valid UK number"),
        ("phone", "+33 1 23 45 67 89", "phone", "not a UK number"),
        ("phone", "", "phone", "Phone number is required"),
        ("category", "complaint", "category", "Category 'complaint' is unknown"),
        ("summary", "", "summary", "required"),
        ("summary", "x" * (SUMMARY_MAX + 1), "summary", "too long"),
        ("summary", "bell\x07", "summary", "control characters"),
    ],
)
def test_each_bad_field_is_named(field, value, error_field, reason):
    with pytest.raises(ConcernInvalid) as refused:
        validate_concern(**{**GOOD, field: value})
    assert list(refused.value.errors) == [error_field]
    message = refused.value.errors[error_field]
    assert reason in message
    # one sentence style for every field: it begins with a capital and names the field or the
    # school, with no full stop at the end
    assert message[0].isupper() and not message.endswith("."), message


def test_a_multi_line_summary_is_allowed():
    assert validate_concern(**{**GOOD, "summary": "line one\nline two"}).summary == "line one\nline two"


def test_every_bad_field_is_reported_at_once():
    with pytest.raises(ConcernInvalid) as refused:
        validate_concern(**{**GOOD, "urn": "1", "phone": "x", "summary": ""})
    assert set(refused.value.errors) == {"urn", "phone", "summary"}


@pytest.mark.parametrize("separator", ["\u2028", "\u2029", "\n", "\r", "\x85"])
def test_a_one_line_field_refuses_line_and_paragraph_separators(separator):
    with pytest.raises(ConcernInvalid) as refused:
        validate_concern(
            urn="930037",
            caller_name=f"Grace{separator}Ellis",
            caller_role="headteacher",
            phone="020 7946 0123",
            category="wellbeing",
            summary="Head is distressed.",
        )
    assert "caller_name" in refused.value.errors
