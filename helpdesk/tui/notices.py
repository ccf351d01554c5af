"""Notices (Textual's toasts) that never cover a form, and that go once read.

A toast sits over the bottom right of the screen. Over a form that is where the form's error
and its save are, and a notice of a minute ("A call is now yours") hid them while it stayed, on
the very call it announced. So:
- while a form, a prompt or the help is open, no notice shows: those showing are taken down
  when it opens, and those raised meanwhile wait; all show again when it closes, for the time
  they had left (a notice of what others did rings the bell at once all the same);
- a notice about a call (handed to this person, a countersignature refused, an escalation)
  goes as soon as that call is opened: it has been read. The queue row says NEW until then.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from textual.notifications import Notification, SeverityLevel

NOTICE_SECONDS = 60  # a notice of what others did that concerns this person
LEAST_SECONDS = 5.0  # a notice shown again after a form is shown at least this long


def notice(message: str, title: str, severity: SeverityLevel, seconds: float, markup: bool = True) -> Notification:
    return Notification(message, title, severity, seconds, markup=markup)


@dataclass
class Notices:
    shown: list[tuple[int | None, Notification]] = field(default_factory=list)
    held: list[tuple[int | None, Notification]] = field(default_factory=list)

    def showing(self, about: int | None, notification: Notification) -> Notification:
        self.shown = [(a, n) for a, n in self.shown if not n.has_expired] + [(about, notification)]
        return notification

    def hold(self, about: int | None, notification: Notification) -> None:
        self.held.append((about, notification))

    def take_down(self) -> list[Notification]:
        """A form opened: what shows, to take down; each waits with the time it had left."""
        showing = [(a, n) for a, n in self.shown if not n.has_expired]
        self.shown = []
        for about, notification in showing:
            seconds = max(notification.time_left, LEAST_SECONDS)
            self.hold(
                about,
                notice(notification.message, notification.title, notification.severity, seconds, notification.markup),
            )
        return [n for _, n in showing]

    def release(self) -> list[Notification]:
        """The form closed: what waited, to show now (its time counted from now)."""
        held, self.held = self.held, []
        return [self.showing(about, notice(n.message, n.title, n.severity, n.timeout, n.markup)) for about, n in held]

    def read(self, concern_id: int) -> list[Notification]:
        """The call was opened: its notices, to take down; those waiting are dropped."""
        self.held = [(a, n) for a, n in self.held if a != concern_id]
        read = [n for a, n in self.shown if a == concern_id]
        self.shown = [(a, n) for a, n in self.shown if a != concern_id]
        return read
