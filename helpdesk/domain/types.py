"""The helpline's vocabulary: roles, caller roles, categories, statuses."""

from __future__ import annotations

from enum import StrEnum


class Labelled(StrEnum):
    """A stored value with the words staff read on screen."""

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()

    @classmethod
    def values(cls) -> list[str]:
        return [member.value for member in cls]


class StaffRole(Labelled):
    HANDLER = "handler"
    SENIOR = "senior"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"


class CallerRole(Labelled):
    HEADTEACHER = "headteacher"
    OTHER_LEADER = "other_leader"
    RESPONSIBLE_BODY = "responsible_body"
    LEAD_INSPECTOR = "lead_inspector"
    INSPECTION_TEAM = "inspection_team"  # an inspector on the team, not its lead
    OTHER = "other"

    @property
    def label(self) -> str:
        return "Member of the inspection team" if self is CallerRole.INSPECTION_TEAM else super().label

    @property
    def short(self) -> str:
        return {
            "headteacher": "Headteacher",
            "other_leader": "Leader",
            "responsible_body": "Resp. body",
            "lead_inspector": "Lead insp.",
            "inspection_team": "Insp. team",
            "other": "Other",
        }[self.value]


class Category(Labelled):
    WELLBEING = "wellbeing"
    INSPECTOR_CONDUCT = "inspector_conduct"
    INSPECTION_PROCESS = "inspection_process"
    PAUSE_REQUEST = "pause_request"
    OTHER = "other"

    @property
    def label(self) -> str:
        return {
            "wellbeing": "Well-being / distress",
            "inspector_conduct": "Inspector conduct",
            "inspection_process": "Inspection process",
            "pause_request": "Pause request",
            "other": "Other",
        }[self.value]

    @property
    def short(self) -> str:
        return {
            "wellbeing": "Well-being",
            "inspector_conduct": "Conduct",
            "inspection_process": "Process",
            "pause_request": "Pause req.",
            "other": "Other",
        }[self.value]


class ConcernStatus(Labelled):
    WAITING = "waiting"
    CLAIMED = "claimed"
    CLOSED = "closed"


OPEN_STATUSES = (ConcernStatus.WAITING.value, ConcernStatus.CLAIMED.value)


class EventKind(Labelled):
    """What an audit event records: one kind for each change to the record."""

    LOGGED = "logged"
    VIEWED = "viewed"
    BARRED = "barred"  # an attempt to open a call the information barrier keeps from that person
    CLAIMED = "claimed"
    RELEASED = "released"
    REASSIGNED = "reassigned"
    ADVICE = "advice"
    CONTACT = "contact"
    INSPECTION_LINKED = "inspection_linked"
    DECISION = "decision"
    COUNTERSIGNED = "countersigned"
    COUNTERSIGN_REFUSED = "countersign_refused"  # an exceptional pause never came into force
    NOTIFIED = "notified"
    SIGNPOSTED = "signposted"
    SIGNPOSTING_NOT_OFFERED = "signposting_not_offered"
    CLOSED = "closed"
    REVIEWED = "reviewed"
    FOLLOW_UP_SET = "follow_up_set"
    FOLLOW_UP_DONE = "follow_up_done"
    ESCALATED = "escalated"
    CALLS_LINKED = "calls_linked"
    FEEDBACK_READ = "feedback_read"
    IMPORTED = "imported"
    EXPORTED = "exported"
    PURGED = "purged"
    FIRST_ADMIN_ADDED = "first_admin_added"
    BACKED_UP = "backed_up"  # a checked copy of the database was made (`helpdesk db backup`)
    RESTORE_ANNOUNCED = "restore_announced"  # consoles are told to close: a backup goes in the record's place
    RESTORED = "restored"  # the record was put back from a backup (`helpdesk db restore`)
    RISK_MARKED = "risk_marked"  # someone's life or safety is at immediate risk
    RISK_CONTACT = "risk_contact"  # emergency services or safeguarding contacted, or why not
    RISK_SAFETY = "risk_safety"  # the person's immediate safety confirmed, or not
    RISK_ACKNOWLEDGED = "risk_acknowledged"  # a supervisor acknowledged the risk
    RISK_LIFTED = "risk_lifted"  # a supervisor lifted the marker, with reasons
    ALERT_SENT = "alert_sent"  # an alert's e-mail reached the SMTP server
    ALERT_FAILED = "alert_failed"  # an attempt to send it failed (it is tried again)
    ALERT_ACKNOWLEDGED = "alert_acknowledged"  # a supervisor acknowledged the call's alerts
    LOOKED_UP = "looked_up"  # a look-up across the record (what kind of field, how many found; never the words)
    ON_CALL_ADDED = "on_call_added"  # a supervisor's period on call put on the rota
    ON_CALL_REMOVED = "on_call_removed"  # and taken off it
    POLICY_LOADED = "policy_loaded"  # a new version of the policy put in force (`helpdesk policy load`)
    SEALED = "sealed"  # the record as it stood when the upgrade that binds rows to the trail ran


class Told(Labelled):
    """What the policy asks the helpline to tell a caller (clause 2d), recorded with advice."""

    JUDGEMENT_UNAFFECTED = "judgement_unaffected"
    MAY_BE_ACCOMPANIED = "may_be_accompanied"

    @property
    def label(self) -> str:
        return {
            "judgement_unaffected": "Raising a concern does not affect the inspection's judgement",
            "may_be_accompanied": "Leaders may be accompanied in meetings with inspectors",
        }[self.value]

    @property
    def short(self) -> str:
        return {"judgement_unaffected": "judgement unaffected", "may_be_accompanied": "may be accompanied"}[self.value]

    @property
    def tick(self) -> str:
        """As the advice form's tick box says it (fits 80 columns)."""
        return {
            "judgement_unaffected": "A concern does not affect the judgement",
            "may_be_accompanied": "Leaders may be accompanied in meetings",
        }[self.value]


class BodyKind(Labelled):
    LOCAL_AUTHORITY = "local_authority"
    ACADEMY_TRUST = "academy_trust"
    DIOCESE = "diocese"
    GOVERNING_BOARD = "governing_board"
    PROPRIETOR = "proprietor"


class Remit(Labelled):
    SCHOOLS = "schools"
    EARLY_YEARS = "early_years"
    FURTHER_EDUCATION = "further_education"
    LA_CHILDRENS_SERVICES = "la_childrens_services"

    @property
    def label(self) -> str:
        return "Local authority children's services" if self is Remit.LA_CHILDRENS_SERVICES else super().label


class Urgency(Labelled):
    """Where a waiting concern stands against its time-to-claim target."""

    WITHIN = "within"
    NEARING = "nearing"
    OVERDUE = "overdue"


class Party(Labelled):
    """Who a contact attempt or notification was with."""

    RESPONSIBLE_BODY = "responsible_body"
    LEAD_INSPECTOR = "lead_inspector"
    CALLER = "caller"
    SCHOOL = "school"
    OTHER = "other"


class Channel(Labelled):
    PHONE = "phone"
    EMAIL = "email"
    IN_PERSON = "in_person"
    OTHER = "other"


class ContactOutcome(Labelled):
    REACHED = "reached"
    VOICEMAIL = "voicemail"
    NO_ANSWER = "no_answer"
    WRONG_NUMBER = "wrong_number"


class LinkKind(Labelled):
    """Why two calls are linked."""

    SAME_INSPECTION = "same_inspection"
    SAME_MATTER = "same_matter"


class ReviewOutcome(Labelled):
    MEETS_STANDARD = "meets_standard"
    NEEDS_FOLLOW_UP = "needs_follow_up"
    LEARNING_REVIEW = "learning_review"
