"""Every call held to its story (domain.call_story): the calls are read a range of ids at a
time, with the events that move them, each folded from its events and compared with its row.
Memory stays flat however long the record."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, bindparam, select
from sqlmodel import col

from helpdesk.domain.call_story import STORY_KINDS, StoryEvent, disagreements, replay
from helpdesk.store.db.models import Concern, Event

CHUNK = 5000  # events written, or calls compared, at a time


@dataclass(frozen=True)
class CallProblem:
    concern_id: int
    problem: str


@dataclass(frozen=True)
class StoryReport:
    calls: int  # calls held to their story
    problems: list[CallProblem]  # the first of them
    total: int  # calls whose row disagrees with their story


def story_event(kind: str, actor: str, details: str) -> StoryEvent:
    """What the story needs of one event."""
    said: dict[str, Any] = json.loads(details) if details and details != "{}" else {}
    decision_id, decision, to = said.get("decision_id"), said.get("decision"), said.get("to")
    return StoryEvent(
        kind,
        actor,
        to,
        int(decision_id) if isinstance(decision_id, int) else None,
        decision if isinstance(decision, str) else None,
        said.get("exceptional") is True,
    )


_CALLS = (
    select(col(Concern.id), col(Concern.status), col(Concern.claimed_by), col(Concern.decision_in_force),
           col(Concern.outcome))
    .where(col(Concern.id) > bindparam("after"))
    .order_by(col(Concern.id))
    .limit(CHUNK)
)  # fmt: skip
_THEIR_EVENTS = (
    select(col(Event.concern_id), col(Event.kind), col(Event.actor), col(Event.details))
    .where(
        col(Event.concern_id) >= bindparam("low"),
        col(Event.concern_id) <= bindparam("high"),
        col(Event.kind).in_(sorted(STORY_KINDS)),
    )
    .order_by(col(Event.concern_id), col(Event.id))
)


def check_stories(connection: Connection, shown: int = 20) -> StoryReport:
    """Hold every call's row to the story its events tell."""
    problems: list[CallProblem] = []
    total = calls = after = 0
    while chunk := connection.execute(_CALLS, {"after": after}).all():
        low, high = chunk[0].id, chunk[-1].id
        events: dict[int, list[StoryEvent]] = {}
        for concern_id, kind, actor, details in connection.execute(_THEIR_EVENTS, {"low": low, "high": high}):
            events.setdefault(concern_id or 0, []).append(story_event(kind, actor, details))  # (never None here)
        for row in chunk:
            calls += 1
            found = disagreements(
                replay(events.get(row.id, ())), row.status, row.claimed_by, row.decision_in_force, row.outcome
            )
            if found:
                total += 1
                if len(problems) < shown:
                    problems.append(CallProblem(row.id, "; ".join(found)))
        after = high
    return StoryReport(calls, problems, total)
