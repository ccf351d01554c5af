"""Export calls, the pause or risk register, or the audit trail from the review screen (the same
export as the CLI)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from textual.app import ComposeResult
from textual.widgets import Input, Select

from helpdesk.domain.refusals import FieldsInvalid, Refused
from helpdesk.tui.forms.base import FormField, FormScreen, chosen
from helpdesk.tui.widgets.tick_box import TickBox


class ExportForm(FormScreen):
    TITLE = "Export"

    def __init__(self, start: dt.date | None, end: dt.date | None, what: str = "calls") -> None:
        super().__init__()
        self.start, self.end, self.what = start, end, what

    def form_fields(self) -> ComposeResult:
        today = self.app.clock.now().date()
        start = self.start or today - dt.timedelta(days=today.weekday() + 7)
        end = self.end or start + dt.timedelta(days=6)
        yield FormField(
            "what",
            "Export",
            Select(
                [
                    ("Calls", "calls"),
                    ("Pause register", "pauses"),
                    ("Risk register", "risks"),
                    ("Audit trail", "audit"),
                ],
                value=self.what,
                allow_blank=False,
                id="export-what",
            ),
        )
        yield FormField("start", "From", Input(start.isoformat(), id="export-from"))
        yield FormField("end", "To", Input(end.isoformat(), id="export-to"))
        yield FormField(
            "format",
            "Format",
            Select([("CSV", "csv"), ("JSON", "json")], value="csv", allow_blank=False, id="export-format"),
        )
        yield FormField(
            "redact", "Redact", TickBox("Drop names, phone numbers and free text", value=True, id="export-redact")
        )
        yield FormField("path", "File", Input(str(Path.cwd() / f"helpdesk-{start}-{end}.csv"), id="export-path"))

    def save(self, values: dict[str, object]) -> None:
        errors = {}
        days = {}
        for name in ("start", "end"):
            try:
                days[name] = dt.date.fromisoformat(str(values[name]).strip())
            except ValueError:
                errors[name] = "A date, as YYYY-MM-DD"
        path = Path(str(values["path"]).strip()).expanduser()
        if not str(values["path"]).strip():
            errors["path"] = "Where to write the export"
        elif not path.parent.is_dir():
            errors["path"] = f"No such folder: {path.parent}"
        if not errors and days["end"] < days["start"]:
            errors["end"] = "Before the start"
        if errors:
            raise FieldsInvalid(errors)
        self.app.desk.check_may_export()  # before a file is made
        what = chosen(values["what"])
        try:
            with self.app.desk.open_export_file(path) as out:
                count = self.app.desk.export(
                    what, days["start"], days["end"], chosen(values["format"]), bool(values["redact"]), out
                )
        except OSError as error:
            raise Refused(f"Cannot write {path}: {error.strerror}") from None
        withheld = (
            self.app.desk.withheld_from_export(days["start"], days["end"])
            if what in ("calls", "pauses", "risks")
            else 0
        )
        kept = f"; {withheld} call(s) you are tied to withheld" if withheld else ""
        self.app.call_from_thread(self.app.notify, f"Exported {count} record(s) to {path}{kept}")
