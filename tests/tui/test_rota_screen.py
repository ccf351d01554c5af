"""The on-call rota on the console: the gap flagged in a supervisor's header a day ahead, the
rota screen, and a period added in one burst (the database row read after)."""

import pytest

from helpdesk.store.commands.rota import add_on_call
from helpdesk.store.db.models import OnCall
from helpdesk.tui.screens.queue import QueueHeader
from support import burst, console, no_blink, rows, settle

SIZES = [(80, 24), (120, 40)]


def evening_cover(engine, clock):
    add_on_call(engine, "lpark", clock.now(), login="lpark", starts="2026-11-18 08:00", ends="2026-11-18 18:00")
    add_on_call(engine, "lpark", clock.now(), login="mokafor", starts="2026-11-18 20:00", ends="2026-11-19 08:00")


async def test_a_gap_in_cover_within_a_day_is_flagged_in_a_supervisors_header(engine, clock, policy):
    evening_cover(engine, clock)
    supervisor = console(engine, clock, policy, "lpark")
    async with supervisor.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert supervisor.screen.query_one(QueueHeader).shown_line.startswith(" NO ON-CALL COVER from 18:00 · ")
    senior = console(engine, clock, policy, "gsingh")
    async with senior.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert "COVER" not in senior.screen.query_one(QueueHeader).shown_line  # (supervisors keep the rota)


async def test_a_supervisor_puts_someone_on_call_in_one_burst(engine, clock, policy):
    app = console(engine, clock, policy, "lpark")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await burst(pilot, "o")
        await settle(pilot)
        assert "NO COVER" in str(app.screen.query_one("#rota-gaps").content)
        await burst(pilot, "a")
        await settle(pilot)
        await burst(pilot, "enter", "down", "enter", "tab", "[2026-11-18 18:00]", "tab", "[2026-11-19 08:00]", "ctrl+s")
        await settle(pilot)
        [period] = rows(engine, OnCall)
        assert (period.login, period.added_by) == ("lpark", "lpark")  # Lucy Park, first of the supervisors
        assert app.screen.query_one("#rota").row_count == 1


@pytest.mark.parametrize("size", SIZES)
def test_rota_screen(snap_compare, engine, clock, policy, size):
    evening_cover(engine, clock)

    async def run_before(pilot):
        await settle(pilot)
        await pilot.press("o")
        await settle(pilot)
        no_blink(pilot)

    assert snap_compare(console(engine, clock, policy, "nreid"), terminal_size=size, run_before=run_before)


async def test_e_mail_alerts_failing_are_said_in_a_supervisors_header(engine, clock, policy, tmp_path):
    from helpdesk.store import commands
    from helpdesk.store.admin.alert_sender import Smtp, send_pass
    from helpdesk.store.admin.importers import import_staff
    from support import log

    staff = tmp_path / "staff.csv"
    staff.write_text("login,name,role,region,active,email\nlpark,Lucy Park,supervisor,London,yes,lp@helpline.example\n")
    import_staff(engine, staff, "wcole", clock.now())
    evening_cover(engine, clock)
    concern_id = log(engine, clock, category="wellbeing")
    commands.mark_risk(engine, concern_id, "rdouglas", clock.now(), "Risk")
    nothing_listens = Smtp("127.0.0.1", 9, starttls=False, sender="alerts@helpline.example")
    assert send_pass(engine, nothing_listens, policy, clock.now, "helpdesk").failed == 1
    clock.advance(minutes=2)
    supervisor = console(engine, clock, policy, "nreid")
    async with supervisor.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        header = supervisor.screen.query_one(QueueHeader).shown_line
        assert "E-MAIL FAILING 09:00" in header or "E-MAIL ALERTS FAILING since 09:00" in header, header


async def test_a_supervisor_acknowledges_an_escalations_alert_with_one_key(engine, clock, policy):
    from helpdesk.store.commands.escalations import escalate
    from helpdesk.store.db.models import Alert
    from support import log, open_call

    concern_id = log(engine, clock, category="other")
    clock.advance(minutes=16)
    escalate(engine, "gsingh", clock.now(), policy, concern_ids=[concern_id])
    app = console(engine, clock, policy, "lpark")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = await open_call(pilot, concern_id)
        assert screen.keys_now()[:2] == ["back", "acknowledge_risk"]  # ! Acknowledge, first
        await burst(pilot, "!")
        await settle(pilot)
        [alert] = rows(engine, Alert)
        assert alert.acknowledged_by == "lpark"
        assert "acknowledge_risk" not in screen.keys_now()
