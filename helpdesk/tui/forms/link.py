"""Link the call with another about the same inspection or the same matter."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Select

from helpdesk.clock import london
from helpdesk.domain.types import LinkKind
from helpdesk.store.rows import CallDetail
from helpdesk.tui.forms.base import CallForm, FormField, chosen, options


class LinkForm(CallForm):
    TITLE = "Link with another call"
    detail: CallDetail

    def form_fields(self) -> ComposeResult:
        calls = [
            (
                f"{c.id} · {london(c.received_at).format('ddd D MMM HH:mm')} · {c.what} · {c.status}",
                c.id,
            )
            for c in self.detail.related
            if c.link is None
        ]
        yield FormField("other", "Call", Select(calls, prompt="— choose —", id="link-other"))
        yield FormField(
            "kind",
            "Why",
            Select(options(LinkKind), value=LinkKind.SAME_INSPECTION.value, allow_blank=False, id="link-kind"),
        )

    def save(self, values: dict[str, object]) -> int:
        other = chosen(values["other"])
        if not other:
            from helpdesk.domain.refusals import FieldsInvalid

            raise FieldsInvalid({"other": "Choose the call to link"})
        return self.app.desk.link_calls(self.detail.id, int(other), chosen(values["kind"]))
