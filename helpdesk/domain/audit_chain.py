"""The audit trail as a hash chain: each event's hash covers its content and the hash of the
event before it, so changing, removing or slipping in an event breaks every link after it.

The hash is SHA-256 over a canonical encoding (a compact JSON array, UTF-8) of the event's id,
time (UTC, to the microsecond), actor, kind, call, details and the previous event's hash, and,
for events written since revision 0021, the moment it was recorded; the first event follows
GENESIS. The time an event is about (`at`) is its command's business time, which an import or
the demo's history may set in the past; the moment it was recorded (`recorded_at`) is the
clock's when it was written (the database server's, on PostgreSQL), and never goes backwards
along the chain. Anyone can recompute a hash, so the chain shows tampering rather
than preventing it: keeping the chain's head off the host (an anchor) is what makes a wholesale
rewrite show too."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from json.encoder import encode_basestring
from typing import Any, NamedTuple

GENESIS = "0" * 64  # what the first event follows
_canonical = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
_quoted = encode_basestring  # a string as _canonical writes it (ensure_ascii=False)


class ChainedEvent(NamedTuple):
    """One audit event as the chain sees it (a tuple: a million of them are walked at a time)."""

    id: int
    at: dt.datetime
    actor: str
    kind: str
    concern_id: int | None
    details: str
    prev_hash: str
    hash: str
    recorded_at: dt.datetime | None = None  # None: written before revision 0021 recorded it


def utc_text(moment: dt.datetime) -> str:
    """A time as the chain encodes it: UTC, microseconds, "Z" (a naive time is taken as UTC)."""
    if moment.tzinfo is not None:
        if moment.tzinfo is not dt.UTC:
            moment = moment.astimezone(dt.UTC)
        moment = moment.replace(tzinfo=None)
    return moment.isoformat(timespec="microseconds") + "Z"


def event_hash(
    *,
    id: int,
    at: dt.datetime,
    actor: str,
    kind: str,
    concern_id: int | None,
    details: str,
    prev_hash: str,
    recorded_at: dt.datetime | None = None,
) -> str:
    return hash_of_texts(
        id,
        utc_text(at),
        actor,
        kind,
        concern_id,
        details,
        prev_hash,
        None if recorded_at is None else utc_text(recorded_at),
    )


def hash_of_texts(
    id: int,
    at: str,
    actor: str,
    kind: str,
    concern_id: int | None,
    details: str,
    prev_hash: str,
    recorded_at: str | None,
) -> str:
    """`event_hash`, with the times already in the chain's UTC text (as a walk along a long
    trail reads them)."""
    # _canonical([id, at, actor, kind, concern_id, details, prev_hash(, recorded_at)]), written
    # out: the same text (a test holds them equal), in a fraction of the time (verify hashes
    # every event)
    canonical = (
        f"[{int.__repr__(id)},{_quoted(at)},{_quoted(actor)},{_quoted(kind)},"
        f"{'null' if concern_id is None else int.__repr__(concern_id)},{_quoted(details)},{_quoted(prev_hash)}"
        + ("]" if recorded_at is None else f",{_quoted(recorded_at)}]")  # (none before revision 0021)
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def chained(
    *,
    id: int,
    at: dt.datetime,
    actor: str,
    kind: str,
    concern_id: int | None,
    details: str,
    prev_hash: str,
    recorded_at: dt.datetime | None = None,
) -> ChainedEvent:
    """A new event following `prev_hash`, with its own hash."""
    digest = event_hash(
        id=id,
        at=at,
        actor=actor,
        kind=kind,
        concern_id=concern_id,
        details=details,
        prev_hash=prev_hash,
        recorded_at=recorded_at,
    )
    return ChainedEvent(id, at, actor, kind, concern_id, details, prev_hash, digest, recorded_at)


def recorded_moment(now: dt.datetime, head_recorded_at: dt.datetime | None) -> dt.datetime:
    """When a new event is recorded: the clock's time, or the head's if the clock has gone back
    (a clock set back never makes the chain's times go backwards)."""
    if head_recorded_at is not None and _utc(head_recorded_at) > _utc(now):
        return _utc(head_recorded_at)
    return _utc(now)


def _utc(moment: dt.datetime) -> dt.datetime:
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)


@dataclass(frozen=True)
class Break:
    """Where the chain first fails, and how, in words."""

    event_id: int | None  # None: no one event (calls whose events are missing altogether)
    at: dt.datetime | None
    problem: str


class EventTexts(NamedTuple):
    """An event as a walk along the trail holds it: its times in the chain's UTC text, whose
    order as text is their order in time."""

    id: int
    at: str
    actor: str
    kind: str
    concern_id: int | None
    details: str
    prev_hash: str
    hash: str
    recorded_at: str | None = None

    @classmethod
    def of(cls, event: ChainedEvent) -> EventTexts:
        recorded = None if event.recorded_at is None else utc_text(event.recorded_at)
        return cls(
            event.id, utc_text(event.at), event.actor, event.kind, event.concern_id, event.details,
            event.prev_hash, event.hash, recorded,
        )  # fmt: skip


def check_link(event: ChainedEvent, previous: ChainedEvent | None) -> str | None:
    """What is wrong with this event given the one before it in the trail, or None."""
    return link_problem(EventTexts.of(event), None if previous is None else EventTexts.of(previous))


def link_problem(event: EventTexts, previous: EventTexts | None) -> str | None:
    """`check_link`, for events whose times are already text."""
    recomputed = hash_of_texts(*event[:7], event.recorded_at)
    if recomputed != event.hash:
        return "its content does not match its hash: it was changed after it was written"
    expected = GENESIS if previous is None else previous.hash
    if event.prev_hash != expected:
        if previous is None:
            return "the trail does not start at the beginning of the chain: earlier events were removed"
        return (
            f"it does not follow event {previous.id}: an event between them was removed, "
            "or this one was inserted or moved out of order"
        )
    if previous is not None and previous.recorded_at is not None:
        if event.recorded_at is None:
            return f"it has no time of recording though event {previous.id} before it has: it was slipped in"
        if event.recorded_at < previous.recorded_at:
            return (
                f"it was recorded at {event.recorded_at}, before event {previous.id} that it follows"
                f" ({previous.recorded_at}): the trail's times go backwards"
            )
    return None


@dataclass(frozen=True)
class Anchor:
    """A chain head kept off the host: event `event_id` had hash `hash`."""

    event_id: int
    hash: str

    @classmethod
    def parse(cls, text: str) -> Anchor:
        """'1234:9f86d0…' (as `helpdesk audit head` prints it)."""
        number, _, digest = text.strip().partition(":")
        digest = digest.strip().lower()
        if not number.strip().isdigit() or len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
            raise ValueError(f"{text!r} is not an anchor: expected EVENT_ID:SHA256 as `helpdesk audit head` prints")
        return cls(int(number), digest)

    def __str__(self) -> str:
        return f"{self.event_id}:{self.hash}"


# --- the record bound to the trail -------------------------------------------------------------
# An event that creates or changes a row of the record carries that row's digest as written, so
# that an edit made outside the commands (a row changed, removed, or slipped in) shows: `verify`
# recomputes every row's digest and compares it with the one its latest event carries.

REMOVED = "removed"  # what an event carries for a row its change took away


def _canonical_value(value: object) -> object:
    encode = _ENCODERS.get(type(value))
    if encode is not None:
        return encode(value)
    if isinstance(value, dt.datetime):
        return utc_text(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).hex()
    if isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return repr(value)
    return str(value)  # an enum member stored as its value, a Decimal


def _same(value: object) -> object:
    return value


_ENCODERS: dict[type, Callable[[Any], object]] = {
    str: _same,
    int: _same,
    bool: _same,
    type(None): _same,
    dt.datetime: utc_text,
    dt.date: dt.date.isoformat,
    float: repr,
    bytes: bytes.hex,
}


def row_digest(table: str, values: dict[str, object]) -> str:
    """SHA-256 over a canonical encoding of the table's name and every column of the row (sorted
    by name; times in UTC to the microsecond; free text as written)."""
    names = tuple(sorted(values))
    return digest_in_order(table, names, tuple(values[name] for name in names))


def digest_in_order(table: str, names: tuple[str, ...], values: Sequence[object]) -> str:
    """`row_digest`, for values already in the order of their sorted column names (a table's
    whole content is digested this way, without building a mapping for each row). The encoding:
    [table, [names...], [values...]], each value as JSON has it unless it is a time (UTC text), a
    date (ISO text), bytes (hex) or anything else (its text)."""
    return row_digester(table, names)(values)


@cache
def row_digester(table: str, names: tuple[str, ...]) -> Callable[[Sequence[object]], str]:
    """`digest_in_order` for one table's columns, its opening made once (a walk over a table's
    every row calls it for each)."""
    opening, sha256, value_text = _opening(table, names), hashlib.sha256, _value_text

    def digest(values: Sequence[object]) -> str:
        # _canonical([table, list(names), [... each value ...]]), written out: the same text (a
        # test holds them equal), in a fraction of the time (verify digests every row)
        return sha256((opening + ",".join([value_text(value) for value in values]) + "]]").encode("utf-8")).hexdigest()

    return digest


@cache
def _opening(table: str, names: tuple[str, ...]) -> str:
    return f"[{_quoted(table)},[{','.join(_quoted(name) for name in names)}],["


def _value_text(value: object) -> str:
    """One value of a row as _canonical writes what _canonical_value makes of it."""
    kind = type(value)
    if kind is str:
        return _quoted(value)  # type: ignore[arg-type]
    if kind is int:
        return int.__repr__(value)
    if value is None:
        return "null"
    if kind is dt.datetime:
        return _quoted(utc_text(value))  # type: ignore[arg-type]
    if kind is bool:
        return "true" if value else "false"
    return _canonical(_canonical_value(value))


def row_key(table: str, primary_key: tuple[object, ...]) -> str:
    """How an event names a row: "advice:41", "inspection_member:7/akhan"."""
    return f"{table}:{'/'.join(str(part) for part in primary_key)}"
