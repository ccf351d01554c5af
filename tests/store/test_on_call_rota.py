"""The on-call rota in the store: imported by an admin, changed by supervisors, kept in the
record (a period taken off stays, with who and when), bound to the trail."""

import datetime as dt

import pytest
from sqlalchemy import select, text

from helpdesk.domain.refusals import FieldsInvalid, Refused
from helpdesk.store.admin.importers import ImportRefused, import_rota
from helpdesk.store.commands.rota import add_on_call, remove_on_call
from helpdesk.store.db.audit import verify_chain
from helpdesk.store.db.models import OnCall
from helpdesk.store.queries.rota import gap_flag, rota_ahead


def write(tmp_path, text_):
    path = tmp_path / "rota.csv"
    path.write_text(text_)
    return path


def test_an_admin_imports_the_rota_and_a_second_import_updates_it(engine, clock, tmp_path):
    path = write(
        tmp_path,
        "login,starts,ends\nlpark,2026-11-18 08:00,2026-11-18 20:00\nmokafor,2026-11-18 20:00,2026-11-19 08:00\n",
    )
    report = import_rota(engine, path, "wcole", clock.now())
    assert (report.added, report.updated) == (2, 0)
    path = write(tmp_path, "login,starts,ends\nlpark,2026-11-18 08:00,2026-11-18 21:00\n")
    report = import_rota(engine, path, "wcole", clock.now())
    assert (report.added, report.updated) == (0, 1)
    rows, gaps = rota_ahead(engine, "lpark", clock.now(), days=1)
    assert [(r.login, r.ends_at.hour) for r in rows] == [("lpark", 21), ("mokafor", 8)]
    assert gaps == [(dt.datetime(2026, 11, 19, 8, tzinfo=dt.UTC), dt.datetime(2026, 11, 19, 9, tzinfo=dt.UTC))]
    assert gap_flag(engine, clock.now()) == "NO ON-CALL COVER from Thu 08:00"
    assert verify_chain(engine).intact


def test_a_bad_rota_row_is_named_and_nothing_is_imported(engine, clock, tmp_path):
    path = write(
        tmp_path,
        "login,starts,ends\nlpark,2026-11-18 08:00,2026-11-18 20:00\ngsingh,2026-11-18 08:00,2026-11-18 20:00\n"
        "nobody,2026-11-18 08:00,2026-11-18 20:00\nmokafor,tomorrow,2026-11-18 20:00\n",
    )
    with pytest.raises(ImportRefused) as refused:
        import_rota(engine, path, "wcole", clock.now())
    said = [str(problem) for problem in refused.value.problems]
    assert len(said) == 3
    assert "line 3" in said[0] and "only supervisors go on call" in said[0]
    assert "No staff account 'nobody'" in said[1] and "'tomorrow' is not a time" in said[2]
    with engine.connect() as connection:
        assert connection.execute(select(OnCall.id)).all() == []
    with pytest.raises(Refused, match="Only an admin can import reference data"):
        import_rota(engine, write(tmp_path, "login,starts,ends\n"), "lpark", clock.now())


def test_supervisors_change_the_rota_and_a_period_taken_off_is_kept(engine, clock):
    period = add_on_call(
        engine, "lpark", clock.now(), login="mokafor", starts="2026-11-18 18:00", ends="2026-11-19 08:00"
    )
    with pytest.raises(Refused, match="Only a supervisor can change the on-call rota"):
        add_on_call(engine, "gsingh", clock.now(), login="gsingh", starts="2026-11-18 18:00", ends="2026-11-19 08:00")
    with pytest.raises(FieldsInvalid) as refused:
        add_on_call(engine, "lpark", clock.now(), login="rdouglas", starts="soon", ends="2026-11-19 08:00")
    assert set(refused.value.errors) == {"starts"}  # (the person is checked once the times read)
    with pytest.raises(FieldsInvalid, match="only supervisors go on call"):
        add_on_call(engine, "lpark", clock.now(), login="rdouglas", starts="2026-11-18 18:00", ends="2026-11-19 08:00")
    remove_on_call(engine, "nreid", clock.now(), period)
    with pytest.raises(Refused, match=f"There is no period {period} on the rota"):
        remove_on_call(engine, "nreid", clock.now(), period)
    with engine.connect() as connection:
        [(removed_by, removed_at)] = connection.execute(select(OnCall.removed_by, OnCall.removed_at)).all()
    assert removed_by == "nreid" and removed_at is not None
    assert rota_ahead(engine, "lpark", clock.now())[0] == []
    assert verify_chain(engine).intact


def test_a_period_over_is_history(engine, clock):
    period = add_on_call(
        engine, "lpark", clock.now(), login="mokafor", starts="2026-11-18 08:00", ends="2026-11-18 10:00"
    )
    clock.advance(hours=2)
    with pytest.raises(Refused, match="That period is over"):
        remove_on_call(engine, "lpark", clock.now(), period)
    with pytest.raises(FieldsInvalid, match="The period is over"):
        add_on_call(engine, "lpark", clock.now(), login="mokafor", starts="2026-11-18 08:00", ends="2026-11-18 10:00")


def test_a_rota_rewritten_in_the_database_is_named_by_verify(engine, clock):
    add_on_call(engine, "lpark", clock.now(), login="mokafor", starts="2026-11-18 18:00", ends="2026-11-19 08:00")
    with engine.begin() as connection:
        connection.execute(text("UPDATE on_call SET login = 'lpark'"))
    report = verify_chain(engine)
    assert not report.intact and report.record.problems[0].row.startswith("on_call")
