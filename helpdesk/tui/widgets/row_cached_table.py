"""A DataTable that draws again only the rows that changed.

Textual's DataTable forgets every drawn line whenever any row is added, changed, removed or
moved, so each change to the queue drew every row in view again, in every console (about 50 ms
of CPU a change at 100x30: times fifty consoles, more than two cores). This table keeps each
row's drawn line by what it is drawn from: the row, its version (every change to one of its
cells makes a new one), whether the cursor or the mouse is on it, the columns' widths, the
width and scroll and the table's focus and styles. A row that moved is not drawn again: only
the row number its line carries for the mouse is brought up to date.

Used where rows change while a person works (the queue); anything it does not handle (a
header, row labels, fixed rows or columns, a cursor other than the row cursor) is drawn as
DataTable draws it."""

from __future__ import annotations

from itertools import count
from typing import Any

from rich.segment import Segment
from rich.style import Style
from textual.cache import LRUCache
from textual.strip import Strip
from textual.widgets import DataTable
from textual.widgets.data_table import CellType, ColumnKey, RowKey

DRAWN_KEPT = 2000  # lines kept: the rows of a long queue, with and without the cursor on them


class RowCachedTable(DataTable[CellType]):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._versions: dict[RowKey, int] = {}
        self._next_version = count()
        self._drawn: LRUCache[tuple[Any, ...], tuple[Strip, int]] = LRUCache(DRAWN_KEPT)

    # --- every change to a row gives it a new version ---------------------------------------

    def add_row(self, *cells: CellType, height: int | None = 1, key: str | None = None, label: Any = None) -> RowKey:
        row_key = super().add_row(*cells, height=height, key=key, label=label)
        self._versions[row_key] = next(self._next_version)
        return row_key

    def update_cell(
        self, row_key: RowKey | str, column_key: ColumnKey | str, value: CellType, *, update_width: bool = False
    ) -> None:
        super().update_cell(row_key, column_key, value, update_width=update_width)
        self._versions[RowKey(row_key) if isinstance(row_key, str) else row_key] = next(self._next_version)

    def remove_row(self, row_key: RowKey | str) -> None:
        super().remove_row(row_key)
        self._versions.pop(RowKey(row_key) if isinstance(row_key, str) else row_key, None)

    def clear(self, columns: bool = False) -> RowCachedTable[CellType]:
        super().clear(columns)
        self._versions.clear()
        self._drawn.clear()
        return self

    def notify_style_update(self) -> None:
        self._drawn.clear()  # (a theme changed: every line is drawn again)
        super().notify_style_update()

    # --- drawing ----------------------------------------------------------------------------

    def _render_line(self, y: int, x1: int, x2: int, base_style: Style) -> Strip:
        if (
            self.cursor_type not in ("row", "none")
            or self.fixed_rows
            or self.fixed_columns
            or self.show_row_labels
            and self._labelled_row_exists
        ):
            return super()._render_line(y, x1, x2, base_style)
        try:
            row_key, line_in_row = self._get_offsets(y)
        except LookupError:
            return super()._render_line(y, x1, x2, base_style)
        version = self._versions.get(row_key)
        if row_key is self._header_row_key or version is None:
            return super()._render_line(y, x1, x2, base_style)
        row = self._row_locations.get(row_key)
        row_cursor = self.cursor_type == "row"
        key = (
            row_key,
            version,
            line_in_row,
            x1,
            x2,
            self.size.width,
            tuple(column.get_render_width(self) for column in self.ordered_columns),
            row_cursor and self.show_cursor and row == self.cursor_coordinate.row,
            row_cursor and self._show_hover_cursor and row == self.hover_coordinate.row,
            self.show_cursor,
            self.cursor_type,
            self.zebra_stripes and row is not None and row % 2,
            base_style,
            self._pseudo_class_state,
        )
        drawn = self._drawn.get(key)
        if drawn is None:
            strip = super()._render_line(y, x1, x2, base_style)
        elif drawn[1] == row:
            return drawn[0]
        else:  # the same row, moved: only the row number the mouse reads is not the same
            moved = Style.from_meta({"row": row})
            strip = Strip(list(Segment.apply_style(list(drawn[0]), post_style=moved)), drawn[0].cell_length)
        self._drawn[key] = (strip, row if row is not None else -1)
        return strip
