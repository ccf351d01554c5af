"""The queue's table draws again only the rows that changed: every line it shows must be the
very line a DataTable in the same state draws (text, styles, and the row number the mouse
reads), after rows are added, changed, removed and moved, with the cursor anywhere."""

from __future__ import annotations

import pytest
from rich.text import Text
from textual.app import App, ComposeResult
from textual.widgets import DataTable

from helpdesk.tui.widgets.row_cached_table import RowCachedTable


class OneTable(App[None]):
    def __init__(self, kind: type[DataTable], zebra: bool) -> None:
        super().__init__()
        self.kind, self.zebra = kind, zebra

    def compose(self) -> ComposeResult:
        yield self.kind(id="table", cursor_type="row", zebra_stripes=self.zebra)

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_column("Waiting", key="waiting")
        table.add_column("School", key="school")


def by_wait(cell: Text) -> int:
    return int(cell.plain.split()[0])


async def drawn_through_changes(kind: type[DataTable], zebra: bool) -> list[list[list]]:
    """Every line the table shows after each of a run of changes."""
    app, seen = OneTable(kind, zebra), []
    async with app.run_test(size=(60, 20)) as pilot:
        table = app.query_one(DataTable)

        async def look() -> None:
            await pilot.pause()
            seen.append([list(table.render_line(y)) for y in range(table.size.height)])

        for n in range(8):
            table.add_row(Text(f"{n + 1} min"), Text(f"School {n}"), key=str(n))
        await look()
        table.move_cursor(row=3)
        await look()
        table.add_row(Text("0 min"), Text("Newest"), key="new")
        table.sort("waiting", key=by_wait)  # the new row first: every other row moves down
        await look()
        table.update_cell("5", "school", Text("Renamed", style="bold"))
        await look()
        table.remove_row("2")
        await look()
        table.move_cursor(row=0)
        await look()
        table.blur()
        await look()
        await pilot.hover(DataTable, offset=(3, 4))
        await look()
        table.clear()
        table.add_row(Text("1 min"), Text("After clearing"), key="0")
        await look()
    return seen


@pytest.mark.parametrize("zebra", [False, True])
async def test_every_line_is_the_line_a_datatable_draws(zebra):
    cached = await drawn_through_changes(RowCachedTable, zebra)
    plain = await drawn_through_changes(DataTable, zebra)
    assert len(cached) == len(plain) == 9
    for step, (ours, theirs) in enumerate(zip(cached, plain, strict=True)):
        assert ours == theirs, f"after step {step}"


async def test_a_moved_row_is_clicked_as_the_row_it_now_is():
    """A line kept from before its row moved carries the row's new number for the mouse."""
    app = OneTable(RowCachedTable, zebra=False)
    async with app.run_test(size=(60, 30)) as pilot:
        cached = app.query_one(RowCachedTable)
        for n in range(5):
            cached.add_row(Text(f"{n + 1} min"), Text(f"School {n}"), key=str(n))
        await pilot.pause()
        cached.add_row(Text("0 min"), Text("Newest"), key="new")
        cached.sort("waiting", key=by_wait)
        await pilot.pause()
        third = cached.render_line(3)  # the header, then rows 0, 1, 2: "School 1" now
        assert "School 1" in third.text
        assert {segment.style.meta.get("row") for segment in third if segment.style and segment.style.meta} == {2}
