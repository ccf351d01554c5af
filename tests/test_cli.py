"""The `helpdesk` command: intake from the phone system, listing, imports, identity, schema checks."""

import datetime as dt
import json
import os
import sqlite3
import stat
import subprocess
import sys

import pytest
from sqlalchemy import func, select, text

from helpdesk import cli
from helpdesk.store.admin.demo_marker import mark_as_demo
from helpdesk.store.db.engine import make_engine, sqlite_url
from helpdesk.store.db.models import Concern, Event

GOOD = [
    "--urn",
    "930037",
    "--caller-name",
    "Grace Ellis",
    "--caller-role",
    "headteacher",
    "--phone",
    "0113 496 0777",
    "--category",
    "wellbeing",
    "--summary",
    "Head is distressed after day one.",
]


@pytest.fixture
def run(run_cli):
    return run_cli


def concern_count(db_path):
    with make_engine(sqlite_url(db_path)).connect() as connection:
        return connection.scalar(select(func.count()).select_from(Concern))


def test_concern_add_prints_the_call_number(run, db_path):
    code, out, err = run("concern", "add", *GOOD, "--urgent")
    assert code == 0 and int(out) >= 1  # the number alone on standard output, for the phone system
    assert err == f"helpdesk: logged as call {int(out)}: the caller can quote this number\n"
    code, out, _ = run("concern", "list", "--json")
    [listed] = json.loads(out)
    assert listed["urn"] == "930037" and listed["urgent"] is True and listed["status"] == "waiting"


def test_the_phone_system_logs_a_call_at_immediate_risk(run, db_path):
    code, out, err = run("concern", "add", *GOOD, "--risk")
    number = int(out)
    assert code == 0 and f"call {number} is at IMMEDIATE RISK: every supervisor's console is alerted" in err
    with make_engine(sqlite_url(db_path)).connect() as connection:
        marked_by, what = connection.execute(text("SELECT marked_by, what FROM risk")).one()
        priority, urgent = connection.execute(text("SELECT priority, urgent FROM concern")).one()
    assert (marked_by, what, priority, urgent) == ("rdouglas", "", -1, 1)  # first in every queue, and urgent
    code, out, _ = run("concern", "show", str(number), login="lpark")
    assert code == 0 and out.startswith(f"Call {number} · IMMEDIATE RISK · ")


def with_field(flag, value):
    args = list(GOOD)
    args[args.index(flag) + 1] = value
    return args


@pytest.mark.parametrize(
    ("flag", "value", "message"),
    [
        ("--urn", "123456", "--urn: No school with URN 123456"),
        ("--urn", "12345", "--urn: URN must be six digits"),
        ("--phone", "0113 496", "--phone: Phone number '0113 496' is not a valid UK number"),
        ("--phone", "+33 1 23 45 67 89", "--phone: Phone number '+33 1 23 45 67 89' is not a UK number"),
        ("--phone", "call me", "--phone: Phone number 'call me' holds other characters"),
        ("--phone", "0113 496 0777 ext 4", "--phone: Phone number '0113 496 0777 ext 4' has an extension"),
        ("--caller-name", "Grace\u2028Ellis", "--caller-name: Caller name contains control characters or line breaks"),
        ("--caller-role", "parent", "--caller-role: Caller role 'parent' is unknown"),
        ("--category", "gossip", "--category: Category 'gossip' is unknown"),
        ("--caller-name", "  ", "--caller-name: Caller name is required"),
        ("--summary", "", "--summary: Summary is required"),
        ("--caller-name", "Grace\x1b]0;pwned\x07", "--caller-name: Caller name contains control characters"),
        ("--summary", "x" * 2001, "--summary: Summary is too long (2001 characters, at most 2000)"),
        ("--caller-name", "G" * 121, "--caller-name: Caller name is too long"),
    ],
)
def test_invalid_input_names_the_field_and_writes_nothing(run, db_path, flag, value, message):
    code, out, err = run("concern", "add", *with_field(flag, value))
    assert code == 1 and out == ""
    assert message in err
    assert "Traceback" not in err
    assert concern_count(db_path) == 0


def test_an_unknown_inspection_reference_is_refused(run, db_path):
    code, _, err = run("concern", "add", *GOOD, "--inspection", "INS-NOPE")
    assert code == 1 and "--inspection: No inspection with reference INS-NOPE" in err
    assert concern_count(db_path) == 0


def test_a_missing_flag_is_a_usage_error(run):
    with pytest.raises(SystemExit) as usage:
        run("concern", "add", "--urn", "930037")
    assert usage.value.code == 2


def test_an_unknown_login_is_refused_in_one_line(run):
    code, out, err = run("concern", "list", login="mallory")
    assert code == 1
    assert err == "helpdesk: no staff account for login 'mallory': ask a helpline admin to add you\n"


def test_an_inactive_login_is_refused(run):
    code, _, err = run("concern", "list", login="zkerr")
    assert code == 1 and "inactive" in err


def test_as_is_refused_outside_a_demo_database(run):
    code, _, err = run("--as", "lpark", "concern", "list", login="rdouglas")
    assert code == 1
    assert "--as is accepted only on your own demo database" in err


def test_as_is_accepted_on_a_demo_database(run, db_path):
    mark_as_demo(make_engine(sqlite_url(db_path)))
    code, _, err = run("concern", "add", *GOOD, "--as", "sbegum", login="nobody")
    assert code == 0, err
    with make_engine(sqlite_url(db_path)).connect() as connection:
        assert connection.scalar(select(Event.actor).where(Event.kind == "logged")) == "sbegum"


def forge_demo_row(db_path, value="yes"):
    """What an insider with write access can do to a production database: add the setting row."""
    with sqlite3.connect(db_path) as raw:
        raw.execute("INSERT OR REPLACE INTO setting (key, value) VALUES ('demo', ?)", (value,))


def test_a_forged_demo_row_does_not_open_impersonation(run, db_path, tmp_path):
    """--as on a production database with the demo row added, a copy of a real demo, a hard
    link to the production file, or a file owned by someone else: refused every time."""
    forge_demo_row(db_path)  # the old marker
    assert "only on your own demo database" in run("--as", "lpark", "concern", "list", login="akhan")[2]
    mark_as_demo(make_engine(sqlite_url(db_path)))  # now a real demo here...
    assert run("--as", "lpark", "concern", "list", login="akhan")[0] == 0
    copy = tmp_path / "copy.sqlite"  # ...copied elsewhere: the mark names the original path
    copy.write_bytes(db_path.read_bytes())
    code, _, err = run("--db", sqlite_url(copy), "--as", "lpark", "concern", "list", login="akhan")
    assert code == 1 and "only on your own demo database" in err
    linked = tmp_path / "linked.sqlite"  # a second name for the same file
    os.link(db_path, linked)
    assert run("--as", "lpark", "concern", "list", login="akhan")[0] == 1
    linked.unlink()
    assert run("--as", "lpark", "concern", "list", login="akhan")[0] == 0
    if os.getuid() == 0:  # a file owned by another account (the deployment's) is never this user's demo
        os.chown(db_path, 65534, -1)
        assert run("--as", "lpark", "concern", "list", login="akhan")[0] == 1
        os.chown(db_path, 0, -1)
    # the mark made with another user's key (a forger's own demo key) does not pass either
    forge_demo_row(db_path, "0" * 64)
    assert run("--as", "lpark", "concern", "list", login="akhan")[0] == 1


def test_concern_list_filters_by_status(run):
    run("concern", "add", *GOOD)
    assert len(json.loads(run("concern", "list", "--status", "waiting", "--json")[1])) == 1
    assert json.loads(run("concern", "list", "--status", "closed", "--json")[1]) == []
    code, out, _ = run("concern", "list")
    assert code == 0 and "930037" in out and "Well-being" in out


def test_a_missing_database_or_schema_prints_the_fixing_command_and_creates_nothing(tmp_path, monkeypatch, capsys):
    missing = tmp_path / "none.sqlite"
    monkeypatch.setenv("HELPDESK_DATABASE_URL", sqlite_url(missing))
    assert cli.main(["concern", "list"]) == 1
    assert capsys.readouterr().err == (
        f"helpdesk: there is no database at {missing}: run `helpdesk db upgrade` to create one\n"
    )
    assert not missing.exists()  # nothing but `db upgrade` and `demo` creates a database
    make_engine(sqlite_url(missing), create=True).dispose()  # an empty file: no schema yet
    assert cli.main(["concern", "list"]) == 1
    assert capsys.readouterr().err == "helpdesk: the database has no helpdesk schema yet: run `helpdesk db upgrade`\n"


def test_an_out_of_date_schema_prints_the_fixing_command(run, db_path):
    with make_engine(sqlite_url(db_path)).begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '0000'"))
    code, _, err = run("concern", "list")
    assert code == 1 and "run `helpdesk db upgrade`" in err and "Traceback" not in err


def test_a_new_database_gets_its_first_admin_then_they_import(tmp_path, monkeypatch, capsys):
    """The deployment's steps in order: the schema, the first admin (by the database's owner),
    then that admin imports staff and schools. Nobody else can bootstrap, and only once."""
    from helpdesk.shipped import shipped_file

    monkeypatch.setenv("HELPDESK_DATABASE_URL", sqlite_url(tmp_path / "new.sqlite"))
    monkeypatch.delenv("HELPDESK_CONFIG", raising=False)
    monkeypatch.setattr(cli, "os_login", lambda: "wcole")
    assert cli.main(["db", "upgrade"]) == 0
    # before any admin exists, nobody can import: not even the login the staff file makes admin
    assert cli.main(["import", "staff", str(shipped_file("staff.csv"))]) == 1
    assert "no staff account for login 'wcole'" in capsys.readouterr().err
    # a login that neither is root nor owns the database file cannot make itself admin
    stranger = os.getuid() + 4242
    monkeypatch.setattr(cli.os, "getuid", lambda: stranger)
    assert cli.main(["staff", "add-admin", "wcole", "--name", "William Cole"]) == 1
    assert "the host's root or the database's owner" in capsys.readouterr().err
    monkeypatch.undo()
    monkeypatch.setenv("HELPDESK_DATABASE_URL", sqlite_url(tmp_path / "new.sqlite"))
    monkeypatch.delenv("HELPDESK_CONFIG", raising=False)
    monkeypatch.setattr(cli, "os_login", lambda: "wcole")
    assert cli.main(["staff", "add-admin", "wcole", "--name", "William Cole", "--region", "London"]) == 0
    assert cli.main(["staff", "add-admin", "akhan", "--name", "Aisha Khan"]) == 1  # only while no admin exists
    assert "an admin already exists (wcole)" in capsys.readouterr().err
    assert cli.main(["import", "staff", str(shipped_file("staff.csv"))]) == 0
    assert cli.main(["import", "schools", str(shipped_file("edubasealldata20261101.csv"))]) == 0
    captured = capsys.readouterr()
    assert "staff: 20 added, 1 updated" in captured.out
    assert "schools: 240 added, 0 updated" in captured.out
    assert "warning: line" in captured.err  # messy phone numbers are named by line


def test_only_an_admin_may_import_once_staff_exist(run):
    from helpdesk.shipped import shipped_file

    code, _, err = run("import", "staff", str(shipped_file("staff.csv")), login="akhan")
    assert code == 1 and "Only an admin can manage staff accounts" in err
    code, _, err = run("import", "schools", str(shipped_file("edubasealldata20261101.csv")), login="lpark")
    assert code == 1 and "Only an admin can import reference data" in err


def test_an_import_with_bad_rows_lists_them_and_imports_nothing(run, tmp_path):
    path = tmp_path / "staff.csv"
    path.write_text("login,name,role\nnew1,New One,senior\nnew2,New Two,boss\n")
    code, _, err = run("import", "staff", str(path), login="wcole")
    assert code == 1
    assert "staff.csv: line 3: role 'boss'" in err and "nothing imported" in err
    code, out, err = run("import", "staff", str(path), "--skip-invalid", login="wcole")
    assert code == 0 and "1 added" in out and "skipped line 3" in err


def test_a_database_on_a_full_disk_says_the_disk_is_full(tmp_path, monkeypatch, capsys):
    """SQLite says only "disk I/O error" when a new process cannot make its -shm file on a full
    disk: the console names the full disk. (The file system's free space is what os.statvfs
    reports; here it reports none, and the database cannot be opened.)"""
    import collections

    from helpdesk.store.db import engine as engine_module

    (tmp_path / "x.sqlite").mkdir()  # cannot be opened
    full = collections.namedtuple("full", "f_bavail f_frsize")(0, 4096)
    monkeypatch.setattr(engine_module.os, "statvfs", lambda path: full)
    monkeypatch.setenv("HELPDESK_DATABASE_URL", sqlite_url(tmp_path / "x.sqlite"))
    assert cli.main(["concern", "list"]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"helpdesk: cannot open the database: the disk holding {tmp_path} is full (")
    assert err.count("\n") == 1


def test_an_unreachable_database_is_one_line(tmp_path, monkeypatch, capsys):
    (tmp_path / "x.sqlite").mkdir()  # something is there, but SQLite cannot open it
    monkeypatch.setenv("HELPDESK_DATABASE_URL", sqlite_url(tmp_path / "x.sqlite"))
    code = cli.main(["concern", "list"])
    err = capsys.readouterr().err
    assert code == 1 and err.startswith("helpdesk: cannot open the database") and err.count("\n") == 1
    (tmp_path / "a-file").write_text("not a folder")
    monkeypatch.setenv("HELPDESK_DATABASE_URL", sqlite_url(tmp_path / "a-file" / "x.sqlite"))
    code = cli.main(["concern", "list"])
    err = capsys.readouterr().err
    assert code == 1 and err.startswith("helpdesk: there is no database at") and err.count("\n") == 1


def test_identity_comes_from_the_real_uid_not_the_environment(db_path):
    """USER=lpark must not make anyone a supervisor: the console script refuses the real login."""
    env = {**os.environ, "HELPDESK_DATABASE_URL": sqlite_url(db_path), "USER": "lpark", "LOGNAME": "lpark"}
    result = subprocess.run(
        [sys.executable, "-m", "helpdesk", "concern", "list"], env=env, capture_output=True, text=True, timeout=60
    )
    import pwd

    real = pwd.getpwuid(os.getuid()).pw_name
    assert result.returncode == 1
    assert f"no staff account for login {real!r}" in result.stderr


def test_an_export_file_is_readable_by_its_writer_alone_and_never_written_through_a_link(run, tmp_path):
    run("concern", "add", *GOOD)
    period = ("--from", "2000-01-01", "--to", "2099-12-31")
    out = tmp_path / "calls.csv"
    code, _, err = run("export", "calls", *period, "--output", str(out), login="lpark")
    assert code == 0, err
    assert stat.S_IMODE(out.stat().st_mode) == 0o600 and "Grace" in out.read_text()
    loose = tmp_path / "loose.csv"
    loose.write_text("old")
    loose.chmod(0o644)
    assert run("export", "calls", *period, "--output", str(loose), login="lpark")[0] == 0
    assert stat.S_IMODE(loose.stat().st_mode) == 0o600
    target = tmp_path / "target.txt"
    target.write_text("kept")
    (tmp_path / "link.csv").symlink_to(target)
    code, _, err = run("export", "calls", *period, "--output", str(tmp_path / "link.csv"), login="lpark")
    assert (
        code == 1
        and err
        == f"helpdesk: cannot write {tmp_path / 'link.csv'}: it is a symbolic link (an export is never written through one)\n"
    )
    assert target.read_text() == "kept"


def test_export_is_for_supervisors_and_writes_the_file(run, tmp_path):
    run("concern", "add", *GOOD)
    code, _, err = run("export", "calls", "--from", "2026-11-01", "--to", "2026-12-31", login="akhan")
    assert code == 1 and "Only a supervisor or an admin can export" in err
    out = tmp_path / "calls.json"
    code, _, err = run(
        "export",
        "calls",
        "--from",
        "2000-01-01",
        "--to",
        "2099-12-31",
        "--format",
        "json",
        "--redact",
        "--output",
        str(out),
        login="lpark",
    )
    assert code == 0, err
    assert "exported 1 calls record(s) (redacted)" in err
    records = json.loads(out.read_text())
    assert len(records) == 1 and "caller_name" not in records[0]
    code, out_text, _ = run("export", "audit", "--from", "2000-01-01", "--to", "2099-12-31", login="lpark")
    assert code == 0 and out_text.startswith("id,at,actor,kind,concern_id,details")
    # the pause register: no decision yet, just its header; and its export is in the audit trail
    code, out_text, err = run("export", "pauses", "--from", "2000-01-01", "--to", "2099-12-31", login="lpark")
    assert code == 0 and out_text.startswith("decision_id,call,decided_at,urn,school,") and out_text.count("\n") == 1
    assert "exported 0 pauses record(s)" in err
    code, out_text, _ = run("export", "audit", "--from", "2000-01-01", "--to", "2099-12-31", login="lpark")
    assert '""what"": ""pauses""' in out_text


def test_a_bad_export_date_is_a_usage_error(run):
    with pytest.raises(SystemExit) as usage:
        run("export", "calls", "--from", "18/11/2026", "--to", "2026-11-30", login="lpark")
    assert usage.value.code == 2


def test_purge_refuses_dates_inside_retention_and_asks_for_confirmation(run, monkeypatch):
    code, _, err = run("purge", "--closed-before", "2026-01-01", "--yes", login="wcole")
    assert code == 1 and "inside the minimum retention of 6 years" in err
    monkeypatch.setattr("sys.stdin.isatty", lambda: False)
    code, _, err = run("purge", "--closed-before", "2019-01-01", login="wcole")
    assert code == 1 and "needs confirmation" in err
    code, out, _ = run("purge", "--closed-before", "2019-01-01", "--yes", login="wcole")
    assert code == 0 and "purged the personal data of 0 call(s)" in out


def test_an_admin_loads_the_policy_and_a_file_named_after_it_is_refused(run, tmp_path, monkeypatch):
    """`policy load` and `policy show`; then --policy or HELPDESK_POLICY naming another file for
    that database is one line, exit 1, while the version's own text is accepted."""
    from helpdesk.shipped import shipped_file

    shipped = shipped_file("policy.toml").read_text(encoding="utf-8")
    tighter = tmp_path / "policy.toml"
    tighter.write_text(shipped.replace("urgent_minutes = 5 ", "urgent_minutes = 3 "))
    tighter.chmod(0o600)
    code, out, _ = run("policy", "show", login="wcole")
    assert code == 0 and out.startswith("this database holds no policy of its own")
    code, _, err = run("policy", "load", str(tighter), login="lpark")
    assert (code, err) == (1, "helpdesk: Only an admin can load a new version of the policy\n")
    code, out, _ = run("policy", "load", str(tighter), login="wcole")
    assert (code, out) == (0, f"policy version 1 loaded from {tighter}: in force now for every console and command\n")
    code, out, _ = run("policy", "show", login="wcole")
    assert out.startswith("# policy version 1, loaded by wcole ") and "urgent_minutes = 3 " in out
    code, _, err = run("--policy", str(shipped_file("policy.toml")), "concern", "list", login="lpark")
    assert code == 1 and err.startswith(
        "helpdesk: --policy names a policy file, but this database keeps its own policy"
    )
    assert "\n" not in err.rstrip("\n")
    monkeypatch.setenv("HELPDESK_POLICY", str(shipped_file("policy.toml")))
    code, _, err = run("concern", "list", login="lpark")
    assert code == 1 and err.startswith("helpdesk: HELPDESK_POLICY names a policy file")
    monkeypatch.setenv("HELPDESK_POLICY", str(tighter))  # the version's own text: nothing to refuse
    assert run("concern", "list", login="lpark")[0] == 0
    loose = tmp_path / "loose.toml"
    loose.write_text(shipped.replace("minimum_years = 6 ", "minimum_years = -100 "))
    loose.chmod(0o600)
    code, _, err = run("policy", "load", str(loose), login="wcole")
    assert (code, err) == (1, "helpdesk: retention.minimum_years must be 6 to 100 years, not -100\n")


def test_arguments_that_are_not_utf8_name_the_option_and_record_nothing(db_path, tmp_path):
    """The OS hands bytes that are not UTF-8 to Python as surrogates: one line, no traceback."""
    env = {**os.environ, "HELPDESK_DATABASE_URL": sqlite_url(db_path)}
    env.pop("HELPDESK_CONFIG", None)
    args = [os.fsencode(a) for a in ("concern", "add", *with_field("--caller-name", "x"))]
    args[args.index(b"x")] = b"Gr\xe2ce Ellis"  # Latin-1 bytes
    done = subprocess.run(
        [sys.executable, "-c", "import sys; from helpdesk.cli import main; sys.exit(main())", *args],
        env=env,
        capture_output=True,
    )
    assert done.returncode == 2
    assert done.stderr.decode() == "helpdesk: --caller-name: the text given is not valid UTF-8; nothing was recorded\n"
    assert concern_count(db_path) == 0


def test_a_database_fault_behind_the_desk_is_one_line(run, db_path, monkeypatch):
    from helpdesk.store.desk import Desk
    from helpdesk.store.faults import DatabaseUnavailable

    def unavailable_queue(self, status=None):
        raise DatabaseUnavailable("database is locked")

    monkeypatch.setattr(Desk, "list_concerns", unavailable_queue)
    code, out, err = run("concern", "list")
    assert code == 1 and err == "helpdesk: the database is unavailable (database is locked); try again, or check --db\n"


def test_audit_verify_reports_an_intact_trail_and_the_first_break(run, db_path, tmp_path, monkeypatch):
    assert run("audit", "verify", login="nobody")[0] == 0  # the host's root (a nightly job) may
    stranger = os.getuid() + 4242  # from here on: neither root nor the file's owner, so staff rules apply
    monkeypatch.setattr(cli.os, "getuid", lambda: stranger)
    code, out, err = run("audit", "head", login="lpark")
    assert code == 0, err
    anchor = out.split()[0]
    code, out, _ = run("audit", "verify", "--anchor", anchor, login="lpark")
    assert code == 0 and out.startswith("audit trail intact: ") and f"head {anchor}" in out
    assert "1 anchor(s) match" in out
    (tmp_path / "heads.txt").write_text(out.split("head ")[1].split(";")[0] + "\n")
    code, out, _ = run("audit", "verify", "--anchor-file", str(tmp_path / "heads.txt"), login="wcole")
    assert code == 0
    code, _, err = run("audit", "verify", login="akhan")  # a senior
    assert code == 1 and "Only a supervisor or an admin can verify the audit trail" in err
    code, _, err = run("audit", "verify", "--anchor", "7:beef", login="lpark")
    assert code == 1 and "is not an anchor" in err
    with sqlite3.connect(db_path) as raw:  # an insider with the file: triggers dropped, an event edited
        raw.execute("DROP TRIGGER event_no_update")
        raw.execute("UPDATE event SET actor = 'lpark' WHERE id = 3")
    code, out, err = run("audit", "verify", login="lpark")
    assert code == 1 and out.startswith("audit trail BROKEN at event 3 (") and "changed after it was written" in out
    assert "the 2 event(s) before it are intact" in err and "Traceback" not in err


def test_audit_verify_on_a_long_trail_checks_the_record_beside_and_says_in_one_line_if_it_cannot(
    run, db_path, monkeypatch
):
    from helpdesk.store.db import audit

    monkeypatch.setattr(audit, "BESIDE_FROM", 1)  # this short trail taken for a long one
    run("concern", "add", *GOOD)
    code, out, err = run("audit", "verify", login="lpark")
    assert code == 0 and out.startswith("audit trail intact: "), err
    with sqlite3.connect(db_path) as raw:
        raw.execute("UPDATE concern SET summary = 'nothing said' WHERE id = 1")
    code, out, err = run("audit", "verify", login="lpark")
    assert code == 1 and out.startswith("the record does NOT match the audit trail: 1 row(s)") and "concern:1" in out
    monkeypatch.setattr(sys, "executable", "/bin/false")  # the second process cannot start its Python
    code, out, err = run("audit", "verify", login="lpark")
    assert code == 2 and out == "", err
    assert err == (
        f"helpdesk: cannot check {db_path}: the second process checking the record ended without a report (exit 1)\n"
    )


def test_audit_verify_names_a_call_whose_row_is_not_what_its_events_tell(run, db_path):
    """An insider claims a waiting call for someone in the row and appends a forged event that
    vouches for the new row: every digest matches, the call's story does not."""
    from helpdesk.domain.types import EventKind
    from helpdesk.store.db.audit import record_event

    code, out, _ = run("concern", "add", *GOOD)
    call = int(out)
    with sqlite3.connect(db_path) as raw:
        raw.execute("UPDATE concern SET status = 'claimed', claimed_by = 'akhan' WHERE id = ?", (call,))
    with make_engine(sqlite_url(db_path)).begin() as connection:
        record_event(
            connection, actor="akhan", kind=EventKind.VIEWED, at=dt.datetime.now(dt.UTC), concern_id=call,
            rows={"concern": {(call,)}},
        )  # fmt: skip
    code, out, err = run("audit", "verify", login="lpark")
    assert code == 1 and "Traceback" not in err
    assert out.splitlines()[:2] == [
        f"the calls do NOT agree with their events: 1 call(s) of {call}",
        f"  call {call}: its status is claimed, its events leave it waiting; "
        "its holder is akhan, its events leave it with nobody",
    ]


def test_audit_verify_lets_go_of_figures_forged_for_a_settled_day(run, db_path):
    with sqlite3.connect(db_path) as raw:  # 40 authorised pauses on a day without a call
        raw.execute(
            'INSERT INTO settled_day VALUES (\'2026-11-02\', \'[["wellbeing", "authorised", 1, "lpark", 40]]\', '
            "'{}', x'', x'', x'', '2026-11-03 09:00:00')"
        )
    code, out, _ = run("audit", "verify", login="lpark")
    assert code == 1 and out.startswith(
        "figures kept for 1 settled day(s) did not match their calls (the first: 2026-11-02)"
    )
    assert "audit trail intact" in out
    with sqlite3.connect(db_path) as raw:
        assert raw.execute("SELECT count(*) FROM settled_day").fetchone()[0] == 0
    assert run("audit", "verify", login="lpark")[0] == 0


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("foo", "'foo' is not a database URL: use sqlite:////path/to/helpdesk.sqlite"),
        ("postgresql+psycopg2://x@127.0.0.1:1/y", "install it with pip install 'helpdesk[postgres]'"),
        ("mysql://x@127.0.0.1/y", "names a database helpdesk cannot use"),
    ],
)
def test_a_database_url_that_cannot_work_is_one_line(url, message, capsys, monkeypatch):
    monkeypatch.delenv("HELPDESK_CONFIG", raising=False)
    assert cli.main(["--db", url, "concern", "list"]) == 1
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1 and "Traceback" not in err


@pytest.fixture
def in_a_terminal(monkeypatch):
    """As if pytest's input and output were a terminal: the console refuses to start without one."""
    from helpdesk.tui import terminal

    monkeypatch.setattr(terminal, "has_terminal", lambda: True)


def test_the_demo_names_its_logins_when_as_is_not_one(tmp_path, capsys, in_a_terminal):
    url = sqlite_url(tmp_path / "demo.sqlite")
    assert cli.main(["demo", "--db", url, "--as", "nobody", "--no-simulator", "--exit-when-loaded"]) == 1
    err = capsys.readouterr().err.splitlines()[-1]
    assert err.startswith("helpdesk: the demo has no member of staff 'nobody'; --as takes one of these logins:")
    assert "senior: akhan" in err and "supervisor: lpark" in err


def test_the_demo_says_which_database_it_uses_and_starts_afresh_when_asked(tmp_path, capsys, in_a_terminal):
    url = sqlite_url(tmp_path / "demo.sqlite")
    start = ["demo", "--db", url, "--as", "nobody", "--no-simulator", "--exit-when-loaded"]
    cli.main(start)  # made, then the login refused
    assert f"creating the demo database at {url}" in capsys.readouterr().err
    with make_engine(url).begin() as connection:  # something to lose
        connection.execute(text("UPDATE staff SET name = 'Changed' WHERE login = 'akhan'"))
    cli.main(start)
    assert f"using the demo database at {url}, made earlier (`helpdesk demo --fresh` starts afresh)" in (
        capsys.readouterr().err
    )
    cli.main([*start, "--fresh"])
    err = capsys.readouterr().err
    assert f"threw away the demo database at {url}" in err and f"creating the demo database at {url}" in err
    with make_engine(url).connect() as connection:
        assert connection.scalar(text("SELECT name FROM staff WHERE login = 'akhan'")) == "Aisha Khan"


def test_db_backup_is_for_admins_and_the_owner(run, db_path, tmp_path, monkeypatch):
    run("concern", "add", *GOOD)
    code, out, err = run("db", "backup", str(tmp_path / "by-owner"), login="nobody")  # the file's owner (a nightly job)
    assert code == 0, err
    assert out.startswith(f"backed up to {tmp_path / 'by-owner'} (") and "checked: audit trail intact; anchor " in out
    stranger = os.getuid() + 4242  # neither root nor the owner: staff rules apply
    monkeypatch.setattr(cli.os, "getuid", lambda: stranger)
    code, _, err = run("db", "backup", str(tmp_path / "by-senior"), login="akhan")
    assert code == 1 and "back up the database" in err and not (tmp_path / "by-senior").exists()
    assert run("db", "backup", str(tmp_path / "by-admin"), login="wcole")[0] == 0
    code, _, err = run("db", "backup", str(tmp_path / "by-admin"), login="wcole")
    assert code == 1 and err.endswith("exists already: a backup never overwrites a file\n")


def test_db_restore_is_for_admins_root_and_the_owner_and_says_what_it_did(run, db_path, tmp_path, monkeypatch):
    run("concern", "add", *GOOD)
    backup = tmp_path / "backups" / "monday.sqlite"
    backup.parent.mkdir()
    assert run("db", "backup", str(backup), login="nobody")[0] == 0
    run("concern", "add", *GOOD)  # recorded after the backup: the restore loses it
    real_getuid = os.getuid
    stranger = os.getuid() + 4242  # neither root nor the owner: staff rules apply
    monkeypatch.setattr(cli.os, "getuid", lambda: stranger)
    code, _, err = run("db", "restore", str(backup), login="akhan")
    assert code == 1 and "restore the database from a backup" in err and concern_count(db_path) == 2
    code, out, err = run("db", "restore", str(backup), login="wcole")
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].startswith(f"restored {db_path} from {backup} (its newest event ")
    assert lines[1].startswith("the database it replaced was moved aside, with its -wal and -shm: ")
    assert lines[2].endswith(
        " event(s) recorded after the backup are not in the restored database (they are in the file moved aside)"
    )
    assert concern_count(db_path) == 1
    # the live database gone altogether: only root or the owner of its folder restores it
    for path in db_path.parent.glob("helpdesk.sqlite*"):
        path.unlink()
    code, _, err = run("db", "restore", str(backup), login="wcole")
    assert code == 1 and "only root or the owner of the database's folder can restore it now" in err
    monkeypatch.setattr(cli.os, "getuid", real_getuid)
    code, out, err = run("db", "restore", str(backup), login="nobody")
    assert code == 0, err
    assert "could not be read: check the restored one against your newest anchor" in out
    assert concern_count(db_path) == 1


def test_concern_show_prints_the_record_to_those_who_may_open_it(run, db_path):
    code, out, _ = run("concern", "add", *GOOD)
    number = int(out)
    code, out, err = run("concern", "show", f"call {number}", login="akhan")
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].startswith(f"Call {number} · Well-being / distress · waiting · received ")
    assert lines[1] == "Caller: Grace Ellis — Headteacher, 0113 496 0777"
    assert "Timeline:" in lines and any(
        "Call logged: Headteacher Grace Ellis" in line for line in lines[lines.index("Timeline:") :]
    )
    with make_engine(sqlite_url(db_path)).connect() as connection:  # recorded as a view, as in the console
        viewed = connection.scalar(
            text("SELECT actor FROM event WHERE kind = 'viewed' AND concern_id = :n"), {"n": number}
        )
    assert viewed == "akhan"
    code, _, err = run("concern", "show", "45 12", login="akhan")
    assert code == 1 and err == "helpdesk: '45 12' is not a call number: type the number the caller quotes, e.g. 4512\n"
    code, _, err = run("concern", "show", "99999", login="akhan")
    assert code == 1 and err.count("\n") == 1 and "99999" in err


def test_version(capsys):
    with pytest.raises(SystemExit) as done:
        cli.main(["--version"])
    assert done.value.code == 0 and capsys.readouterr().out.startswith("helpdesk ")


def test_an_export_into_a_closed_pipe_says_so_and_is_recorded_as_interrupted(db_path):
    """`helpdesk export … | head -1`: the reader goes away; one line, no traceback, and the
    audit trail records the export as interrupted with what had been written."""
    env = {**os.environ, "HELPDESK_DATABASE_URL": sqlite_url(db_path)}
    env.pop("HELPDESK_CONFIG", None)
    mark_as_demo(make_engine(sqlite_url(db_path)))
    reader, writer = os.pipe()
    os.close(reader)  # nobody will read: every write fails with EPIPE
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "helpdesk",
            "--as",
            "lpark",
            "export",
            "audit",
            "--from",
            "2000-01-01",
            "--to",
            "2099-12-31",
        ],
        stdout=writer,
        stderr=subprocess.PIPE,
        env=env,
        text=True,
        timeout=60,
    )
    os.close(writer)
    assert done.returncode == 1
    assert done.stderr.strip().splitlines()[-1].startswith("helpdesk: the output failed (Broken pipe) after ")
    assert "recorded in the audit trail as interrupted" in done.stderr and "Traceback" not in done.stderr
    assert "Exception ignored" not in done.stderr
    with make_engine(sqlite_url(db_path)).connect() as connection:
        details = connection.scalar(select(Event.details).where(Event.kind == "exported"))
    assert json.loads(details)["interrupted"] is True


def test_an_unknown_theme_is_one_line_naming_the_choices(tmp_path, capsys, monkeypatch, in_a_terminal):
    monkeypatch.setenv("HELPDESK_THEME", "neon")
    url = sqlite_url(tmp_path / "demo.sqlite")
    assert cli.main(["demo", "--db", url, "--no-simulator", "--exit-when-loaded"]) == 1
    err = capsys.readouterr().err.splitlines()[-1]
    assert err == (
        "helpdesk: there is no theme 'neon': choose one of standard, high-contrast, monochrome"
        " (HELPDESK_THEME or `theme` in the config file)"
    )


def test_a_keymap_that_clashes_is_one_line_and_opens_nothing(tmp_path, capsys, monkeypatch, in_a_terminal):
    config = tmp_path / "config.toml"
    config.write_text('[keys]\n"call.reassign" = "a"\n')
    monkeypatch.setenv("HELPDESK_CONFIG", str(config))
    url = sqlite_url(tmp_path / "demo.sqlite")
    assert cli.main(["demo", "--db", url, "--no-simulator", "--exit-when-loaded"]) == 1
    err = capsys.readouterr().err.splitlines()[-1]
    assert err == "helpdesk: config file [keys]: 'call.reassign' on 'a' clashes with 'call.advice' (Advice) on Call"


def test_the_theme_comes_from_the_environment_or_the_config_file(tmp_path, monkeypatch):
    from helpdesk.config import resolve_settings

    config = tmp_path / "config.toml"
    config.write_text('theme = "high-contrast"\n')
    monkeypatch.setenv("HELPDESK_CONFIG", str(config))
    monkeypatch.delenv("HELPDESK_THEME", raising=False)
    assert resolve_settings().theme == "high-contrast"
    monkeypatch.setenv("HELPDESK_THEME", "monochrome")
    assert resolve_settings().theme == "monochrome"
