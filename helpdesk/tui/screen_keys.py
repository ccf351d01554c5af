"""The helpline's keys on a screen, for the footer, `?` and the command palette alike.

A screen may say which of its keys matter for this person now, most important first, with
`keys_now()` (action names): its role and the call's state decide. The footer shows as many of
those as fit and always `? Help`; help and the palette list them first, then the screen's other
keys (refused to this person now, or not for this state), then the keys that work everywhere.
Only bindings with an id are the helpline's own: Textual's (copy, focus next, cursor keys) are
left out. `escape` and `q` on a screen that goes back are labelled with where they go.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.binding import Binding
from textual.screen import Screen

EVERYWHERE = "Everywhere"


@dataclass(frozen=True)
class ScreenKey:
    binding: Binding
    key: str  # as shown: "a", "esc", "^s", "⏎"
    description: str
    now: bool  # this person may use it now
    group: str  # the screen's title, or EVERYWHERE


def back_label(screen: Screen) -> str:
    """Where Esc goes from `screen`: the place beneath it ("Queue", "Review list")."""
    stack = screen.app.screen_stack
    if screen in stack and stack.index(screen) > 0:
        beneath = stack[stack.index(screen) - 1]
        return str(getattr(beneath, "PLACE", None) or beneath.title or "Back")
    return "Back"


def screen_keys(screen: Screen) -> list[ScreenKey]:
    """The screen's keys that this person may use now (in the screen's order of importance),
    then its other keys, then the app's."""
    app = screen.app
    own: dict[str, ScreenKey] = {}
    everywhere: list[ScreenKey] = []
    for active in screen.active_bindings.values():
        binding = active.binding
        if binding.id is None or not binding.description:
            continue
        description = back_label(screen) if binding.action == "back" else binding.description
        if active.node is app:
            everywhere.append(ScreenKey(binding, app.get_key_display(binding), description, True, EVERYWHERE))
        elif active.node is screen and binding.action not in own:
            own[binding.action] = ScreenKey(
                binding, app.get_key_display(binding), description, active.enabled, screen.title or ""
            )
    wanted = getattr(screen, "keys_now", None)
    order = list(wanted()) if wanted else [action for action, key in own.items() if key.now]
    now = [own[action] for action in order if action in own]
    later = [
        ScreenKey(key.binding, key.key, key.description, False, key.group)
        for action, key in own.items()
        if action not in order
    ]
    return now + later + everywhere


def footer_width(key: ScreenKey) -> int:
    """Columns one key takes in the footer (" key description ")."""
    return len(key.key) + len(key.description) + 3
