"""The footer: the keys that matter now, most important first, as many as fit, and always Help."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

from helpdesk.tui.screen_keys import EVERYWHERE, footer_width, screen_keys

if TYPE_CHECKING:
    pass


class KeysFooter(Footer):
    """The keys that matter to this person now, as many as fit the width, most important
    first, and always `? Help` (which lists the rest)."""

    def __init__(self) -> None:
        super().__init__(show_command_palette=False)
        self.laid_out_for = 0

    def compose(self) -> ComposeResult:
        keys = screen_keys(self.screen)
        helps = [key for key in keys if key.group == EVERYWHERE and key.binding.action == "help"][:1]
        room = (self.size.width or self.app.size.width) - sum(footer_width(key) for key in helps)
        shown = []
        for key in keys:
            if key.group == EVERYWHERE or not key.now or not key.binding.show:
                continue
            if footer_width(key) > room:
                break
            room -= footer_width(key)
            shown.append(key)
        self.styles.grid_size_columns = len(shown) + len(helps)
        for key in shown + helps:
            yield FooterKey(key.binding.key, key.key, key.description, key.binding.action).data_bind(
                compact=Footer.compact
            )

    def on_resize(self) -> None:
        if self.size.width != self.laid_out_for:
            self.laid_out_for = self.size.width
            self.call_after_refresh(self.recompose)
