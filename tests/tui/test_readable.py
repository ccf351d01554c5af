"""Readable and operable by everyone, in any terminal, at 80x24: states in words as well as in
colour, a monochrome theme under NO_COLOR, the focus visible, the keys that fit, help and the
palette that show the helpline's actions, filter errors that say what to do, and snapshots
taken as a NO_COLOR xterm would show them."""

import pytest
from rich.style import Style
from rich.text import Text
from textual.widgets import Checkbox, DataTable, Input, Static
from textual.widgets._footer import FooterKey

from helpdesk.store import commands
from helpdesk.tui.forms.base import FOCUS_MARK, FormField, FormScreen
from helpdesk.tui.screens.call import CallScreen
from helpdesk.tui.screens.help import HelpScreen
from helpdesk.tui.screens.queue import QueueHeader
from helpdesk.tui.screens.review import ReviewScreen
from helpdesk.tui.themes import MONOCHROME, TEXTUAL_THEME, ThemeUnknown, chosen_theme
from support import closed_call, console, seed_queue, settle


@pytest.fixture
def no_color(monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("TERM", "xterm")


async def on_the_review_list(pilot) -> ReviewScreen:
    """From the queue, as a supervisor: `v`, and the review list is in front."""
    await settle(pilot)
    await pilot.press("v")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, ReviewScreen)
    return screen


def footer(app) -> list[tuple[str, str]]:
    return [(key.key_display, key.description) for key in app.screen.query(FooterKey)]


def footer_fits(app, width: int) -> bool:
    return all(key.region.right <= width for key in app.screen.query(FooterKey))


# --- 1. urgency never depends on colour ------------------------------------------------------


def test_no_color_always_chooses_the_monochrome_theme():
    assert chosen_theme(None, no_color=True) == MONOCHROME
    assert chosen_theme("high-contrast", no_color=True) == MONOCHROME
    assert chosen_theme("high-contrast", no_color=False) == "high-contrast"
    assert chosen_theme(None, no_color=False) == "standard"
    with pytest.raises(ThemeUnknown, match="choose one of standard, high-contrast, monochrome"):
        chosen_theme("neon", no_color=False)


async def test_under_no_color_overdue_rows_say_so_and_are_drawn_bold_and_underlined(engine, clock, policy, no_color):
    seed_queue(engine, clock)  # waiting 42, 31, 18, 12, 9, 6, 3 and 1 minutes
    app = console(engine, clock, policy, "akhan")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert app.theme == TEXTUAL_THEME[MONOCHROME]
        table = app.screen.query_one(DataTable)
        cells = [table.get_row(key)[0] for key in table.rows]
        ages = [cell.plain for cell in cells]
        overdue = [cell for cell in cells if "OVERDUE" in cell.plain]
        assert overdue and any("DUE SOON" in age for age in ages) and any(age.strip().endswith("min") for age in ages)
        for cell in overdue:
            [cue] = [span for span in cell.spans if "OVERDUE" in cell.plain[span.start : span.end]]
            assert Style.parse(str(cue.style)) == Style(bold=True, underline=True)
        # not one colour in any row: the states are words, bold and underline
        for key in table.rows:
            for cell in table.get_row(key):
                for span in cell.spans if isinstance(cell, Text) else ():
                    style = Style.parse(str(span.style)) if isinstance(span.style, str) else span.style
                    assert style.color is None and style.bgcolor is None, (cell.plain, span.style)
        header = str(app.screen.query_one(QueueHeader).render())
        assert f"{len(overdue)} OVERDUE" in header


async def test_the_high_contrast_theme_can_be_chosen(engine, clock, policy):
    seed_queue(engine, clock)
    app = console(engine, clock, policy, "akhan")
    app.theme = TEXTUAL_THEME["high-contrast"]
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        background = app.theme_variables["background"].lower()
        assert background in ("#000000", "#000")
        table = app.screen.query_one(DataTable)
        assert any("OVERDUE" in table.get_row(key)[0].plain for key in table.rows)


# --- 2. you can see where you are -------------------------------------------------------------


async def test_the_focused_field_is_marked_in_words_and_follows_the_focus(engine, clock, policy, no_color):
    app = console(engine, clock, policy, "rdouglas")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(app.screen, FormScreen)
        for _ in range(3):
            marked = [field for field in app.screen.query(FormField) if field.has_class("-focused")]
            assert len(marked) == 1
            [field] = marked
            assert field.widget.has_focus
            label = str(field.query_one(".field-label", Static).render())
            assert label.startswith(FOCUS_MARK.strip())
            style = field.query_one(".field-label", Static).styles.text_style
            assert style.reverse and style.bold
            await pilot.press("tab")
            await settle(pilot)
        assert all(not widget.cursor_blink for widget in app.screen.query("Input, TextArea"))


async def test_the_mark_stays_on_a_menu_field_after_choosing_from_it(engine, clock, policy):
    app = console(engine, clock, policy, "rdouglas")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        await pilot.press("tab", "tab", "enter", "down", "enter")  # Caller's role: the first choice
        await settle(pilot)
        await pilot.pause()
        marked = [field.field_name for field in app.screen.query(FormField) if field.has_class("-focused")]
        assert marked == ["caller_role"]
        assert str(app.screen.query_one("#field-caller_role .field-label", Static).render()).startswith("▶")


async def test_a_ticked_and_an_unticked_checkbox_differ_in_writing(engine, clock, policy, no_color):
    app = console(engine, clock, policy, "rdouglas")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        box = app.screen.query_one(Checkbox)
        unticked = box.render().plain
        box.value = True
        await pilot.pause()
        ticked = box.render().plain
        assert "X" in ticked and "X" not in unticked and len(ticked) == len(unticked)
        assert box.has_class("-on")  # Textual's own handling of the value still runs


async def test_the_selected_queue_row_stands_out_in_monochrome(engine, clock, policy, no_color):
    seed_queue(engine, clock)
    app = console(engine, clock, policy, "akhan")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        table = app.screen.query_one(DataTable)
        cursor = table.get_component_rich_style("datatable--cursor")
        assert cursor.bgcolor is not None and cursor.bgcolor.triplet.hex == "#ffffff"
        assert table.background_colors[1].brightness < 0.1  # white on near-black


# --- 3. the keys fit --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("login", "wanted"),
    [
        ("akhan", ["Open call", "Claim", "New concern", "My feedback", "Quit", "Help"]),
        ("lpark", ["Open call", "Claim", "Review", "Statistics", "New concern", "Help"]),
        ("rdouglas", ["Open call", "New concern", "Quit", "Help"]),
    ],
)
async def test_the_queue_footer_shows_what_this_role_does_and_help(engine, clock, policy, login, wanted):
    seed_queue(engine, clock)
    app = console(engine, clock, policy, login)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.pause()
        shown = [description for _, description in footer(app)]
        assert all(description in shown for description in wanted), shown
        assert shown[-1] == "Help" and footer_fits(app, 80)
        if login == "rdouglas":  # a handler never sees keys refused to the role
            assert "Claim" not in shown and "Review" not in shown


async def test_the_call_footer_follows_the_call_and_esc_says_where_it_goes(engine, clock, policy):
    [waiting] = seed_queue(engine, clock, ages_min=(5,))
    app = console(engine, clock, policy, "gsingh")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        await pilot.pause()
        shown = [description for _, description in footer(app)]
        assert shown[:2] == ["Queue", "Claim"] and "Advice" not in shown and shown[-1] == "Help"
        await pilot.press("c")
        await settle(pilot)
        await pilot.pause()
        shown = [description for _, description in footer(app)]
        assert "Claim" not in shown
        assert [d for d in shown if d in ("Advice", "Contact", "Pause", "Close")] == [
            "Advice",
            "Contact",
            "Pause",
            "Close",
        ]
        assert footer_fits(app, 80)
        # q goes back, as Esc does
        await pilot.press("q")
        await settle(pilot)
        assert not isinstance(app.screen, CallScreen)
        assert app.is_running


async def test_a_call_opened_from_the_review_list_goes_back_there(engine, clock, policy):
    closed_call(engine, clock, policy)
    app = console(engine, clock, policy, "lpark")
    async with app.run_test(size=(80, 24)) as pilot:
        await on_the_review_list(pilot)
        await pilot.press("enter")
        await settle(pilot)
        await pilot.pause()
        assert isinstance(app.screen, CallScreen)
        assert footer(app)[0] == ("esc", "Review list")
        assert ("v", "Review") in footer(app)
        await pilot.press("q")
        await settle(pilot)
        assert isinstance(app.screen, ReviewScreen)


async def test_the_call_header_keeps_the_holder_and_time_at_80_columns(engine, clock, policy):
    [concern_id] = seed_queue(engine, clock, ages_min=(5,))
    commands.claim(engine, concern_id, "bmorgan", clock.now())
    app = console(engine, clock, policy, "lpark")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.push_screen(CallScreen(concern_id))
        await settle(pilot)
        header = str(app.screen.query_one("#call-header", Static).render())
        assert len(header.rstrip()) <= 80
        assert "Bethan Morgan since" in header or "B. Morgan since" in header
        assert header.rstrip().endswith(clock.now().strftime("%H:%M")) or "received" in header


async def test_the_queue_header_keeps_the_urgent_count_beside_feedback(engine, clock, policy):
    seed_queue(engine, clock)
    app = console(engine, clock, policy, "akhan")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = app.screen
        screen.unread_feedback = 3
        screen.show_header()
        header = str(screen.query_one(QueueHeader).render())
        counts = screen.counts
        assert "3 feedback (f)" in header
        assert f"{counts.urgent_waiting} urgent" in header and len(header) <= 80


# --- 4. help and the palette show this app ----------------------------------------------------


TEXTUAL_INTERNALS = ("Copy selected text", "Cursor", "Focus Next", "Focus Previous", "Screenshot", "Maximize")


async def test_help_lists_the_helpline_keys_usable_now_first(engine, clock, policy):
    seed_queue(engine, clock)
    app = console(engine, clock, policy, "akhan")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        keys = app.screen.keys
        descriptions = [key.description for key in keys]
        assert not any(internal in d for internal in TEXTUAL_INTERNALS for d in descriptions)
        own = [key for key in keys if key.group != "Everywhere"]
        assert len({key.description for key in own}) == len(own)  # no duplicates
        now = [key.description for key in own if key.now]
        later = [key.description for key in own if not key.now]
        assert "Claim" in now and "Review" in later and "Statistics" in later  # a senior
        assert [key.now for key in own] == sorted((key.now for key in own), reverse=True)  # usable first
        rows = app.screen.query_one(DataTable)
        shown = [str(rows.get_row_at(i)[1]) for i in range(rows.row_count)]
        assert shown.index("Queue: for you now") < shown.index("Claim") < shown.index("Queue: not now")
        assert "Review (not now)" in shown


async def test_the_palette_offers_the_helpline_actions_not_textual_internals(engine, clock, policy):
    [concern_id] = seed_queue(engine, clock, ages_min=(5,))
    commands.claim(engine, concern_id, "gsingh", clock.now())
    app = console(engine, clock, policy, "akhan")  # not the holder: advice is refused to her
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.push_screen(CallScreen(concern_id))
        await settle(pilot)
        titles = [command.title for command in app.get_system_commands(app.screen)]
        assert not any(internal in title for internal in TEXTUAL_INTERNALS for title in titles)
        assert len(set(titles)) == len(titles)
        assert titles.index("Queue (esc)") < titles.index("Advice (a) — not now")
        assert "Theme" in titles and "Quit" in titles


# --- 5. errors say what to do -----------------------------------------------------------------


async def test_a_review_filter_refuses_a_date_that_is_not_one_and_clears_when_corrected(engine, clock, policy):
    closed_call(engine, clock, policy)
    app = console(engine, clock, policy, "lpark")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await on_the_review_list(pilot)
        note = screen.query_one("#filter-note", Static)
        assert "Enter applies" in str(note.render())
        listed = screen.query_one(DataTable).row_count
        assert listed == 1
        start = screen.query_one("#filter-from", Input)
        start.focus()
        await pilot.press(*"2026-13-01", "enter")
        await settle(pilot)
        assert str(note.render()).strip() == "From: '2026-13-01' is not a date: write YYYY-MM-DD · not applied"
        assert len(str(note.render())) <= 80  # one line at 80 columns
        assert ("f1", "Help") in footer(app)  # `?` would be typed into the field: F1 is help there
        assert start.has_class("-invalid") and note.has_class("-invalid")
        assert screen.query_one(DataTable).row_count == listed  # nothing filtered, nothing lost
        await pilot.press("backspace", "backspace", "backspace", "backspace", "backspace")
        await pilot.press(*"11-01")
        await settle(pilot)
        assert not start.has_class("-invalid") and "Enter applies" in str(note.render())
        screen.query_one("#filter-to", Input).focus()
        await pilot.press(*"2026-10-01", "enter")
        await settle(pilot)
        assert "To: 2026-10-01 is before From (2026-11-01) · not applied" in str(note.render())


async def test_paging_past_either_end_says_so(engine, clock, policy):
    closed_call(engine, clock, policy)
    app = console(engine, clock, policy, "lpark")
    async with app.run_test(size=(80, 24)) as pilot:
        await on_the_review_list(pilot)
        await pilot.press("right_square_bracket")
        await pilot.press("left_square_bracket")
        await settle(pilot)
        messages = [n.message for n in app._notifications]
        assert any("This is the last page" in m for m in messages)
        assert "This is the first page" in messages


# --- 7. snapshots as a NO_COLOR xterm shows them ----------------------------------------------


async def steady(pilot) -> None:
    await settle(pilot)
    await pilot.pause()


def test_queue_without_colour_at_80x24(snap_compare, engine, clock, policy, no_color):
    seed_queue(engine, clock)
    assert snap_compare(console(engine, clock, policy, "akhan"), terminal_size=(80, 24), run_before=steady)


def test_call_without_colour_at_80x24(snap_compare, engine, clock, policy, no_color):
    [concern_id] = seed_queue(engine, clock, ages_min=(20,))
    commands.claim(engine, concern_id, "gsingh", clock.now())

    async def open_call(pilot):
        await settle(pilot)
        await pilot.press("enter")
        await steady(pilot)

    assert snap_compare(console(engine, clock, policy, "gsingh"), terminal_size=(80, 24), run_before=open_call)


def test_form_without_colour_at_80x24(snap_compare, engine, clock, policy, no_color):
    async def open_form(pilot):
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        await pilot.press(*"931767", "tab", *"Grace Ellis", "tab")
        await steady(pilot)

    assert snap_compare(console(engine, clock, policy, "rdouglas"), terminal_size=(80, 24), run_before=open_form)
