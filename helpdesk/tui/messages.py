"""Messages the App sends to the screen in front."""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message


@dataclass
class DatabaseChanged(Message, bubble=False):
    """Another process (or this one) committed a change: screens showing data reload. With
    `records` False: only who is viewing may have moved (presence wakes no console: the App
    sends this every few seconds), which only the screens showing who is viewing need. `kinds`: the kinds of the audit
    events written since the last change, where known (None: anything may have changed)."""

    records: bool = True
    kinds: frozenset[str] | None = None


class PolicyChanged(Message, bubble=False):
    """An admin loaded a new version of the policy: targets, limits and bands are its now."""


class Announcement(str):
    """A banner's whole text, said as it is: not a fault of the database ("being restored")."""


@dataclass
class DatabaseTrouble(Message, bubble=False):
    """The database cannot be read (`reason`), or can again (`reason` is None). `read_failed`:
    it is the screen's own read that failed, and the screen reads again by itself."""

    reason: str | None
    read_failed: bool = False
