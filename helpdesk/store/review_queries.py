"""Read models for supervisors and seniors: closed calls with filters, feedback, learning reviews."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import arrow
from sqlalchemy import Engine, and_, exists, func, or_, select, text, tuple_
from sqlalchemy.orm import aliased

from helpdesk.clock import LONDON
from helpdesk.store.models import CLOSED_CONCERN, Advice, Concern, FeedbackSeen, PauseDecision, Review, School, Staff
from helpdesk.store.read_models import by_name

PAGE = 50


@dataclass(frozen=True)
class ClosedCallFilter:
    closed_from: dt.date | None = None
    closed_to: dt.date | None = None  # inclusive
    senior: str | None = None  # login
    school: str | None = None  # a URN, or part of a school's name
    category: str | None = None
    pause: str | None = None  # "authorised", "declined" or "none"
    reviewed: bool | None = None
    search: str | None = None  # words in the summary or in any advice note


@dataclass(frozen=True)
class ClosedCallRow:
    id: int
    closed_at: dt.datetime
    urgent: bool
    urn: str
    school: str
    category: str
    senior: str | None
    senior_name: str | None
    pause: str | None  # the latest decision, if any
    review: str | None  # the latest review's outcome, if any


def london_midnight(day: dt.date) -> dt.datetime:
    return arrow.get(dt.datetime.combine(day, dt.time()), LONDON).to("UTC").datetime


def _latest_decision():
    return (
        select(PauseDecision.decision)
        .where(PauseDecision.concern_id == Concern.id)
        .order_by(PauseDecision.id.desc())
        .limit(1)
        .scalar_subquery()
    )


def _latest_review():
    return (
        select(Review.outcome)
        .where(Review.concern_id == Concern.id)
        .order_by(Review.id.desc())
        .limit(1)
        .scalar_subquery()
    )


def closed_calls(
    engine: Engine, found: ClosedCallFilter, limit: int = PAGE, after: tuple[dt.datetime, int] | None = None
) -> list[ClosedCallRow]:
    """Closed calls, newest closed first; `after` is the (closed_at, id) of the last row of the
    previous page (keyset paging: every page costs the same)."""
    senior = aliased(Staff)
    statement = (
        select(
            Concern.id,
            Concern.closed_at,
            Concern.urgent,
            Concern.urn,
            School.name.label("school"),
            Concern.category,
            Concern.claimed_by.label("senior"),
            senior.name.label("senior_name"),
            _latest_decision().label("pause"),
            _latest_review().label("review"),
        )
        .join(School, School.urn == Concern.urn)
        .outerjoin(senior, senior.login == Concern.claimed_by)
        .where(text(f"concern.{CLOSED_CONCERN}"))  # the partial index's own predicate
    )
    if found.closed_from:
        statement = statement.where(Concern.closed_at >= london_midnight(found.closed_from))
    if found.closed_to:
        statement = statement.where(Concern.closed_at < london_midnight(found.closed_to + dt.timedelta(days=1)))
    if found.senior:
        statement = statement.where(Concern.claimed_by == found.senior)
    if found.school:
        term = found.school.strip()
        statement = statement.where(Concern.urn == term if term.isdigit() else School.name.ilike(f"%{term}%"))
    if found.category:
        statement = statement.where(Concern.category == found.category)
    if found.pause == "none":
        statement = statement.where(~exists().where(PauseDecision.concern_id == Concern.id))
    elif found.pause:
        statement = statement.where(_latest_decision() == found.pause)
    if found.reviewed is not None:
        reviewed = exists().where(Review.concern_id == Concern.id)
        statement = statement.where(reviewed if found.reviewed else ~reviewed)
    if found.search and found.search.strip():
        pattern = f"%{found.search.strip()}%"
        statement = statement.where(
            or_(
                Concern.summary.ilike(pattern),
                exists().where(and_(Advice.concern_id == Concern.id, Advice.text.ilike(pattern))),
            )
        )
    if after is not None:
        statement = statement.where(tuple_(Concern.closed_at, Concern.id) < tuple_(after[0], after[1]))
    statement = statement.order_by(Concern.closed_at.desc(), Concern.id.desc()).limit(limit)
    with engine.connect() as connection:
        rows = connection.execute(statement).all()
    return [by_name(ClosedCallRow, row) for row in rows]


@dataclass(frozen=True)
class FeedbackRow:
    review_id: int
    concern_id: int
    at: dt.datetime
    reviewer: str
    outcome: str
    feedback: str
    school: str
    read: bool


def my_feedback(engine: Engine, login: str) -> list[FeedbackRow]:
    """Reviews of this senior's calls, newest first, with whether they have been read."""
    reviewer = aliased(Staff)
    read = exists().where(FeedbackSeen.review_id == Review.id, FeedbackSeen.login == login)
    statement = (
        select(
            Review.id.label("review_id"),
            Review.concern_id,
            Review.at,
            func.coalesce(reviewer.name, Review.reviewer).label("reviewer"),
            Review.outcome,
            Review.feedback,
            School.name.label("school"),
            read.label("read"),
        )
        .join(Concern, Concern.id == Review.concern_id)
        .join(School, School.urn == Concern.urn)
        .outerjoin(reviewer, reviewer.login == Review.reviewer)
        .where(Review.senior == login)
        .order_by(Review.id.desc())
    )
    with engine.connect() as connection:
        return [by_name(FeedbackRow, row) for row in connection.execute(statement)]


def unread_feedback(engine: Engine, login: str) -> int:
    read = exists().where(FeedbackSeen.review_id == Review.id, FeedbackSeen.login == login)
    with engine.connect() as connection:
        return connection.scalar(select(func.count()).select_from(Review).where(Review.senior == login, ~read))


@dataclass(frozen=True)
class LearningReviewRow:
    concern_id: int
    school: str
    senior_name: str | None
    reviewer: str
    at: dt.datetime
    why: str


def learning_reviews(engine: Engine) -> list[LearningReviewRow]:
    """Calls whose latest review refers them for a learning review, with why."""
    latest = select(func.max(Review.id)).group_by(Review.concern_id).scalar_subquery()
    reviewer, senior = aliased(Staff), aliased(Staff)
    statement = (
        select(
            Review.concern_id,
            School.name.label("school"),
            senior.name.label("senior_name"),
            func.coalesce(reviewer.name, Review.reviewer).label("reviewer"),
            Review.at,
            Review.feedback.label("why"),
        )
        .join(Concern, Concern.id == Review.concern_id)
        .join(School, School.urn == Concern.urn)
        .outerjoin(reviewer, reviewer.login == Review.reviewer)
        .outerjoin(senior, senior.login == Review.senior)
        .where(Review.id.in_(latest), Review.outcome == "learning_review")
        .order_by(Review.at.desc())
    )
    with engine.connect() as connection:
        return [by_name(LearningReviewRow, row) for row in connection.execute(statement)]
