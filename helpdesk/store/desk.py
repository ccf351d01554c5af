"""The helpline's desk as one member of staff at one console uses it: every command and query a
screen needs, with the acting member of staff, the clock and the policy already bound. Screens
call the desk and never pass an engine, a login or the time themselves; the rules stay in the
commands and the domain, which the desk only calls. What the queue needs at start-up is
imported at once; the rest when first used, so that opening the console stays quick."""

from __future__ import annotations

import datetime as dt
import functools
import sqlite3
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from helpdesk.clock import Clock, london
from helpdesk.domain.permissions import Permission
from helpdesk.domain.policy import Policy
from helpdesk.store.acting import check_acting, restricted_calls
from helpdesk.store.db import presence
from helpdesk.store.db.changes import ChangeFeed
from helpdesk.store.faults import DatabaseUnavailable, ExportInterrupted, describe_fault
from helpdesk.store.queries import queue
from helpdesk.store.queries.review import unread_feedback
from helpdesk.store.rows import ConcernListing, HandedOver, QueueRow, RefusedPause, SchoolLookup, StaffMember

if TYPE_CHECKING:
    from helpdesk.domain.inspection import InspectionEntry
    from helpdesk.domain.intake import NewConcern
    from helpdesk.domain.pause import PauseDecisionInput
    from helpdesk.store.queries.policy import InForce
    from helpdesk.store.rows import (
        CallDetail,
        ClosedCallFilter,
        ClosedCallRow,
        FeedbackRow,
        Figures,
        FollowUpRow,
        InspectionChoice,
        LearningReviewRow,
        LookUpPage,
        OnCallRow,
        OpenEscalation,
        PauseEntry,
        Progress,
        PurgePlan,
        SchoolHistory,
    )


def _faults_as_unavailable(cls: type[Desk]) -> type[Desk]:
    """Every public method raises DatabaseUnavailable for a database fault (a refusal by the
    rules passes as it is), so that callers handle one exception and say one sentence."""

    def guarded(method: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(method)
        def call(*args: Any, **kwargs: Any) -> Any:
            try:
                return method(*args, **kwargs)
            except (SQLAlchemyError, sqlite3.Error) as error:
                raise DatabaseUnavailable(describe_fault(error)) from error

        return call

    for name, member in list(vars(cls).items()):
        if callable(member) and not name.startswith("_") and name not in ("now", "today"):
            setattr(cls, name, guarded(member))
    return cls


@_faults_as_unavailable
@dataclass(frozen=True)
class Desk:
    engine: Engine
    staff: StaffMember
    clock: Clock
    policy: Policy

    @property
    def login(self) -> str:
        return self.staff.login

    def now(self) -> dt.datetime:
        return self.clock.now()

    def today(self) -> dt.date:
        """Today in London, where the helpline works."""
        return london(self.clock.now()).date()

    # --- this console's session: the change feed and presence --------------------------------

    def change_feed(self, stopped: threading.Event) -> ChangeFeed:
        """What tells this console, cheaply, that another process wrote (close it when done);
        `stopped`, once set, cuts its wait short."""
        return ChangeFeed(self.engine, stopped)

    def latest_event_id(self) -> int:
        return queue.latest_event_id(self.engine)

    def events_since(self, after_id: int) -> tuple[int, frozenset[str]]:
        """(the newest event's id, the kinds of events written after `after_id`)."""
        return queue.events_since(self.engine, after_id)

    def heartbeat_seconds(self) -> float:
        return presence.HEARTBEAT_SECONDS

    def new_session(self) -> str:
        """A new console session's id, for who is viewing what."""
        return presence.new_session_id()

    def beat(self, session_id: str, concern_id: int | None) -> None:
        """This console is alive, viewing `concern_id` (no record, no personal data)."""
        presence.beat(self.engine, session_id, self.login, concern_id, self.now())

    def leave(self, session_id: str) -> None:
        presence.leave(self.engine, session_id)

    # --- the queue and intake ----------------------------------------------------------------

    def _acting(self, permission: Permission | None = None) -> None:
        """The member of staff still has an active account allowed this (for reads that take no
        login of their own; commands and the other queries check in their own transaction)."""
        check_acting(self.engine, self.login, permission)

    def open_queue(self) -> list[QueueRow]:
        self._acting(Permission.OPEN_CALLS)
        return queue.open_queue(self.engine)

    def viewers(self) -> dict[int, list[str]]:
        return presence.viewers(self.engine, self.now())  # who is looking: no record, no personal data

    def handed_to_me(self) -> list[HandedOver]:
        """Calls a supervisor handed to this person that they have not opened since."""
        return queue.handed_to(self.engine, self.login)

    def restricted_from_me(self) -> frozenset[int]:
        """The open calls the information barrier keeps from this person: the queue shows them
        restricted, and opening one is refused (and recorded)."""
        with self.engine.connect() as connection:
            return restricted_calls(connection, self.login, london(self.now()).date())

    def refusals_for_me(self) -> list[RefusedPause]:
        """Exceptional pauses this person decided whose countersignature was refused, not seen since."""
        return queue.refusals_for(self.engine, self.login)

    def open_escalations(self) -> list[OpenEscalation]:
        """Escalations still standing (everyone's console knows them, so raises each once)."""
        from helpdesk.store.queries.escalations import open_escalations

        return open_escalations(self.engine)

    def escalate(self, concern_ids: list[int], follow_up_ids: list[int], decision_ids: Sequence[int] = ()) -> list[int]:
        """Raise, once for everyone, the waiting calls past their target, the follow-ups long
        overdue and the exceptional pauses long unsigned that this console sees (the store
        checks each again)."""
        from helpdesk.store.commands.escalations import escalate

        return escalate(
            self.engine,
            self.login,
            self.now(),
            self.policy,
            concern_ids=concern_ids,
            follow_up_ids=follow_up_ids,
            decision_ids=decision_ids,
        )

    def unread_feedback(self) -> int:
        return unread_feedback(self.engine, self.login)

    def look_up_school(self, urn: str) -> SchoolLookup | None:
        self._acting(Permission.LOG_CONCERN)
        return queue.look_up_school(self.engine, urn, self.today())

    def log_concern(self, concern: NewConcern) -> int:
        from helpdesk.store import commands

        return commands.log_concern(self.engine, concern, self.login, self.now())

    # --- one call ----------------------------------------------------------------------------

    def call(self, concern_id: int) -> CallDetail | None:
        from helpdesk.store.queries.call import call_detail

        return call_detail(self.engine, concern_id, self.login, now=self.now(), policy=self.policy)

    def link_calls(self, concern_id: int, other_id: int, kind: str) -> int:
        from helpdesk.store.commands.links import link_calls

        return link_calls(self.engine, concern_id, other_id, self.login, kind, self.now())

    def school_history(self, urn: str) -> SchoolHistory | None:
        from helpdesk.store.queries.history import school_history

        return school_history(self.engine, self.login, urn, london(self.now()).date())

    def record_view(self, concern_id: int) -> None:
        from helpdesk.store import commands

        commands.record_view(self.engine, concern_id, self.login, self.now())

    def claim(self, concern_id: int) -> None:
        from helpdesk.store import commands

        commands.claim(self.engine, concern_id, self.login, self.now())

    def release(self, concern_id: int, reason: str) -> None:
        from helpdesk.store import commands

        commands.release(self.engine, concern_id, self.login, reason, self.now())

    def claiming_staff(self) -> list[StaffMember]:
        self._acting(Permission.REASSIGN)
        return queue.claiming_staff(self.engine)

    def reassign(self, concern_id: int, new_holder: str, reason: str) -> None:
        from helpdesk.store import commands

        commands.reassign(self.engine, concern_id, self.login, new_holder, reason, self.now())

    def add_advice(self, concern_id: int, text: str, corrects: int | None = None, told: Sequence[str] = ()) -> int:
        from helpdesk.store import commands

        return commands.add_advice(self.engine, concern_id, self.login, text, self.now(), corrects=corrects, told=told)

    def log_contact(
        self, concern_id: int, *, party: str, contact_name: str, phone: str, channel: str, outcome: str, note: str = ""
    ) -> int:
        from helpdesk.store import commands

        return commands.log_contact(
            self.engine,
            concern_id,
            self.login,
            self.now(),
            party=party,
            contact_name=contact_name,
            phone=phone,
            channel=channel,
            outcome=outcome,
            note=note,
        )

    def school_inspections(self, urn: str) -> list[InspectionChoice]:
        from helpdesk.store.queries.call import school_inspections

        self._acting(Permission.OPEN_CALLS)
        return school_inspections(self.engine, urn)

    def link_inspection(
        self, concern_id: int, *, inspection_id: int | None = None, entry: InspectionEntry | None = None
    ) -> int:
        from helpdesk.store import commands

        return commands.link_inspection(
            self.engine, concern_id, self.login, self.now(), inspection_id=inspection_id, entry=entry
        )

    def record_pause_decision(self, concern_id: int, entry: PauseDecisionInput) -> int:
        from helpdesk.store import commands

        return commands.record_pause_decision(self.engine, concern_id, self.login, entry, self.policy, self.now())

    def countersign(self, concern_id: int, reason: str, ruling: str = "countersign") -> None:
        """Countersign (or, with ruling "refuse", refuse) the call's exceptional pause."""
        from helpdesk.store import commands

        commands.countersign(self.engine, concern_id, self.login, reason, self.now(), self.policy, ruling)

    def record_notification(self, concern_id: int, *, party: str, channel: str, note: str = "") -> int:
        from helpdesk.store import commands

        return commands.record_notification(
            self.engine, concern_id, self.login, self.now(), party=party, channel=channel, note=note
        )

    def record_signposting(self, concern_id: int, *, offered: bool = True, reason: str = "") -> None:
        from helpdesk.store import commands

        commands.record_signposting(self.engine, concern_id, self.login, self.now(), offered=offered, reason=reason)

    def close(self, concern_id: int, outcome: str) -> None:
        from helpdesk.store import commands

        commands.close(self.engine, concern_id, self.login, outcome, self.now(), policy=self.policy)

    # --- immediate risk -----------------------------------------------------------------------

    def mark_risk(self, concern_id: int, what: str) -> int:
        from helpdesk.store import commands

        return commands.mark_risk(self.engine, concern_id, self.login, self.now(), what)

    def record_risk_contact(
        self, concern_id: int, *, contact: str, who: str = "", reference: str = "", why_not: str = "", when: str = ""
    ) -> int:
        from helpdesk.store import commands

        return commands.record_risk_contact(
            self.engine,
            concern_id,
            self.login,
            self.now(),
            contact=contact,
            who=who,
            reference=reference,
            why_not=why_not,
            when=when,
        )

    def record_risk_safety(self, concern_id: int, *, safety: str, note: str = "") -> int:
        from helpdesk.store import commands

        return commands.record_risk_safety(self.engine, concern_id, self.login, self.now(), safety=safety, note=note)

    def acknowledge_risk(self, concern_id: int) -> None:
        from helpdesk.store import commands

        commands.acknowledge_risk(self.engine, concern_id, self.login, self.now())

    def acknowledge_alerts(self, concern_id: int) -> int:
        from helpdesk.store import commands

        return commands.acknowledge_alerts(self.engine, concern_id, self.login, self.now())

    def alerts_failing_since(self) -> dt.datetime | None:
        """When e-mail alerts began failing to send, if they still are (the header says so)."""
        from helpdesk.store.commands.alerts import failing_since

        return failing_since(self.engine)

    def lift_risk(self, concern_id: int, reason: str) -> None:
        from helpdesk.store import commands

        commands.lift_risk(self.engine, concern_id, self.login, self.now(), reason)

    # --- looking a call up -------------------------------------------------------------------

    def look_up(self, typed: str, before: int | None = None) -> LookUpPage:
        """One page of the calls the words find (recorded in the audit trail)."""
        from helpdesk.domain.search import look_up
        from helpdesk.store.commands.looking_up import look_up as find

        return find(self.engine, self.login, look_up(typed), self.now(), before)

    # --- the on-call rota ------------------------------------------------------------------------

    def rota_ahead(self, days: int = 14) -> tuple[list[OnCallRow], list[tuple[dt.datetime, dt.datetime]]]:
        from helpdesk.store.queries.rota import rota_ahead

        return rota_ahead(self.engine, self.login, self.now(), days)

    def rota_supervisors(self) -> list[StaffMember]:
        """The active supervisors, who may be put on call."""
        from helpdesk.domain.permissions import may

        self._acting(Permission.MANAGE_ROTA)
        return [member for member in queue.claiming_staff(self.engine) if may(member.role, Permission.ACKNOWLEDGE_RISK)]

    def cover_gap(self) -> str | None:
        """A gap in on-call cover within the next day, as the header says it."""
        from helpdesk.store.queries.rota import gap_flag

        return gap_flag(self.engine, self.now())

    def add_on_call(self, *, login: str, starts: str, ends: str) -> int:
        from helpdesk.store.commands.rota import add_on_call

        return add_on_call(self.engine, self.login, self.now(), login=login, starts=starts, ends=ends)

    def remove_on_call(self, period_id: int) -> None:
        from helpdesk.store.commands.rota import remove_on_call

        remove_on_call(self.engine, self.login, self.now(), period_id)

    # --- follow-ups ---------------------------------------------------------------------------

    def follow_ups_due(self) -> list[FollowUpRow]:
        """Open follow-ups this person may act on that fall due today or are overdue."""
        from helpdesk.domain.follow_up import end_of_day
        from helpdesk.store.queries.follow_ups import follow_ups_due

        return follow_ups_due(self.engine, self.login, end_of_day(self.now()), london(self.now()).date())

    def set_follow_up(
        self, concern_id: int, *, what: str, owner: str | None, due: str, callback_phone: str | None = None
    ) -> int:
        """A follow-up on the call; with `callback_phone`, a call back to the caller on that number."""
        from helpdesk.domain.follow_up import FollowUpKind
        from helpdesk.store import commands

        return commands.set_follow_up(
            self.engine,
            concern_id,
            self.login,
            self.now(),
            self.policy,
            what=what,
            owner=owner,
            due=due,
            kind=FollowUpKind.TASK if callback_phone is None else FollowUpKind.CALLBACK,
            phone=callback_phone or "",
        )

    def follow_up_owners(self) -> list[StaffMember]:
        """Who may own a follow-up: active seniors and supervisors."""
        self._acting(Permission.FOLLOW_UP)
        return queue.claiming_staff(self.engine)

    def complete_follow_up(self, follow_up_id: int, outcome: str, note: str = "") -> None:
        from helpdesk.store import commands

        commands.complete_follow_up(self.engine, follow_up_id, self.login, self.now(), outcome=outcome, note=note)

    # --- supervisors -------------------------------------------------------------------------

    def review_refusal(self, concern_id: int) -> str | None:
        from helpdesk.store import commands

        return commands.review_refusal_for(self.engine, concern_id, self.login)

    def review(self, concern_id: int, outcome: str, feedback: str) -> int:
        from helpdesk.store import commands

        return commands.review(self.engine, concern_id, self.login, outcome, feedback, self.now(), self.policy)

    def closed_calls(
        self, found: ClosedCallFilter, limit: int, after: tuple[dt.datetime, int] | None = None
    ) -> list[ClosedCallRow]:
        from helpdesk.store.queries.review import closed_calls

        return closed_calls(self.engine, self.login, found, limit, after, today=self.today())

    def my_feedback(self) -> list[FeedbackRow]:
        from helpdesk.store.queries.review import my_feedback

        return my_feedback(self.engine, self.login)

    def mark_feedback_read(self, review_ids: list[int]) -> None:
        from helpdesk.store import commands

        commands.mark_feedback_read(self.engine, self.login, review_ids, self.now())

    def learning_reviews(self) -> list[LearningReviewRow]:
        from helpdesk.store.queries.review import learning_reviews

        return learning_reviews(self.engine, self.login)

    def figures(self, start: dt.date, end: dt.date) -> Figures:
        from helpdesk.store.queries import statistics

        return statistics.figures(self.engine, self.login, start, end, self.policy, self.now())

    def export(
        self,
        what: str,
        start: dt.date,
        end: dt.date,
        fmt: str,
        redact: bool,
        out: TextIO,
        progress: Progress | None = None,
    ) -> int:
        """Write the calls or the audit trail of the period to `out`, and record that it was done:
        an export whose output failed part-way is recorded too, with what had been written."""
        from helpdesk.store import commands
        from helpdesk.store.admin import export

        try:
            if what == "pauses":
                from helpdesk.store.admin.pause_export import export_pauses

                count = export_pauses(
                    self.engine,
                    self.login,
                    start,
                    end,
                    fmt,
                    redact,
                    out,
                    progress,
                    today=self.today(),
                    policy=self.policy,
                )
            elif what == "risks":
                from helpdesk.store.admin.risk_export import export_risks

                count = export_risks(
                    self.engine, self.login, start, end, fmt, redact, out, progress, today=self.today()
                )
            elif what == "calls":
                count = export.export_calls(
                    self.engine, self.login, start, end, fmt, redact, out, progress, today=self.today()
                )
            else:
                count = export.export_audit(self.engine, self.login, start, end, fmt, redact, out, progress)
        except ExportInterrupted as interrupted:
            commands.record_export(
                self.engine, self.login, what, start, end, redact, interrupted.written, self.now(), interrupted=True
            )
            raise
        commands.record_export(self.engine, self.login, what, start, end, redact, count, self.now())
        return count

    def open_export_file(self, path: Path) -> TextIO:
        """The file an export is written to: this user's alone, never through a link."""
        from helpdesk.store.admin.export import open_export_file

        return open_export_file(path)

    def withheld_from_export(self, start: dt.date, end: dt.date) -> int:
        """How many calls of the period the information barrier withholds from this person's export."""
        from helpdesk.store.admin.export import withheld_calls

        return withheld_calls(self.engine, self.login, start, end, self.today())

    def pause_register(self, start: dt.date, end: dt.date) -> list[PauseEntry]:
        from helpdesk.store.queries.pause_register import pause_register

        return pause_register(self.engine, self.login, start, end, self.today(), self.policy)

    def list_concerns(self, status: str | None = None) -> list[ConcernListing]:
        self._acting(Permission.OPEN_CALLS)
        return queue.list_concerns(self.engine, status=status)

    def plan_purge(self, closed_before: dt.date) -> PurgePlan:
        from helpdesk.store.commands.purging import plan_purge

        self._acting(Permission.PURGE)
        return plan_purge(self.engine, closed_before)

    def purge(self, closed_before: dt.date) -> int:
        """Anonymise the personal data of closed, reviewed calls closed before the date."""
        from helpdesk.store.commands.purging import purge

        return purge(self.engine, closed_before, self.login, self.policy, self.now())

    # --- the policy ----------------------------------------------------------------------------

    def policy_in_force(self) -> InForce:
        """The policy the store applies now: the newest version loaded into the database, or,
        where it holds none, the policy file this process was given."""
        from helpdesk.store.queries.policy import policy_in_force

        return policy_in_force(self.engine, self.policy)

    def load_policy(self, text: str) -> int:
        """Put a new version of the policy in force (admins); its version number."""
        from helpdesk.store.commands.policy import load_policy

        return load_policy(self.engine, self.login, text, self.now())

    def check_may_export(self) -> None:
        from helpdesk.store import commands

        commands.check_may_export(self.engine, self.login)
