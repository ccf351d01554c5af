"""Keys your way: the config file's `[keys]` table gives a key of the console another key, by
the key's id (Textual's keymap), e.g.

    [keys]
    "call.reassign" = "ctrl+r"
    "app.go-to-call" = "f5"

Checked before the console opens, each problem in one line: an id no key has (with the
nearest one named), a key that is not text, and a key that would clash with another key of
the same screen (the keys that work everywhere included). The help and the footer then show
the keys as remapped, as they read the bindings in force.
"""

from __future__ import annotations

import difflib
import pkgutil
from importlib import import_module

from textual.binding import Binding
from textual.keys import _normalize_key_list  # (Textual pinned to the minor version, as keys.py's parser)
from textual.screen import Screen


class KeymapInvalid(ValueError):
    """The `[keys]` table cannot be used; str() says why in one line."""


def own_bindings(cls: type) -> list[Binding]:
    """The helpline's keys of a class (those with an id), its bases' first."""
    found: list[Binding] = []
    for klass in reversed(cls.__mro__):
        for binding in klass.__dict__.get("BINDINGS", []):
            if isinstance(binding, Binding) and binding.id is not None:
                found.append(binding)
    return found


def _subclasses(cls: type) -> list[type]:
    found: list[type] = []
    sub: type
    for sub in cls.__subclasses__():
        found += [sub, *_subclasses(sub)]
    return found


def scopes() -> dict[str, list[Binding]]:
    """Every screen and form of the console, by name, with the keys it answers to (the App's
    keys, which work everywhere, included)."""
    import helpdesk.tui.forms
    import helpdesk.tui.screens
    from helpdesk.tui.app import HelpdeskApp

    for package in (helpdesk.tui.screens, helpdesk.tui.forms):
        for module in pkgutil.iter_modules(package.__path__):
            import_module(f"{package.__name__}.{module.name}")
    everywhere = own_bindings(HelpdeskApp)
    return {
        str(getattr(cls, "TITLE", None) or cls.__name__): everywhere + own_bindings(cls)
        for cls in _subclasses(Screen)
        if cls.__module__.startswith("helpdesk.tui.")
    }


def checked_keymap(table: dict[str, object]) -> dict[str, str]:
    """The keymap to give the App, or KeymapInvalid."""
    if not table:
        return {}
    places = scopes()
    known = {binding.id for bindings in places.values() for binding in bindings if binding.id}
    keymap: dict[str, str] = {}
    for key_id, keys in table.items():
        if key_id not in known:
            near = difflib.get_close_matches(key_id, sorted(known), n=1)
            hint = f" (did you mean {near[0]!r}?)" if near else ""
            raise KeymapInvalid(f"[keys]: no key has the id {key_id!r}{hint}")
        if not isinstance(keys, str) or not keys.strip() or any(not k.strip() for k in keys.split(",")):
            raise KeymapInvalid(f'[keys]: {key_id!r} needs a key as text, such as "ctrl+r" or "f5"')
        keymap[key_id] = _normalize_key_list(keys)
    for place, bindings in sorted(places.items()):
        taken: dict[str, Binding] = {}
        for binding in bindings:
            for key in keymap.get(str(binding.id), _normalize_key_list(binding.key)).split(","):
                other = taken.get(key)
                if other is not None and other.id != binding.id and (binding.id in keymap or other.id in keymap):
                    first, second = (binding, other) if binding.id in keymap else (other, binding)
                    raise KeymapInvalid(
                        f"[keys]: {first.id!r} on {key!r} clashes with {second.id!r} ({second.description}) on {place}"
                    )
                taken[key] = binding
    return keymap
