"""Loading a new version of the policy (admins): the file's text checked against every bound
(domain.policy), stored as the next version with its event, in force from that commit for
every process on the database (store.queries.policy)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Engine, select
from sqlmodel import col

from helpdesk.domain.permissions import Permission
from helpdesk.domain.policy import parse_policy
from helpdesk.domain.refusals import Refused
from helpdesk.domain.types import EventKind
from helpdesk.store.acting import acting_member
from helpdesk.store.db.audit import record_event
from helpdesk.store.db.models import PolicyVersion
from helpdesk.store.db.transaction import writing

LONGEST_TEXT = 100_000  # characters: a policy file is a page of TOML


def load_policy(engine: Engine, login: str, text: str, now: dt.datetime) -> int:
    """Store `text` as the next version of the policy; its version number. PolicyInvalid names
    every value out of bounds (nothing stored); Refused if it is the version already in force."""
    if len(text) > LONGEST_TEXT:
        raise Refused(f"the policy file is {len(text):,} characters long: a policy is at most {LONGEST_TEXT:,}")
    parse_policy(text)  # every value within its bounds, or PolicyInvalid naming each
    with writing(engine) as session:
        acting_member(session, login, Permission.LOAD_POLICY)
        newest = session.execute(
            select(col(PolicyVersion.version), col(PolicyVersion.text))
            .order_by(col(PolicyVersion.version).desc())
            .limit(1)
        ).first()
        if newest is not None and newest[1] == text:
            raise Refused(f"that policy is version {newest[0]}, already in force: nothing loaded")
        row = PolicyVersion(text=text, loaded_by=login, loaded_at=now)
        session.add(row)
        session.flush()
        assert row.version is not None  # (given by the flush)
        record_event(session, actor=login, kind=EventKind.POLICY_LOADED, at=now, policy_version=row.version)
        return row.version
