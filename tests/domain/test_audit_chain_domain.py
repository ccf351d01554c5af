"""The chain's time of recording, in the domain: a clock set back never makes it go backwards,
events written before it existed keep their hashes, and a link checks it."""

import datetime as dt

from helpdesk.domain.audit_chain import GENESIS, chained, check_link, event_hash, recorded_moment

T = dt.datetime(2026, 12, 7, 21, 0, tzinfo=dt.UTC)


def test_a_clock_set_back_records_at_the_heads_time_never_before_it():
    assert recorded_moment(T, None) == T
    assert recorded_moment(T, T - dt.timedelta(seconds=5)) == T
    assert recorded_moment(T - dt.timedelta(minutes=3), T) == T  # the clock went back three minutes
    naive = dt.datetime(2026, 12, 7, 21, 1)  # (SQLite hands back naive UTC)
    assert recorded_moment(T, naive) == naive.replace(tzinfo=dt.UTC)


def test_an_event_from_before_the_time_of_recording_keeps_its_hash():
    fields = dict(id=1, at=T, actor="akhan", kind="viewed", concern_id=None, details="{}", prev_hash=GENESIS)
    assert event_hash(**fields) == event_hash(**fields, recorded_at=None)
    assert event_hash(**fields) != event_hash(**fields, recorded_at=T)
    assert chained(**fields).recorded_at is None and check_link(chained(**fields), None) is None


def test_a_link_recorded_before_the_one_it_follows_is_named():
    first = chained(
        id=1, at=T, actor="akhan", kind="viewed", concern_id=None, details="{}", prev_hash=GENESIS, recorded_at=T
    )
    same = dict(at=T - dt.timedelta(days=1), actor="x", kind="viewed", concern_id=None, details="{}")
    later = chained(id=2, prev_hash=first.hash, recorded_at=T, **same)  # the same moment: in order
    assert check_link(later, first) is None
    back = chained(id=2, prev_hash=first.hash, recorded_at=T - dt.timedelta(microseconds=1), **same)
    assert "before event 1 that it follows" in (check_link(back, first) or "")
    none = chained(id=2, prev_hash=first.hash, **same)
    assert "no time of recording" in (check_link(none, first) or "")


def _old_event_hash(**fields):
    """The encoding as first written: JSON of the list (the written-out one must give the same)."""
    import hashlib
    import json

    from helpdesk.domain.audit_chain import utc_text

    recorded = fields.pop("recorded_at", None)
    content = [fields["id"], utc_text(fields["at"]), fields["actor"], fields["kind"], fields["concern_id"]]
    content += [fields["details"], fields["prev_hash"]] + ([utc_text(recorded)] if recorded else [])
    text = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode(content)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


AWKWARD = [
    "",
    "plain",
    'quote " and \\ backslash',
    "tab\tnew\nline\r\x00\x1f\x7f",
    "Zoë Ñúñez 👩‍⚕️",
    "</script>",
    "\u2028",
]


def test_the_written_out_encodings_are_the_json_they_replace():
    import dataclasses
    import decimal
    import enum
    import hashlib
    import json

    from helpdesk.domain import audit_chain

    for text in AWKWARD:
        for concern_id in (None, 0, 41):
            for recorded in (None, T, dt.datetime(2026, 1, 1, 0, 0, 0, 1)):
                fields = dict(
                    id=7, at=T, actor=text, kind="advice", concern_id=concern_id, details=text, prev_hash=GENESIS
                )
                assert event_hash(**fields, recorded_at=recorded) == _old_event_hash(**fields, recorded_at=recorded)

    class Colour(enum.StrEnum):
        RED = "red"

    @dataclasses.dataclass
    class Odd:
        x: int = 1

    values = (
        *AWKWARD, 0, -5, 2**70, True, False, None, 1.5, float("inf"), T, dt.datetime(2026, 1, 1),
        dt.datetime(2026, 6, 1, 12, tzinfo=dt.timezone(dt.timedelta(hours=1))), dt.date(2026, 12, 7),
        b"\x00\xff", Colour.RED, decimal.Decimal("1.10"), Odd(),
    )  # fmt: skip
    names = tuple(f"c{n:02d}" for n in range(len(values)))
    old = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode(
        [
            "advice",
            list(names),
            [v if type(v) in (str, int, bool, type(None)) else audit_chain._canonical_value(v) for v in values],
        ]
    )
    assert audit_chain.digest_in_order("advice", names, values) == hashlib.sha256(old.encode("utf-8")).hexdigest()


def test_times_of_recording_compare_whether_kept_naive_or_aware():
    """SQLite hands back a time written with its offset as aware and one written without as naive."""
    aware = chained(
        id=1, at=T, actor="a", kind="viewed", concern_id=None, details="{}", prev_hash=GENESIS, recorded_at=T
    )
    naive = chained(
        id=2, at=T, actor="a", kind="viewed", concern_id=None, details="{}", prev_hash=aware.hash,
        recorded_at=T.replace(tzinfo=None) - dt.timedelta(seconds=1),
    )  # fmt: skip
    assert "the trail's times go backwards" in (check_link(naive, aware) or "")
