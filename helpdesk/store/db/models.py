"""The tables. Times are aware UTC; phone numbers are E.164."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from helpdesk.domain import limits
from helpdesk.domain.types import ConcernStatus

UTC_DATETIME = sa.DateTime(timezone=True)

# Waiting and claimed concerns. Queries must repeat this exact predicate, with literal values
# (not bound parameters), for SQLite to use the partial index built on it.
OPEN_CONCERN = "status IN ('waiting','claimed')"
CLOSED_CONCERN = "status = 'closed'"


def utc_column(nullable: bool = False, index: bool = False) -> sa.Column[dt.datetime]:
    return sa.Column(UTC_DATETIME, nullable=nullable, index=index)


class Staff(SQLModel, table=True):
    login: str = Field(primary_key=True, max_length=limits.LOGIN)
    name: str = Field(max_length=limits.PERSON_NAME)
    role: str = Field(max_length=20)
    region: str = Field(default="", max_length=limits.REGION)
    active: bool = True
    email: str | None = Field(default=None, max_length=limits.EMAIL)  # where a supervisor's alerts go


class ResponsibleBody(SQLModel, table=True):
    __tablename__ = "responsible_body"
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=limits.ORGANISATION_NAME, unique=True)
    kind: str = Field(max_length=30)
    contact_name: str = Field(default="", max_length=limits.PERSON_NAME)
    contact_role: str = Field(default="", max_length=limits.PERSON_NAME)
    phone: str | None = Field(default=None, max_length=limits.PHONE)
    email: str = Field(default="", max_length=limits.EMAIL)


class School(SQLModel, table=True):
    urn: str = Field(primary_key=True, max_length=limits.URN)
    name: str = Field(max_length=limits.ORGANISATION_NAME)
    type: str = Field(default="", max_length=limits.SCHOOL_TYPE)
    phase: str = Field(default="", max_length=limits.SCHOOL_PHASE)
    local_authority: str = Field(default="", max_length=limits.LOCAL_AUTHORITY)
    postcode: str = Field(default="", max_length=limits.POSTCODE)
    phone: str | None = Field(default=None, max_length=limits.PHONE)
    responsible_body_id: int | None = Field(default=None, foreign_key="responsible_body.id", index=True)
    head_name: str = Field(default="", max_length=limits.PERSON_NAME)  # from GIAS, accents kept


class Conflict(SQLModel, table=True):
    """A declared conflict of interest: a member of staff and a school or a responsible body."""

    id: int | None = Field(default=None, primary_key=True)
    login: str = Field(foreign_key="staff.login", index=True, max_length=limits.LOGIN)
    urn: str | None = Field(default=None, foreign_key="school.urn", max_length=limits.URN)
    responsible_body_id: int | None = Field(default=None, foreign_key="responsible_body.id")
    reason: str = Field(default="", max_length=limits.CONFLICT_REASON)


class Inspection(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    reference: str = Field(max_length=limits.INSPECTION_REFERENCE, unique=True)
    urn: str = Field(foreign_key="school.urn", index=True, max_length=limits.URN)
    remit: str = Field(max_length=30)
    start_date: dt.date
    end_date: dt.date
    lead_inspector: str = Field(max_length=limits.LOGIN)
    recorded_by: str | None = Field(default=None, max_length=limits.LOGIN)  # a senior, on a call; None: imported
    # the person responsible for leaders' well-being during the inspection
    wellbeing_name: str | None = Field(default=None, max_length=limits.PERSON_NAME)
    wellbeing_role: str | None = Field(default=None, max_length=limits.PERSON_NAME)
    wellbeing_phone: str | None = Field(default=None, max_length=limits.PHONE)  # E.164


class InspectionMember(SQLModel, table=True):
    """Someone on an inspection: the lead inspector or a team member (by login)."""

    __tablename__ = "inspection_member"
    inspection_id: int = Field(foreign_key="inspection.id", primary_key=True)
    login: str = Field(primary_key=True, max_length=limits.LOGIN)
    part: str = Field(default="team", max_length=10)  # "lead" or "team"


class Concern(SQLModel, table=True):
    __table_args__ = (
        sa.Index(
            "ix_concern_open_queue",
            "priority",
            "received_at",
            sqlite_where=sa.text(OPEN_CONCERN),
            postgresql_where=sa.text(OPEN_CONCERN),
        ),
        # everything the figures read, in the order of a period: they never touch the table
        sa.Index(
            "ix_concern_figures",
            "received_at",
            "category",
            "urgent",
            "decision_in_force",
            "claimed_by",
            "inspection_id",
            "claim_wait_us",
            "decision_wait_us",
        ),
        sa.Index(
            "ix_concern_closed",
            "closed_at",
            "id",
            sqlite_where=sa.text(CLOSED_CONCERN),
            postgresql_where=sa.text(CLOSED_CONCERN),
        ),
    )
    id: int | None = Field(default=None, primary_key=True)
    received_at: dt.datetime = Field(sa_column=utc_column(index=True))  # periods: figures and exports
    logged_by: str = Field(max_length=limits.LOGIN)
    caller_name: str = Field(max_length=limits.PERSON_NAME)
    caller_role: str = Field(max_length=30)
    caller_phone: str = Field(max_length=limits.PHONE, index=True)  # looked up by the number a caller rings from
    urn: str = Field(foreign_key="school.urn", index=True, max_length=limits.URN)
    # every call about an inspection: its paused days, counted across them
    inspection_id: int | None = Field(default=None, foreign_key="inspection.id", index=True)
    category: str = Field(max_length=30)
    urgent: bool = False
    priority: int = 1
    summary: str = Field(max_length=limits.SUMMARY)
    status: str = Field(default=ConcernStatus.WAITING, max_length=10)
    claimed_by: str | None = Field(default=None, max_length=limits.LOGIN)
    claimed_at: dt.datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    closed_at: dt.datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    outcome: str | None = Field(default=None, max_length=limits.OUTCOME)
    signposting_offered_at: dt.datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    signposting_not_offered: str | None = Field(
        default=None, max_length=limits.SIGNPOSTING_REASON
    )  # why not, when not offered
    # when the caller was first recorded as told that raising a concern does not affect the
    # inspection's judgement, and that leaders may be accompanied in meetings (policy, 2d)
    told_judgement_unaffected_at: dt.datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    told_may_be_accompanied_at: dt.datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    # kept as they happen, for the figures: the first claim, the first pause decision, the decision in force
    first_claimed_at: dt.datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    first_decided_at: dt.datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    decision_in_force: str | None = Field(default=None, max_length=10)
    # and how long each took from the call's receipt, in whole microseconds (the figures' medians)
    claim_wait_us: int | None = Field(default=None, sa_column=sa.Column(sa.BigInteger, nullable=True))
    decision_wait_us: int | None = Field(default=None, sa_column=sa.Column(sa.BigInteger, nullable=True))


class Advice(SQLModel, table=True):
    """An advice note: never edited; a correction is a new note pointing at the earlier one."""

    id: int | None = Field(default=None, primary_key=True)
    concern_id: int = Field(foreign_key="concern.id", index=True)
    author: str = Field(max_length=limits.LOGIN)
    at: dt.datetime = Field(sa_column=utc_column())
    text: str = Field(max_length=limits.ADVICE)
    corrects_id: int | None = Field(default=None, foreign_key="advice.id")


class ContactAttempt(SQLModel, table=True):
    __tablename__ = "contact_attempt"
    id: int | None = Field(default=None, primary_key=True)
    concern_id: int = Field(foreign_key="concern.id", index=True)
    by: str = Field(max_length=limits.LOGIN)
    at: dt.datetime = Field(sa_column=utc_column())
    party: str = Field(max_length=30)  # responsible_body, lead_inspector, caller, school, other
    contact_name: str = Field(default="", max_length=limits.PERSON_NAME)
    phone: str | None = Field(default=None, max_length=limits.PHONE)
    channel: str = Field(max_length=20)  # phone, email, other
    outcome: str = Field(max_length=20)  # reached, voicemail, no_answer, wrong_number
    note: str = Field(default="", max_length=limits.NOTE)


class PauseDecision(SQLModel, table=True):
    __tablename__ = "pause_decision"
    id: int | None = Field(default=None, primary_key=True)
    concern_id: int = Field(foreign_key="concern.id", index=True)
    requested_by: str = Field(max_length=30)
    grounds: str = Field(max_length=30)
    decision: str = Field(max_length=12)  # authorised, declined
    working_days: int | None = None
    starts_on: dt.date | None = None
    resumes_on: dt.date | None = None
    exceptional: bool = False
    justification: str = Field(default="", max_length=limits.JUSTIFICATION)
    rationale: str = Field(max_length=limits.RATIONALE)
    decided_by: str = Field(max_length=limits.LOGIN)
    decided_at: dt.datetime = Field(sa_column=utc_column(index=True))  # the pause register's periods
    countersigned_by: str | None = Field(default=None, max_length=limits.LOGIN)
    countersigned_at: dt.datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    countersign_reason: str = Field(default="", max_length=limits.COUNTERSIGN_REASON)
    # or a supervisor refused to countersign it, with reasons: it never came into force
    refused_by: str | None = Field(default=None, max_length=limits.LOGIN)
    refused_at: dt.datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    refusal_reason: str | None = Field(default=None, max_length=limits.COUNTERSIGN_REASON)
    supersedes_id: int | None = Field(
        default=None, foreign_key="pause_decision.id", index=True
    )  # the decision it replaces
    # the version of the policy it was decided under (NULL: the database held none; a policy file)
    policy_version: int | None = None


class Notification(SQLModel, table=True):
    """Informing the lead inspector, the school, the responsible body or the caller of a decision."""

    id: int | None = Field(default=None, primary_key=True)
    concern_id: int = Field(foreign_key="concern.id", index=True)
    decision_id: int | None = Field(default=None, foreign_key="pause_decision.id")  # the decision reported
    by: str = Field(max_length=limits.LOGIN)
    at: dt.datetime = Field(sa_column=utc_column())
    party: str = Field(max_length=30)
    channel: str = Field(max_length=20)
    note: str = Field(default="", max_length=limits.NOTE)


class Handover(SQLModel, table=True):
    """A release (back to the queue) or a reassignment, with the reason given."""

    id: int | None = Field(default=None, primary_key=True)
    concern_id: int = Field(foreign_key="concern.id", index=True)
    by: str = Field(max_length=limits.LOGIN)
    at: dt.datetime = Field(sa_column=utc_column())
    kind: str = Field(max_length=12)  # released, reassigned
    from_login: str = Field(max_length=limits.LOGIN)
    to_login: str | None = Field(default=None, max_length=limits.LOGIN)
    reason: str = Field(default="", max_length=limits.REASON)


class Review(SQLModel, table=True):
    """A supervisor's review of a closed call. Never edited: a later review supersedes."""

    id: int | None = Field(default=None, primary_key=True)
    concern_id: int = Field(foreign_key="concern.id", index=True)
    senior: str = Field(max_length=limits.LOGIN, index=True)  # who held the call when it closed
    reviewer: str = Field(max_length=limits.LOGIN)
    at: dt.datetime = Field(sa_column=utc_column())
    outcome: str = Field(max_length=30)  # meets_standard, needs_follow_up, learning_review
    feedback: str = Field(default="", max_length=limits.FEEDBACK)


class FollowUp(SQLModel, table=True):
    """Work a call leaves behind: a task, a pause's resumption check or a call back, owned by one
    senior or by any senior (owner None), due at a time; completed once, with an outcome and a
    note. Never edited otherwise."""

    __tablename__ = "follow_up"
    __table_args__ = (
        # the open follow-ups in the order they fall due: the queue's section reads only these
        sa.Index(
            "ix_follow_up_open",
            "due_at",
            sqlite_where=sa.text("done_at IS NULL"),
            postgresql_where=sa.text("done_at IS NULL"),
        ),
    )
    id: int | None = Field(default=None, primary_key=True)
    concern_id: int = Field(foreign_key="concern.id", index=True)
    kind: str = Field(max_length=20)  # task, resumption_check, callback
    what: str = Field(max_length=limits.FOLLOW_UP)
    owner: str | None = Field(default=None, max_length=limits.LOGIN)  # None: any senior
    due_at: dt.datetime = Field(sa_column=utc_column())
    phone: str | None = Field(default=None, max_length=limits.PHONE)  # a call back's number, E.164
    decision_id: int | None = Field(
        default=None, foreign_key="pause_decision.id", index=True
    )  # a resumption check's pause
    review_id: int | None = Field(default=None, foreign_key="review.id")  # the review that asked for it
    set_by: str = Field(max_length=limits.LOGIN)
    set_at: dt.datetime = Field(sa_column=utc_column())
    done_by: str | None = Field(default=None, max_length=limits.LOGIN)
    done_at: dt.datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    outcome: str | None = Field(default=None, max_length=30)
    note: str = Field(default="", max_length=limits.NOTE)
    contact_id: int | None = Field(default=None, foreign_key="contact_attempt.id")  # a call back's attempt


class CallLink(SQLModel, table=True):
    """Two calls a senior linked (the same inspection, the same matter): stored once, the lower
    id first."""

    __tablename__ = "call_link"
    __table_args__ = (sa.UniqueConstraint("first_id", "second_id"),)
    id: int | None = Field(default=None, primary_key=True)
    first_id: int = Field(foreign_key="concern.id", index=True)
    second_id: int = Field(foreign_key="concern.id", index=True)
    kind: str = Field(max_length=20)  # same_inspection, same_matter
    by: str = Field(max_length=limits.LOGIN)
    at: dt.datetime = Field(sa_column=utc_column())


class Escalation(SQLModel, table=True):
    """Supervisors alerted to a waiting call past its target, a follow-up long overdue or an
    exceptional pause long awaiting countersignature: raised once (its key is unique), by the
    console that noticed first."""

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=60, unique=True)  # domain.escalation.escalation_key
    subject: str = Field(max_length=20)  # claim_target, follow_up, countersignature
    concern_id: int = Field(foreign_key="concern.id", index=True)
    follow_up_id: int | None = Field(default=None, foreign_key="follow_up.id", index=True)
    decision_id: int | None = Field(default=None, foreign_key="pause_decision.id")  # awaiting countersignature
    raised_by: str = Field(max_length=limits.LOGIN)  # whose console noticed
    raised_at: dt.datetime = Field(sa_column=utc_column())
    # the version of the policy whose target it was past (NULL: the database held none; a policy file)
    policy_version: int | None = None


class Risk(SQLModel, table=True):
    """A call marked at immediate risk to someone's life or safety (domain.risk): who marked it
    and when, what the risk is, a supervisor's acknowledgement and, if a supervisor lifted the
    marker, who, when and why. One stands on a call at a time (lifted_at NULL)."""

    __table_args__ = (
        sa.Index(
            "ix_risk_standing",
            "concern_id",
            unique=True,
            sqlite_where=sa.text("lifted_at IS NULL"),
            postgresql_where=sa.text("lifted_at IS NULL"),
        ),
    )
    id: int | None = Field(default=None, primary_key=True)
    concern_id: int = Field(foreign_key="concern.id", index=True)
    marked_by: str = Field(max_length=limits.LOGIN)
    marked_at: dt.datetime = Field(sa_column=utc_column(index=True))  # the figures' periods
    what: str = Field(default="", max_length=limits.RISK_WHAT)
    acknowledged_by: str | None = Field(default=None, max_length=limits.LOGIN)
    acknowledged_at: dt.datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    lifted_by: str | None = Field(default=None, max_length=limits.LOGIN)
    lifted_at: dt.datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    lift_reason: str = Field(default="", max_length=limits.REASON)


class RiskStep(SQLModel, table=True):
    """A step of the immediate-risk protocol, as recorded: emergency services or safeguarding
    contacted (who, when, their reference) or why not; or the person's immediate safety
    confirmed or not. Never edited: a later step is recorded beside it."""

    __tablename__ = "risk_step"
    id: int | None = Field(default=None, primary_key=True)
    risk_id: int = Field(foreign_key="risk.id", index=True)
    concern_id: int = Field(foreign_key="concern.id", index=True)
    kind: str = Field(max_length=10)  # contact, safety
    by: str = Field(max_length=limits.LOGIN)
    at: dt.datetime = Field(sa_column=utc_column())  # when recorded
    happened_at: dt.datetime = Field(sa_column=utc_column())  # when the contact was made, as told
    contact: str | None = Field(default=None, max_length=20)  # emergency_services, safeguarding, not_contacted
    who: str = Field(default="", max_length=limits.PERSON_NAME)
    reference: str = Field(default="", max_length=limits.RISK_REFERENCE)
    why_not: str = Field(default="", max_length=limits.REASON)
    safety: str | None = Field(default=None, max_length=15)  # confirmed, not_confirmed
    note: str = Field(default="", max_length=limits.NOTE)


class PolicyVersion(SQLModel, table=True):
    """A version of the policy, loaded by an admin (`helpdesk policy load`): the file's text as
    it was checked. The newest is in force for every process on the database."""

    __tablename__ = "policy_version"
    version: int | None = Field(default=None, primary_key=True)
    text: str = Field(sa_type=sa.Text)
    loaded_by: str = Field(max_length=limits.LOGIN)
    loaded_at: dt.datetime = Field(sa_column=utc_column())


class OnCall(SQLModel, table=True):
    """A supervisor's period on call (domain.rota): imported by an admin or added on the rota
    screen; a period taken off the rota is kept, with who took it off and when."""

    __tablename__ = "on_call"
    id: int | None = Field(default=None, primary_key=True)
    login: str = Field(foreign_key="staff.login", index=True, max_length=limits.LOGIN)
    starts_at: dt.datetime = Field(sa_column=utc_column(index=True))
    ends_at: dt.datetime = Field(sa_column=utc_column(index=True))
    added_by: str = Field(max_length=limits.LOGIN)
    added_at: dt.datetime = Field(sa_column=utc_column())
    removed_by: str | None = Field(default=None, max_length=limits.LOGIN)
    removed_at: dt.datetime | None = Field(default=None, sa_column=utc_column(nullable=True))


class Alert(SQLModel, table=True):
    """An alert that leaves the console (domain.alerts): raised once (its key is unique) in the
    transaction that marked the risk or raised the escalation, acknowledged once in the console."""

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=60, unique=True)
    kind: str = Field(max_length=20)  # risk, claim_target, follow_up, countersignature
    concern_id: int = Field(foreign_key="concern.id", index=True)
    risk_id: int | None = Field(default=None, foreign_key="risk.id")  # what it alerts to: a risk marker
    escalation_id: int | None = Field(default=None, foreign_key="escalation.id")  # or an escalation
    raised_at: dt.datetime = Field(sa_column=utc_column())
    acknowledged_by: str | None = Field(default=None, max_length=limits.LOGIN)
    acknowledged_at: dt.datetime | None = Field(default=None, sa_column=utc_column(nullable=True))


class AlertMessage(SQLModel, table=True):
    """The outbox: one e-mail of an alert to one supervisor, waiting until it is sent. Not the
    record (the trail records each send, failure and acknowledgement): whichever process sends
    it takes it with a lease first, so that it is sent once however many senders run."""

    __tablename__ = "alert_message"
    __table_args__ = (sa.UniqueConstraint("alert_id", "to_login"),)
    id: int | None = Field(default=None, primary_key=True)
    alert_id: int = Field(foreign_key="alert.id", index=True)
    to_login: str = Field(max_length=limits.LOGIN)
    level: int = 0
    state: str = Field(default="waiting", max_length=10, index=True)  # waiting, sent, stopped
    attempts: int = 0
    next_attempt_at: dt.datetime = Field(sa_column=utc_column())
    lease_until: dt.datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    lease_token: str | None = Field(default=None, max_length=32)
    first_failed_at: dt.datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    last_error: str = Field(default="", max_length=200)
    sent_at: dt.datetime | None = Field(default=None, sa_column=utc_column(nullable=True))


class Event(SQLModel, table=True):
    """The audit trail: append-only (the database refuses UPDATE, DELETE, TRUNCATE and any insert
    that does not extend the chain), hash-chained, no personal data."""

    id: int | None = Field(default=None, primary_key=True)
    concern_id: int | None = Field(default=None, foreign_key="concern.id", index=True)
    actor: str = Field(max_length=limits.LOGIN)
    at: dt.datetime = Field(sa_column=utc_column())
    kind: str = Field(max_length=30)
    # JSON: ids, codes and the digests of the rows it vouches for; never names or free text
    details: str = Field(default="{}", sa_type=sa.Text)
    # the hash chain (domain.audit_chain): the previous event's hash, and this one's over both
    prev_hash: str = Field(max_length=64, sa_column_kwargs={"server_default": ""})
    hash: str = Field(max_length=64, sa_column_kwargs={"server_default": ""})
    # when it was written (the clock's time; never before the event it follows), in its hash;
    # NULL on events written before revision 0021
    recorded_at: dt.datetime | None = Field(default=None, sa_column=utc_column(nullable=True))


class FeedbackSeen(SQLModel, table=True):
    """A senior has read a supervisor's review of one of their calls."""

    __tablename__ = "feedback_seen"
    review_id: int = Field(foreign_key="review.id", primary_key=True)
    login: str = Field(primary_key=True, max_length=limits.LOGIN)
    at: dt.datetime = Field(sa_column=utc_column())


class Presence(SQLModel, table=True):
    """Which console is looking at which call: a heartbeat that expires when a session goes away.
    Not part of the record (no audit event); opening a call is recorded as a "viewed" event."""

    session_id: str = Field(primary_key=True, max_length=32)
    login: str = Field(max_length=limits.LOGIN)
    concern_id: int | None = Field(default=None, index=True)
    seen_at: dt.datetime = Field(sa_column=utc_column())


class Setting(SQLModel, table=True):
    """Facts about this database, such as whether `helpdesk demo` created it."""

    key: str = Field(primary_key=True, max_length=40)
    value: str = Field(max_length=200)


class SettledDay(SQLModel, table=True):
    """The figures of a London day whose calls are all closed (domain/figures.py), kept by the
    first figures read that needs them: derived from the calls, never a record of its own."""

    __tablename__ = "settled_day"
    day: dt.date = Field(primary_key=True)
    groups: str  # JSON: [category, decision in force, urgent, holder, calls]
    remits: str  # JSON: {remit: calls}
    claim_waits: bytes = Field(sa_column=sa.Column(sa.LargeBinary, nullable=False))  # int64, sorted
    decision_waits: bytes = Field(sa_column=sa.Column(sa.LargeBinary, nullable=False))
    urgent_claim_waits: bytes = Field(sa_column=sa.Column(sa.LargeBinary, nullable=False))
    settled_at: dt.datetime = Field(sa_column=utc_column())


class SettledUpTo(SQLModel, table=True):
    """The highest call id that the settled days have been checked against: a call logged
    later (a call received on a settled day, which only a backdated entry could be) unsettles its day."""

    __tablename__ = "settled_up_to"
    id: int = Field(default=1, primary_key=True)
    concern_id: int


# when a call first recorded the caller as told each thing the policy asks (domain.types.Told)
TOLD_AT = {"judgement_unaffected": "told_judgement_unaffected_at", "may_be_accompanied": "told_may_be_accompanied_at"}

PURGED = "[purged]"

# The personal data and free text of a call, table by table, and what a retention purge leaves
# in its place: the one list the purge, the redacted exports and their tests go by. Ids, codes
# and times stay (the figures and the audit trail need them; audit events hold none of these).
PERSONAL_COLUMNS: dict[type[SQLModel], dict[str, str | None]] = {
    Concern: {
        "caller_name": PURGED,
        "caller_phone": "",
        "summary": PURGED,
        "outcome": PURGED,
        "signposting_not_offered": PURGED,
    },
    Advice: {"text": PURGED},
    ContactAttempt: {"contact_name": "", "phone": None, "note": ""},
    Notification: {"note": ""},
    Handover: {"reason": PURGED},
    PauseDecision: {"rationale": PURGED, "justification": "", "countersign_reason": "", "refusal_reason": ""},
    Review: {"feedback": PURGED},
    FollowUp: {"what": PURGED, "phone": None, "note": ""},
    Risk: {"what": PURGED, "lift_reason": PURGED},
    RiskStep: {"who": "", "reference": "", "why_not": PURGED, "note": ""},
}


def table_of(model: type[SQLModel]) -> sa.Table:
    """The SQLAlchemy table behind a model (SQLModel sets it on each table class)."""
    table: sa.Table = model.__table__  # type: ignore[attr-defined]
    return table


OPEN_FOLLOW_UP = "done_at IS NULL"  # the partial index's predicate, repeated as it is
