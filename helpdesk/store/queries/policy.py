"""The policy in force: the newest version an admin loaded into the database (`helpdesk policy
load`), the same for every process on it; or, on a database that holds none (the demo, the
tests, an install before its first load), the policy file the process was given. A file never
overrides a version on record, so nobody loosens what the store enforces by naming a file."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy import Connection, Engine, select
from sqlmodel import Session, col

from helpdesk.clock import as_utc
from helpdesk.domain.policy import Policy, PolicyInvalid, parse_policy
from helpdesk.store.db.models import PolicyVersion


@dataclass(frozen=True)
class InForce:
    policy: Policy
    version: int | None  # None: the database holds no version; the policy is the file's
    loaded_by: str = ""
    loaded_at: dt.datetime | None = None
    text: str = ""


def in_force(reader: Connection | Session, given: Policy) -> InForce:
    """The policy the store applies now, read in the caller's transaction; `given` (the file's)
    only where the database holds no version. A stored text that no longer passes the policy's
    bounds (changed outside the commands) raises PolicyInvalid: nothing is decided under it."""
    row = reader.execute(
        select(
            col(PolicyVersion.version),
            col(PolicyVersion.text),
            col(PolicyVersion.loaded_by),
            col(PolicyVersion.loaded_at),
        )
        .order_by(col(PolicyVersion.version).desc())
        .limit(1)
    ).first()
    if row is None:
        return InForce(given, None)
    try:
        policy = _parsed(row[0], row[1])
    except PolicyInvalid as invalid:
        raise PolicyInvalid(
            f"the policy in the database (version {row[0]}) was changed outside `helpdesk policy load`: {invalid}"
        ) from None
    return InForce(policy, row[0], row[2], as_utc(row[3]), row[1])


def policy_in_force(engine: Engine, given: Policy) -> InForce:
    with engine.connect() as connection:
        return in_force(connection, given)


@lru_cache(maxsize=16)
def _parsed(version: int, text: str) -> Policy:
    """A stored version's text, checked and read once a process (keyed by its text too, so a
    text changed in the database is read and checked again)."""
    return parse_policy(text)
