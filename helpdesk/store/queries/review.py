"""The review list (closed calls, filtered, a page at a time), feedback and learning reviews."""

from __future__ import annotations

import datetime as dt
from typing import Any

import arrow
from sqlalchemy import Engine, ScalarSelect, Select, and_, exists, func, or_, select, text, tuple_
from sqlalchemy.orm import aliased
from sqlmodel import col

from helpdesk.clock import LONDON
from helpdesk.domain.intake import has_control_characters
from helpdesk.domain.permissions import Permission
from helpdesk.domain.refusals import FieldsInvalid
from helpdesk.domain.types import ReviewOutcome
from helpdesk.store.acting import acting_member, tied_to
from helpdesk.store.db.models import (
    CLOSED_CONCERN,
    Advice,
    Concern,
    FeedbackSeen,
    FollowUp,
    PauseDecision,
    Review,
    School,
    Staff,
)
from helpdesk.store.db.read_models import by_name
from helpdesk.store.queries.decisions import settled
from helpdesk.store.rows import PAGE, ClosedCallFilter, ClosedCallRow, FeedbackRow, LearningReviewRow


def london_midnight(day: dt.date) -> dt.datetime:
    return arrow.get(dt.datetime.combine(day, dt.time()), LONDON).to("UTC").datetime


def _latest_decision() -> ScalarSelect[Any]:
    return (
        select(col(PauseDecision.decision))
        .where(col(PauseDecision.concern_id) == col(Concern.id), settled(PauseDecision))
        .order_by(col(PauseDecision.id).desc())
        .limit(1)
        .scalar_subquery()
    )


def _latest_review() -> ScalarSelect[Any]:
    return (
        select(col(Review.outcome))
        .where(col(Review.concern_id) == col(Concern.id))
        .order_by(col(Review.id).desc())
        .limit(1)
        .scalar_subquery()
    )


def closed_calls(
    engine: Engine,
    login: str,
    found: ClosedCallFilter,
    limit: int = PAGE,
    after: tuple[dt.datetime, int] | None = None,
    today: dt.date | None = None,
) -> list[ClosedCallRow]:
    """Closed calls, newest closed first; `after` is the (closed_at, id) of the last row of the
    previous page (keyset paging: every page costs the same). Those the information barrier
    keeps from `login` (as of `today`) are not listed. The search is for the text as typed:
    `%` and `_` are themselves, and text with control characters is refused."""
    senior = aliased(Staff)
    statement: Select[*tuple[Any, ...]] = (
        select(
            col(Concern.id),
            col(Concern.closed_at),
            col(Concern.urgent),
            col(Concern.urn),
            col(School.name).label("school"),
            col(Concern.category),
            col(Concern.claimed_by).label("senior"),
            col(senior.name).label("senior_name"),
            _latest_decision().label("pause"),
            _latest_review().label("review"),
        )
        .join(School, col(School.urn) == col(Concern.urn))
        .outerjoin(senior, col(senior.login) == col(Concern.claimed_by))
        .where(text(f"concern.{CLOSED_CONCERN}"))  # the partial index's own predicate
    )
    if found.closed_from:
        statement = statement.where(col(Concern.closed_at) >= london_midnight(found.closed_from))
    if found.closed_to:
        statement = statement.where(col(Concern.closed_at) < london_midnight(found.closed_to + dt.timedelta(days=1)))
    if found.senior:
        statement = statement.where(col(Concern.claimed_by) == found.senior)
    if found.school:
        term = found.school.strip()
        statement = statement.where(
            col(Concern.urn) == term if term.isdigit() else col(School.name).icontains(term, autoescape=True)
        )
    if found.category:
        statement = statement.where(col(Concern.category) == found.category)
    if found.pause == "none":
        statement = statement.where(~exists().where(col(PauseDecision.concern_id) == col(Concern.id)))
    elif found.pause:
        statement = statement.where(_latest_decision() == found.pause)
    if found.reviewed is not None:
        reviewed = exists().where(col(Review.concern_id) == col(Concern.id))
        statement = statement.where(reviewed if found.reviewed else ~reviewed)
    for field, value in (("search", found.search), ("school", found.school)):
        if value and has_control_characters(value):
            raise FieldsInvalid({field: "Search for text without control characters"})
    if found.search and found.search.strip():
        words = found.search.strip()
        statement = statement.where(
            or_(
                col(Concern.summary).icontains(words, autoescape=True),
                exists().where(
                    and_(col(Advice.concern_id) == col(Concern.id), col(Advice.text).icontains(words, autoescape=True))
                ),
            )
        )
    if today is not None:
        statement = statement.where(~tied_to(login, today))
    if after is not None:
        statement = statement.where(tuple_(col(Concern.closed_at), col(Concern.id)) < tuple_(after[0], after[1]))
    statement = statement.order_by(col(Concern.closed_at).desc(), col(Concern.id).desc()).limit(limit)
    with engine.connect() as connection:
        acting_member(connection, login, Permission.READ_CLOSED_CALLS)
        rows = connection.execute(statement).all()
    return [by_name(ClosedCallRow, row) for row in rows]


def my_feedback(engine: Engine, login: str) -> list[FeedbackRow]:
    """Reviews of this senior's calls, newest first, with whether they have been read."""
    reviewer = aliased(Staff)
    read = exists().where(col(FeedbackSeen.review_id) == col(Review.id), col(FeedbackSeen.login) == login)
    statement: Select[*tuple[Any, ...]] = (
        select(
            col(Review.id).label("review_id"),
            col(Review.concern_id),
            col(Review.at),
            func.coalesce(col(reviewer.name), col(Review.reviewer)).label("reviewer"),
            col(Review.outcome),
            col(Review.feedback),
            col(School.name).label("school"),
            read.label("read"),
            col(FollowUp.id).label("follow_up_id"),
            col(FollowUp.due_at).label("follow_up_due"),
            col(FollowUp.done_at).label("follow_up_done"),
        )
        .join(Concern, col(Concern.id) == col(Review.concern_id))
        .join(School, col(School.urn) == col(Concern.urn))
        .outerjoin(reviewer, col(reviewer.login) == col(Review.reviewer))
        .outerjoin(FollowUp, col(FollowUp.review_id) == col(Review.id))
        .where(col(Review.senior) == login)
        .order_by(col(Review.id).desc())
    )
    with engine.connect() as connection:
        acting_member(connection, login)
        return [by_name(FeedbackRow, row) for row in connection.execute(statement)]


def unread_feedback(engine: Engine, login: str) -> int:
    read = exists().where(col(FeedbackSeen.review_id) == col(Review.id), col(FeedbackSeen.login) == login)
    with engine.connect() as connection:
        acting_member(connection, login)
        return (
            connection.scalar(select(func.count()).select_from(Review).where(col(Review.senior) == login, ~read)) or 0
        )


def learning_reviews(engine: Engine, login: str) -> list[LearningReviewRow]:
    """Calls whose latest review refers them for a learning review, with why."""
    latest = select(func.max(col(Review.id))).group_by(col(Review.concern_id)).scalar_subquery()
    reviewer, senior = aliased(Staff), aliased(Staff)
    statement: Select[*tuple[Any, ...]] = (
        select(
            col(Review.concern_id),
            col(School.name).label("school"),
            col(senior.name).label("senior_name"),
            func.coalesce(col(reviewer.name), col(Review.reviewer)).label("reviewer"),
            col(Review.at),
            col(Review.feedback).label("why"),
        )
        .join(Concern, col(Concern.id) == col(Review.concern_id))
        .join(School, col(School.urn) == col(Concern.urn))
        .outerjoin(reviewer, col(reviewer.login) == col(Review.reviewer))
        .outerjoin(senior, col(senior.login) == col(Review.senior))
        .where(col(Review.id).in_(latest), col(Review.outcome) == ReviewOutcome.LEARNING_REVIEW)
        .order_by(col(Review.at).desc())
    )
    with engine.connect() as connection:
        acting_member(connection, login, Permission.REVIEW)
        return [by_name(LearningReviewRow, row) for row in connection.execute(statement)]
