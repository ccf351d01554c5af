"""How the console looks: the standard theme, a high-contrast one, and a monochrome one for
terminals and people that want no colour (`NO_COLOR`), and how each shows a queue row's state.

Colour never carries a state alone: the queue also says OVERDUE or DUE SOON in words, and
marks urgent calls with `!`. The monochrome theme draws in black and white only and shows the
rest with bold, underline and reverse, so that Textual's NO_COLOR filter (which turns every
colour into a grey) has nothing faint to turn into near-black.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.theme import Theme

STANDARD = "standard"
HIGH_CONTRAST = "high-contrast"
MONOCHROME = "monochrome"
CHOICES = (STANDARD, HIGH_CONTRAST, MONOCHROME)

WHITE, BLACK = "#ffffff", "#000000"

# Textual theme names; the standard one is Textual's own dark theme
TEXTUAL_THEME = {STANDARD: "textual-dark", HIGH_CONTRAST: "helpdesk-high-contrast", MONOCHROME: "helpdesk-monochrome"}

HELPDESK_THEMES = [
    Theme(
        name=TEXTUAL_THEME[HIGH_CONTRAST],
        primary="#ffff00",  # black text on yellow bars
        secondary="#00ffff",
        accent="#ffff00",
        warning="#ffaf00",
        error="#ff5f5f",
        success="#5fff5f",
        foreground=WHITE,
        background=BLACK,
        surface=BLACK,
        panel=BLACK,
        boost="#1c1c1c",
        dark=True,
        text_alpha=1.0,
        variables={
            "block-cursor-background": WHITE,
            "block-cursor-foreground": BLACK,
            "block-cursor-text-style": "bold",
            "block-cursor-blurred-background": "#5f5f5f",
            "block-cursor-blurred-foreground": WHITE,
            "input-cursor-text-style": "reverse",
            "footer-key-foreground": "#ffff00",
            "footer-description-foreground": WHITE,
            "footer-background": BLACK,
            "border": "#ffff00",
            "border-blurred": WHITE,
        },
    ),
    Theme(
        name=TEXTUAL_THEME[MONOCHROME],
        primary=WHITE,  # bars are black on white: reverse
        secondary=WHITE,
        accent=WHITE,
        warning=WHITE,
        error=WHITE,
        success=WHITE,
        foreground=WHITE,
        background=BLACK,
        surface=BLACK,
        panel=BLACK,
        boost=BLACK,
        dark=True,
        text_alpha=1.0,
        variables={
            "block-cursor-background": WHITE,
            "block-cursor-foreground": BLACK,
            "block-cursor-text-style": "bold",
            "block-cursor-blurred-background": BLACK,
            "block-cursor-blurred-foreground": WHITE,
            "block-cursor-blurred-text-style": "underline",
            "input-cursor-background": WHITE,
            "input-cursor-foreground": BLACK,
            "input-cursor-text-style": "none",
            "input-selection-background": WHITE,
            "footer-key-foreground": WHITE,
            "footer-description-foreground": WHITE,
            "footer-background": BLACK,
            "footer-key-background": BLACK,
            "border": WHITE,
            "border-blurred": WHITE,
            "scrollbar": WHITE,
            "scrollbar-background": BLACK,
            "text-muted": WHITE,
            "text-disabled": WHITE,
            "foreground-muted": WHITE,
        },
    ),
]


class ThemeUnknown(ValueError):
    """A theme was asked for by a name the console does not have."""


def chosen_theme(asked: str | None, no_color: bool) -> str:
    """The console's theme: monochrome whenever NO_COLOR is set (whatever else was asked for:
    colour would be filtered to grey anyway), else the one asked for, else the standard one."""
    if asked and asked not in CHOICES:
        raise ThemeUnknown(f"there is no theme {asked!r}: choose one of {', '.join(CHOICES)}")
    if no_color:
        return MONOCHROME
    return asked or STANDARD


@dataclass(frozen=True)
class RowLooks:
    """Rich styles for the states of a queue row, in one theme. None of them sets a background,
    so that the selected row's cursor shows through every state."""

    urgent_marker: str  # the `!` of an urgent call
    nearing: str  # waiting, close to the time-to-claim target: DUE SOON
    overdue: str  # waiting past the target: OVERDUE
    claimed: str  # held by a senior


ROW_LOOKS = {
    TEXTUAL_THEME[STANDARD]: RowLooks(urgent_marker="bold red", nearing="yellow", overdue="bold red", claimed="dim"),
    TEXTUAL_THEME[HIGH_CONTRAST]: RowLooks(
        urgent_marker="bold #ff5f5f", nearing="bold #ffff00", overdue="bold underline #ff5f5f", claimed="#d0d0d0"
    ),
    TEXTUAL_THEME[MONOCHROME]: RowLooks(urgent_marker="bold", nearing="bold", overdue="bold underline", claimed=""),
}


def row_looks(textual_theme: str) -> RowLooks:
    """The row styles for a theme; a theme of Textual's own (picked from the palette) gets the
    standard colours."""
    return ROW_LOOKS.get(textual_theme, ROW_LOOKS[TEXTUAL_THEME[STANDARD]])
