"""A call's story: its status, holder, decision in force and whether it was closed, replayed from
its audit events alone. `audit verify` holds every call's row to its story, so a row changed
together with a forged event that vouches for its new digest is still named when what the row
says is not what happened."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from helpdesk.domain.types import ConcernStatus, EventKind

# the events that move a call's status, holder or decision in force
STORY_KINDS = frozenset(
    {
        EventKind.LOGGED,
        EventKind.CLAIMED,
        EventKind.RELEASED,
        EventKind.REASSIGNED,
        EventKind.CLOSED,
        EventKind.DECISION,
        EventKind.COUNTERSIGNED,
    }
)


@dataclass(frozen=True)
class StoryEvent:
    """What of one event the story needs (from its kind, actor and codes, never personal data)."""

    kind: str
    actor: str
    to: str | None = None  # a reassignment's new holder
    decision_id: int | None = None
    decision: str | None = None  # authorised, declined
    exceptional: bool = False


@dataclass
class CallStory:
    status: str | None = None  # None: no "logged" event (the trail's own check names that)
    holder: str | None = None
    decision_in_force: str | None = None
    decisions: dict[int, str] = field(default_factory=dict)  # decided so far: id, decision


def replay(events: Iterable[StoryEvent]) -> CallStory:
    """The call as its events, oldest first, leave it. An exceptional pause comes into force only
    when countersigned; a refused one never does."""
    story = CallStory()
    for event in events:
        if event.kind == EventKind.LOGGED:
            story.status, story.holder = ConcernStatus.WAITING.value, None
        elif event.kind == EventKind.CLAIMED:
            story.status, story.holder = ConcernStatus.CLAIMED.value, event.actor
        elif event.kind == EventKind.RELEASED:
            story.status, story.holder = ConcernStatus.WAITING.value, None
        elif event.kind == EventKind.REASSIGNED:
            story.holder = event.to
        elif event.kind == EventKind.CLOSED:
            story.status = ConcernStatus.CLOSED.value
        elif event.kind == EventKind.DECISION and event.decision_id is not None and event.decision:
            story.decisions[event.decision_id] = event.decision
            if not event.exceptional:
                story.decision_in_force = event.decision
        elif event.kind == EventKind.COUNTERSIGNED and event.decision_id in story.decisions:
            story.decision_in_force = story.decisions[event.decision_id]
    return story


def disagreements(
    story: CallStory, status: str, holder: str | None, decision_in_force: str | None, outcome: str | None
) -> list[str]:
    """Where the call's row says other than its story, in words."""
    found: list[str] = []
    if story.status is None:
        return found  # no story to hold it to
    if status != story.status:
        found.append(f"its status is {status}, its events leave it {story.status}")
    if holder != story.holder:
        found.append(f"its holder is {holder or 'nobody'}, its events leave it with {story.holder or 'nobody'}")
    if decision_in_force != story.decision_in_force:
        found.append(
            f"its decision in force is {decision_in_force or 'none'}, its events leave "
            f"{story.decision_in_force or 'none'}"
        )
    if (outcome is not None) != (story.status == ConcernStatus.CLOSED):
        found.append(
            "it has an outcome but no event closed it" if outcome is not None else "it was closed without an outcome"
        )
    return found
