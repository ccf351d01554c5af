"""Alerts that leave the console (domain.alerts): raised with what they alert to, acknowledged in
the console, and their e-mails through the outbox. Whichever process sends (`helpdesk alerts
run`, one or several) takes each message with a lease in one conditional UPDATE first, so that
a message is sent once; one whose sender died is taken again when its lease runs out."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, and_, exists, not_, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import aliased
from sqlmodel import Session, col

from helpdesk.clock import as_utc
from helpdesk.domain import alerts, rota
from helpdesk.domain.alerts import AlertKind
from helpdesk.domain.permissions import Permission, may
from helpdesk.domain.policy import Policy
from helpdesk.domain.refusals import Refused
from helpdesk.domain.types import EventKind, StaffRole
from helpdesk.store.acting import acting_staff, refuse_if_barred
from helpdesk.store.commands.on_a_call import locked_call
from helpdesk.store.db.audit import record_event
from helpdesk.store.db.engine import writer
from helpdesk.store.db.models import Alert, AlertMessage, Concern, Escalation, FollowUp, PauseDecision, Staff
from helpdesk.store.db.transaction import new_id, writing
from helpdesk.store.queries.policy import in_force
from helpdesk.store.queries.rota import periods

LEASE = dt.timedelta(seconds=60)  # a sender that has not reported by then is taken to have died


def raise_alert(session: Session, kind: AlertKind, subject_id: int, concern_id: int, now: dt.datetime) -> Alert:
    """Within the transaction that marks the risk or raises the escalation: its alert, once."""
    alert = Alert(
        key=alerts.alert_key(kind, subject_id),
        kind=kind.value,
        concern_id=concern_id,
        risk_id=subject_id if kind == AlertKind.RISK else None,
        escalation_id=None if kind == AlertKind.RISK else subject_id,
        raised_at=now,
    )
    session.add(alert)
    session.flush()
    return alert


def acknowledge_standing(
    session: Session, concern_id: int, login: str, now: dt.datetime, kind: str | None = None
) -> list[int]:
    """Within a command's transaction: the call's alerts not yet acknowledged (of `kind`, or
    all), acknowledged by `login`; their ids (the command's event names them)."""
    standing = session.scalars(
        select(Alert).where(
            col(Alert.concern_id) == concern_id,
            col(Alert.acknowledged_at).is_(None),
            *([col(Alert.kind) == kind] if kind else []),
        )
    ).all()
    for alert in standing:
        alert.acknowledged_by, alert.acknowledged_at = login, now
    session.flush()
    return [new_id(alert) for alert in standing]


def acknowledge_alerts(engine: Engine, concern_id: int, login: str, now: dt.datetime) -> int:
    """A supervisor acknowledges the call's alerts in the console (one key): their e-mails stop."""
    with writing(engine) as session:
        member = acting_staff(session, login)
        if not may(member.role, Permission.ACKNOWLEDGE_RISK):
            raise Refused("Only a supervisor can acknowledge an alert")
        refuse_if_barred(session, login, concern_id, now.date())
        locked_call(session, concern_id)
        ids = acknowledge_standing(session, concern_id, login, now)
        if not ids:
            raise Refused("No alert on this call awaits acknowledgement")
        record_event(session, actor=login, kind=EventKind.ALERT_ACKNOWLEDGED, at=now, concern_id=concern_id, alerts=ids)
        return len(ids)


# --- the outbox --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Outgoing:
    """A message taken for sending, with what its e-mail says (no personal data)."""

    id: int
    alert_id: int
    token: str
    to_login: str
    address: str | None
    kind: str
    concern_id: int
    raised_at: dt.datetime
    attempts: int


def over() -> Any:
    """Alerts that need no more e-mail: acknowledged, or what they alert to is over (the call
    claimed, the follow-up done, the exceptional pause countersigned or refused)."""
    escalation = aliased(Escalation)
    return or_(
        col(Alert.acknowledged_at).is_not(None),
        exists().where(
            col(escalation.id) == col(Alert.escalation_id),
            or_(
                and_(
                    col(escalation.subject) == AlertKind.CLAIM_TARGET.value,
                    exists().where(col(Concern.id) == col(escalation.concern_id), col(Concern.status) != "waiting"),
                ),
                and_(
                    col(escalation.subject) == AlertKind.FOLLOW_UP.value,
                    exists().where(
                        col(FollowUp.id) == col(escalation.follow_up_id), col(FollowUp.done_at).is_not(None)
                    ),
                ),
                and_(
                    col(escalation.subject) == AlertKind.COUNTERSIGNATURE.value,
                    exists().where(
                        col(PauseDecision.id) == col(escalation.decision_id),
                        or_(
                            col(PauseDecision.countersigned_at).is_not(None), col(PauseDecision.refused_at).is_not(None)
                        ),
                    ),
                ),
            ),
        ),
    )


def plan(engine: Engine, now: dt.datetime, policy: Policy) -> int:
    """Queue the e-mails each standing alert is owed by now (the first on call, then the next on
    the rota, then every supervisor, as the policy's minutes pass); stop those of alerts that
    are over. How many messages were queued. Read first: a pass runs after every commit, and
    the write lock is taken only when there is something to queue or to stop."""
    to_stop = and_(
        col(AlertMessage.state) == "waiting",
        col(AlertMessage.alert_id).in_(select(col(Alert.id)).where(over())),
    )
    with engine.connect() as connection:
        if not connection.scalar(select(exists().where(to_stop))) and not connection.scalar(
            select(exists().where(not_(over())))
        ):
            return 0
    with Session(writer(engine)) as session, session.begin():
        session.execute(update(AlertMessage).where(to_stop).values(state="stopped", lease_until=None, lease_token=None))
        standing = session.execute(select(col(Alert.id), col(Alert.raised_at)).where(not_(over()))).all()
        if not standing:
            return 0
        policy = in_force(session, policy).policy
        supervisors = list(
            session.scalars(
                select(col(Staff.login))
                .where(col(Staff.role) == StaffRole.SUPERVISOR, col(Staff.active).is_(True))
                .order_by(col(Staff.login))
            )
        )
        on_call = rota.on_call_at(periods(session.connection(), now, now + dt.timedelta(seconds=1)), now)
        wanted = []
        for alert_id, raised_at in standing:
            reached = alerts.level_at(as_utc(raised_at), now, policy.alert_acknowledge_minutes)
            for level in range(reached + 1):
                for login in alerts.recipients(level, on_call, supervisors):
                    wanted.append(
                        {
                            "alert_id": alert_id,
                            "to_login": login,
                            "level": level,
                            "state": "waiting",
                            "attempts": 0,
                            "next_attempt_at": now,
                            "last_error": "",
                        }
                    )
        if not wanted:
            return 0
        dialect_insert = postgresql.insert if engine.dialect.name == "postgresql" else sqlite.insert
        result = session.execute(
            dialect_insert(AlertMessage).values(wanted).on_conflict_do_nothing(index_elements=["alert_id", "to_login"])
        )
        return max(result.rowcount or 0, 0)  # type: ignore[attr-defined]


def take_due(engine: Engine, now: dt.datetime, limit: int = 20) -> list[Outgoing]:
    """The messages due now that no live sender holds, each taken with a lease (a conditional
    UPDATE: of two senders asking at once, one wins each message)."""
    free = or_(col(AlertMessage.lease_until).is_(None), col(AlertMessage.lease_until) < now)
    due = and_(col(AlertMessage.state) == "waiting", col(AlertMessage.next_attempt_at) <= now, free)
    with engine.connect() as connection:
        candidates = list(
            connection.scalars(
                select(col(AlertMessage.id)).where(due).order_by(col(AlertMessage.next_attempt_at)).limit(limit)
            )
        )
    taken: list[Outgoing] = []
    for message_id in [int(found) for found in candidates if found is not None]:
        token = secrets.token_hex(16)
        with writer(engine).begin() as connection:
            won = connection.execute(
                update(AlertMessage)
                .where(col(AlertMessage.id) == message_id, due)
                .values(lease_until=now + LEASE, lease_token=token)
            ).rowcount
            if not won:
                continue
            row = connection.execute(
                select(
                    col(AlertMessage.alert_id),
                    col(AlertMessage.to_login),
                    col(AlertMessage.attempts),
                    col(Staff.email),
                    col(Alert.kind),
                    col(Alert.concern_id),
                    col(Alert.raised_at),
                )
                .join(Alert, col(Alert.id) == col(AlertMessage.alert_id))
                .outerjoin(Staff, col(Staff.login) == col(AlertMessage.to_login))
                .where(col(AlertMessage.id) == message_id)
            ).one()
        taken.append(
            Outgoing(message_id, row[0], token, row[1], row[3] or None, row[4], row[5], as_utc(row[6]), int(row[2]))
        )
    return taken


def record_sent(engine: Engine, message: Outgoing, now: dt.datetime, actor: str) -> bool:
    """The SMTP server took the message: sent, with its event. False if the lease was lost (the
    message was taken again meanwhile: its other sender reports it)."""
    with writing(engine) as session:
        won = session.execute(
            update(AlertMessage)
            .where(col(AlertMessage.id) == message.id, col(AlertMessage.lease_token) == message.token)
            .values(state="sent", sent_at=now, lease_until=None, lease_token=None, attempts=message.attempts + 1)
        ).rowcount  # type: ignore[attr-defined]
        if not won:
            return False
        record_event(
            session,
            actor=actor,
            kind=EventKind.ALERT_SENT,
            at=now,
            concern_id=message.concern_id,
            alert_id=message.alert_id,
            message_id=message.id,
            to=message.to_login,
            attempt=message.attempts + 1,
        )
        return True


def record_failed(
    engine: Engine, message: Outgoing, now: dt.datetime, actor: str, reason: str, error: str, final: bool = False
) -> None:
    """An attempt failed: tried again after the back-off (or, `final`, never: no address on
    record), with its event. `reason` is a code for the trail; `error` the server's words, kept
    on the message only."""
    attempts = message.attempts + 1
    retry_at = now + alerts.retry_after(attempts)
    with writing(engine) as session:
        first = session.scalar(select(col(AlertMessage.first_failed_at)).where(col(AlertMessage.id) == message.id))
        won = session.execute(
            update(AlertMessage)
            .where(col(AlertMessage.id) == message.id, col(AlertMessage.lease_token) == message.token)
            .values(
                state="stopped" if final else "waiting",
                attempts=attempts,
                next_attempt_at=retry_at,
                first_failed_at=first or now,
                last_error=error[:200],
                lease_until=None,
                lease_token=None,
            )
        ).rowcount  # type: ignore[attr-defined]
        if not won:
            return
        record_event(
            session,
            actor=actor,
            kind=EventKind.ALERT_FAILED,
            at=now,
            concern_id=message.concern_id,
            alert_id=message.alert_id,
            message_id=message.id,
            to=message.to_login,
            attempt=attempts,
            reason=reason,
            retry_at=None if final else retry_at.isoformat(timespec="seconds"),
        )


def failing_since(engine: Engine) -> dt.datetime | None:
    """When the oldest message still waiting first failed to send (the header says so)."""
    with engine.connect() as connection:
        found = connection.scalar(
            select(col(AlertMessage.first_failed_at))
            .where(col(AlertMessage.state) == "waiting", col(AlertMessage.first_failed_at).is_not(None))
            .order_by(col(AlertMessage.first_failed_at))
            .limit(1)
        )
    return as_utc(found) if found else None
