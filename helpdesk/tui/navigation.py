"""Screens opened by name. Screens never import one another: a screen that opens another asks
for it here by name, and this is the one place screen and form modules are imported lazily, so
that a screen's module loads when it is first opened, not at start-up (a test checks that the
modules kept out of start-up stay out of it)."""

from __future__ import annotations

from importlib import import_module
from typing import Any

from textual.app import App
from textual.screen import Screen

# name: (module, class)
SCREENS: dict[str, tuple[str, str]] = {
    "queue": ("helpdesk.tui.screens.queue", "QueueScreen"),
    "call": ("helpdesk.tui.screens.call", "CallScreen"),
    "school history": ("helpdesk.tui.screens.school_history", "SchoolHistoryScreen"),
    "feedback": ("helpdesk.tui.screens.feedback", "FeedbackScreen"),
    "review list": ("helpdesk.tui.screens.review", "ReviewScreen"),
    "learning reviews": ("helpdesk.tui.screens.learning", "LearningReviewScreen"),
    "statistics": ("helpdesk.tui.screens.statistics", "StatisticsScreen"),
    "pause register": ("helpdesk.tui.screens.pause_register", "PauseRegisterScreen"),
    "rota": ("helpdesk.tui.screens.rota", "RotaScreen"),
    "look up": ("helpdesk.tui.screens.look_up", "LookUpScreen"),
    "help": ("helpdesk.tui.screens.help", "HelpScreen"),
    "new concern": ("helpdesk.tui.forms.intake", "IntakeForm"),
    "export": ("helpdesk.tui.forms.export", "ExportForm"),
}


def screen_class(name: str) -> type[Screen[Any]]:
    """The class of the screen called `name` (its module imported now if it was not yet)."""
    module, cls = SCREENS[name]
    found: type[Screen[Any]] = getattr(import_module(module), cls)
    return found


def make(name: str, *args: Any, **kwargs: Any) -> Screen[Any]:
    """A new screen called `name`, made with these arguments (safe in a worker thread: it only
    builds the screen, which is then pushed on the App's thread)."""
    return screen_class(name)(*args, **kwargs)


def show(app: App[Any], name: str, *args: Any, callback: Any = None, **kwargs: Any) -> None:
    """Open the screen called `name` on top of the current one."""
    app.push_screen(make(name, *args, **kwargs), callback)
