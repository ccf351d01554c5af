"""The shape every form shares: labelled fields with their error beside them, Ctrl+S to save,
Esc to cancel. Saving runs the store command in a thread; a refusal keeps everything typed, and
so does leaving: Esc on a form with typed content asks whether to keep it as a draft (restored
when the same form is opened on the same call again in this session) or discard it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Button, Checkbox, Input, Label, Select, Static, TextArea
from textual.widgets.select import InvalidSelectValueError

from helpdesk.domain.phones import PhoneInvalid, parse_gb_phone
from helpdesk.domain.refusals import FieldsInvalid, Refused
from helpdesk.store.faults import DatabaseUnavailable, unavailable
from helpdesk.tui.forms.discard_prompt import DISCARD, KEEP, DiscardPrompt

if TYPE_CHECKING:
    from helpdesk.tui.app import HelpdeskApp


FOCUS_MARK = "▶ "


class FormField(Vertical):
    """A label beside its input widget (compact, one line where it can be), then the line where
    a hint (such as a computed date) or its error shows."""

    def __init__(self, name: str, label: str, widget: Widget, hint: str = "") -> None:
        multiline = " -multiline" if isinstance(widget, TextArea) else ""
        super().__init__(classes="form-field" + multiline, id=f"field-{name}")
        self.field_name = name
        self.label = label
        self.widget = widget
        self.hint = hint

    def compose(self) -> ComposeResult:
        if hasattr(self.widget, "compact"):
            self.widget.compact = True
        if hasattr(self.widget, "cursor_blink"):
            self.widget.cursor_blink = False  # a steady cursor: no repaint twice a second over SSH
        with Horizontal(classes="field-row"):
            yield Label(f"  {self.label}", classes="field-label")
            yield self.widget
        yield FieldNote(self.hint, classes="field-hint", id=f"hint-{self.field_name}")
        yield FieldNote("", classes="field-error", id=f"error-{self.field_name}")

    def on_descendant_focus(self) -> None:
        self.mark_focus()

    def on_descendant_blur(self) -> None:
        # (a Select's menu closing blurs the menu after its Select has the focus back)
        self.call_after_refresh(self.mark_focus)

    def mark_focus(self) -> None:
        """The field being typed in is marked in words as well as in reverse: ▶ before its label."""
        label = next(iter(self.query(".field-label").results(Label)), None)
        if label is None or not self.is_attached:
            return  # (the form is closing)
        focused = self.screen.focused
        here = focused is not None and self in focused.ancestors_with_self
        label.update(f"{FOCUS_MARK if here else '  '}{self.label}")
        self.set_class(here, "-focused")

    def show_error(self, reason: str | None) -> None:
        self.query_one(f"#error-{self.field_name}", FieldNote).update(reason or "")
        self.set_class(bool(reason), "-invalid")


class FieldNote(Static):
    """A hint or an error under a field: takes no room while empty."""

    def update(self, content="", **kwargs) -> None:
        super().update(content, **kwargs)
        self.set_class(not content, "-empty")

    def on_mount(self) -> None:
        self.set_class(not str(self.content), "-empty")


class FormScreen(ModalScreen[object]):
    """A form over the screen it came from. Subclasses give `TITLE`, `form_fields()` and `save()`."""

    if TYPE_CHECKING:

        @property
        def app(self) -> HelpdeskApp:  # type: ignore[override]  # the console's App, with its desk
            ...

    AUTO_FOCUS = ".field-row > *"  # the first field, not the scrolling container
    HOLDS_KEYS = ("form-save",)  # keys typed after Ctrl+S wait for the save (see tui.keys)
    BINDINGS = [
        Binding("ctrl+s", "save", "Save", id="form.save", priority=True),
        Binding("escape", "cancel", "Cancel", id="form.cancel"),
    ]

    @dataclass
    class Refusal(Message):
        errors: dict[str, str]
        general: str | None

    def compose(self) -> ComposeResult:
        with Vertical(id="form-box"):
            yield Static(self.TITLE or "", id="form-title")
            with VerticalScroll(id="form-fields"):
                yield from self.form_fields()
            with Vertical(id="form-foot"):
                yield Static("", id="form-error", classes="-empty")
                with Horizontal(id="form-buttons"):
                    yield Button("Save  Ctrl+S", id="form-save", variant="primary")
                    yield Button("Cancel  Esc", id="form-cancel")

    def form_fields(self) -> ComposeResult:
        raise NotImplementedError

    # --- drafts ---------------------------------------------------------------------------

    @property
    def draft_key(self) -> tuple[str, object]:
        """Which draft this form keeps: one per form and call."""
        return (type(self).__name__, getattr(getattr(self, "detail", None), "id", None))

    def on_mount(self) -> None:
        """Runs after a subclass's own on_mount: what the form opened with, then any draft."""
        self.opened_with = self.values()
        if draft := self.app.drafts.get(self.draft_key):
            self.restore(draft)
            self.show_note("Restored what you typed before; Ctrl+S saves it, Esc asks before discarding it.")

    def restore(self, draft: dict[str, object]) -> None:
        for form_field in self.query(FormField):
            if form_field.field_name not in draft:
                continue
            value, widget = draft[form_field.field_name], form_field.widget
            if isinstance(widget, TextArea):
                widget.load_text(str(value))
            elif isinstance(widget, Select):
                try:
                    widget.value = value
                except InvalidSelectValueError:  # a choice no longer offered: left unchosen
                    pass
            elif isinstance(widget, Input):
                widget.value = str(value)
            elif isinstance(widget, Checkbox):
                widget.value = bool(value)

    def typed(self) -> bool:
        """Does the form hold anything beyond what it opened with?"""
        return self.values() != getattr(self, "opened_with", self.values())

    def keep_draft(self, values: dict[str, object] | None = None) -> None:
        self.app.drafts[self.draft_key] = self.values() if values is None else values

    def forget_draft(self) -> None:
        self.app.drafts.pop(self.draft_key, None)

    def refuse_paste(self, refusal: str) -> None:
        """A paste refused: the reason under the field it was pasted into."""
        focused = self.focused
        field = next((n for n in focused.ancestors_with_self if isinstance(n, FormField)), None) if focused else None
        if field is not None:
            field.show_error(refusal)
        else:
            self.show_note(refusal)

    def show_note(self, text: str) -> None:
        banner = self.query_one("#form-error", Static)
        banner.update(text)
        banner.set_class(not text, "-empty")

    def values(self) -> dict[str, object]:
        """What is typed and chosen, by field name (Select.NULL for nothing chosen)."""
        found: dict[str, object] = {}
        for form_field in self.query(FormField):
            widget = form_field.widget
            if isinstance(widget, TextArea):
                found[form_field.field_name] = widget.text
            elif isinstance(widget, (Input, Select)):
                found[form_field.field_name] = widget.value
            elif hasattr(widget, "value"):
                found[form_field.field_name] = widget.value
        return found

    def check_phone(self, field_name: str, text: str, extension_in: str) -> None:
        """Validated as you type: the number's E.164 form, or why it is not a UK number (as the
        form's own check will say it: `extension_in` is where the form has room for one)."""
        hint = self.query_one(f"#hint-{field_name}", FieldNote)
        form_field = self.query_one(f"#field-{field_name}", FormField)
        if not text.strip():
            hint.update("")
            form_field.show_error(None)
            return
        try:
            hint.update(f"✓ {parse_gb_phone(text, extension_in)}")
            form_field.show_error(None)
        except PhoneInvalid as invalid:
            hint.update("")
            form_field.show_error(str(invalid))

    def save(self, values: dict[str, object]) -> object:
        """Run the store command (in a worker thread). Raise FieldsInvalid or Refused to refuse.
        What it returns (such as a new call's number) is what the form is dismissed with."""
        raise NotImplementedError

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "form-save":
            self.action_save()
        else:
            self.action_cancel()

    def action_cancel(self) -> None:
        if not self.typed():
            self.forget_draft()
            self.dismiss(False)
            return

        def chosen_by_user(choice: str | None) -> None:
            if choice == KEEP:
                self.keep_draft()
                self.dismiss(False)
            elif choice == DISCARD:
                self.forget_draft()
                self.dismiss(False)

        on_a_call = self.draft_key[1] is not None  # a new concern has no call yet
        self.app.push_screen(DiscardPrompt(self.TITLE or "This form", for_a_call=on_a_call), chosen_by_user)

    def action_save(self) -> None:
        self.query_one("#form-save", Button).disabled = True
        self.run_save(self.values())

    @work(thread=True, exclusive=True, group="form-save")
    def run_save(self, values: dict[str, object]) -> None:
        try:
            result = self.save(values)
        except FieldsInvalid as invalid:
            self.app.call_from_thread(self.keep_draft, values)
            self.post_message(self.Refusal(invalid.errors, None))
        except Refused as refused:
            self.app.call_from_thread(self.keep_draft, values)
            self.post_message(self.Refusal({}, str(refused)))
        except DatabaseUnavailable as error:  # a database fault: say so, keep the entry
            self.post_message(
                self.Refusal(
                    {},
                    f"Not saved — {unavailable(error)}. Everything you typed is kept: press Ctrl+S to try again.",
                )
            )
        else:
            self.app.call_from_thread(self.forget_draft)
            self.app.call_from_thread(self.dismiss, True if result is None else result)

    def on_form_screen_refusal(self, message: Refusal) -> None:
        self.query_one("#form-save", Button).disabled = False
        fields = {form_field.field_name: form_field for form_field in self.query(FormField)}
        general = [message.general] if message.general else []
        for name, form_field in fields.items():
            form_field.show_error(message.errors.get(name))
        general += [reason for name, reason in message.errors.items() if name not in fields]
        banner = self.query_one("#form-error", Static)
        banner.update("\n".join(general))
        banner.set_class(not general, "-empty")
        first_invalid = next((f for f in fields.values() if f.has_class("-invalid")), None)
        if first_invalid is not None:
            first_invalid.widget.focus()
            first_invalid.scroll_visible()


class CallForm(FormScreen):
    """A form about one call: it keeps the call's details for its fields and its command."""

    def __init__(self, detail) -> None:
        super().__init__()
        self.detail = detail


def chosen(value: object) -> str:
    """A Select's value as text ('' for nothing chosen)."""
    return "" if value is Select.NULL or value is None else str(value)


def options(labelled) -> list[tuple[str, str]]:
    """A Select's options from an enum whose members have labels."""
    return [(member.label, member.value) for member in labelled]
