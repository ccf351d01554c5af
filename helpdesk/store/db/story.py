"""Every call held to its story (domain.call_story): the walk along the trail hands each event
that moves a call to a temporary table; then the calls are read a range of ids at a time, each
folded from its events and compared with its row. Memory stays flat however long the record."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, select
from sqlmodel import col

from helpdesk.domain.audit_chain import ChainedEvent
from helpdesk.domain.call_story import STORY_KINDS, StoryEvent, disagreements, replay
from helpdesk.store.db.models import Concern

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


class Stories:
    """The events that move calls, gathered during one walk of the trail, then the check."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.pending: list[tuple[Any, ...]] = []
        self.mark = "?" if connection.dialect.paramstyle == "qmark" else "%s"
        connection.exec_driver_sql(
            "CREATE TEMPORARY TABLE story (concern_id INTEGER NOT NULL, event_id INTEGER NOT NULL, kind TEXT, "
            "actor TEXT, to_login TEXT, decision_id INTEGER, decision TEXT, exceptional INTEGER)"
        )

    def add(self, event: ChainedEvent, details: dict[str, Any] | None = None) -> None:
        """Keep what the story needs of an event (called for every event, in the chain's order,
        with its details when the walk has read them already)."""
        if event.concern_id is None or event.kind not in STORY_KINDS:
            return
        if details is None:
            details = json.loads(event.details) if event.details and event.details != "{}" else {}
        decision_id = details.get("decision_id")
        self.pending.append(
            (
                event.concern_id,
                event.id,
                event.kind,
                event.actor,
                details.get("to"),
                int(decision_id) if isinstance(decision_id, int) else None,
                details.get("decision") if isinstance(details.get("decision"), str) else None,
                1 if details.get("exceptional") is True else 0,
            )
        )
        if len(self.pending) >= CHUNK:
            self.flush()

    def flush(self) -> None:
        if self.pending:
            marks = ", ".join([self.mark] * 8)
            self.connection.exec_driver_sql(f"INSERT INTO story VALUES ({marks})", self.pending)
            self.pending = []

    def check(self, shown: int = 20) -> StoryReport:
        """Hold every call's row to the story its events tell."""
        self.flush()
        connection = self.connection
        connection.exec_driver_sql("CREATE INDEX story_call ON story (concern_id, event_id)")
        problems: list[CallProblem] = []
        total = calls = 0
        after = 0
        rows = select(
            col(Concern.id), col(Concern.status), col(Concern.claimed_by), col(Concern.decision_in_force),
            col(Concern.outcome),
        )  # fmt: skip
        mark = self.mark
        while True:
            chunk = connection.execute(rows.where(col(Concern.id) > after).order_by(col(Concern.id)).limit(CHUNK)).all()
            if not chunk:
                break
            low, high = chunk[0].id, chunk[-1].id
            events: dict[int, list[StoryEvent]] = {}
            for concern_id, kind, actor, to, decision_id, decision, exceptional in connection.exec_driver_sql(
                "SELECT concern_id, kind, actor, to_login, decision_id, decision, exceptional FROM story "
                f"WHERE concern_id >= {mark} AND concern_id <= {mark} ORDER BY concern_id, event_id",
                (low, high),
            ):
                events.setdefault(concern_id, []).append(
                    StoryEvent(kind, actor, to, decision_id, decision, bool(exceptional))
                )
            for row in chunk:
                calls += 1
                story = replay(events.get(row.id, ()))
                found = disagreements(story, row.status, row.claimed_by, row.decision_in_force, row.outcome)
                if found:
                    total += 1
                    if len(problems) < shown:
                        problems.append(CallProblem(row.id, "; ".join(found)))
            after = high
        return StoryReport(calls, problems, total)

    def close(self) -> None:
        self.connection.exec_driver_sql("DROP TABLE IF EXISTS story")
