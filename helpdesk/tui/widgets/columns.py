"""Table columns laid out to the width, and the cells the tables share (a call's age, a short name)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.widgets import DataTable

from helpdesk.domain.types import Urgency

if TYPE_CHECKING:
    pass


def lay_out_columns(table: DataTable, columns: list[tuple[str, str, int | None]], width: int, least: int = 16) -> None:
    """Clear the table and give it these columns (key, heading, width): the one without a width
    takes what is left of `width`, at least `least`."""
    fixed = sum(column_width for _, _, column_width in columns if column_width)
    rest = max(least, width - fixed - 2 * table.cell_padding * len(columns) - 2)
    table.clear(columns=True)
    for key, heading, column_width in columns:
        table.add_column(heading, width=column_width or rest, key=key)


# a waiting call's state in words as well as in colour
STATE_CUE = {Urgency.WITHIN: "", Urgency.NEARING: "DUE SOON", Urgency.OVERDUE: "OVERDUE"}


def age_cell(age: str, band: Urgency | None) -> str:
    """'42 min' within the target; 'OVERDUE 42m', 'DUE SOON 9m' or 'OVERDUE 2h05' past it."""
    cue = STATE_CUE[band] if band else ""
    if not cue:
        return age
    return f"{cue} {age.replace(' min', 'm').replace(' h ', 'h').replace(' d ', 'd').replace(' ', '')}"


def short_name(name: str | None, login: str | None) -> str:
    """'B. Morgan' from 'Bethan Morgan'."""
    if not name:
        return login or ""
    parts = name.split()
    return f"{parts[0][0]}. {' '.join(parts[1:])}" if len(parts) > 1 else name
