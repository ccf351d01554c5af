import datetime as dt

import pytest
from sqlalchemy import func, select

from helpdesk.domain.refusals import Refused
from helpdesk.shipped import shipped_file
from helpdesk.store.admin import importers
from helpdesk.store.admin.importers import ImportRefused, decode_csv
from helpdesk.store.admin.staff_accounts import add_first_admin
from helpdesk.store.db.models import Event, Inspection, InspectionMember, ResponsibleBody, School, Staff

NOW = dt.datetime(2026, 11, 18, 9, tzinfo=dt.UTC)
GIAS_HEADER = "URN,LA (name),EstablishmentName,TypeOfEstablishment (name),PhaseOfEducation (name),Postcode,TelephoneNum,Trusts (name),SomethingElse"


@pytest.fixture
def empty_engine(empty_engine):
    """A new database whose first admin (wcole, who runs the imports below) the host's root added."""
    add_first_admin(empty_engine, "wcole", "William Cole", "London", "root", NOW)
    return empty_engine


def write(tmp_path, name, text, encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def count(engine, table):
    with engine.connect() as connection:
        return connection.scalar(select(func.count()).select_from(table))


def test_the_shipped_gias_sample_is_windows_1252_and_imports(empty_engine):
    raw = shipped_file("edubasealldata20261101.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")  # it really is the published encoding
    report = importers.import_schools(empty_engine, shipped_file("edubasealldata20261101.csv"), "wcole", NOW)
    assert report.added >= 200 and report.updated == 0
    with empty_engine.connect() as connection:
        names = set(connection.scalars(select(School.name)))
        heads = dict(connection.execute(select(School.urn, School.head_name)).all())
        trusts = connection.scalar(select(func.count()).where(ResponsibleBody.kind == "academy_trust"))
        las = connection.scalar(select(func.count()).where(ResponsibleBody.kind == "local_authority"))
    assert any("Thérèse" in name for name in names)
    # the head's name from HeadFirstName and HeadLastName, accents kept from Windows-1252
    assert heads["930037"] == "Kwame Okonkwo" and any("ë" in head for head in heads.values())
    assert trusts >= 5 and las >= 5
    # messy reference data: schools without a usable number are imported with a warning
    assert any("no phone number" in p.reason for p in report.warnings)
    assert any("not a valid UK number" in p.reason for p in report.warnings)


def test_utf8_with_a_bom_is_read_too():
    assert decode_csv("\ufeffURN,Name\n".encode("utf-8")) == "URN,Name\n"
    assert decode_csv("St Thérèse".encode("cp1252")) == "St Thérèse"


def test_reimporting_updates_and_never_duplicates(empty_engine, tmp_path):
    first = write(
        tmp_path, "a.csv", f"{GIAS_HEADER}\n100001,Leeds,Old Name,Community school,Primary,LS1 1AA,01134960001,,x\n"
    )
    importers.import_schools(empty_engine, first, "wcole", NOW)
    second = write(
        tmp_path,
        "b.csv",
        f"{GIAS_HEADER}\n100001,Leeds,New Name,Community school,Primary,LS1 1AA,01134960001,,x\n100002,Leeds,Second,Community school,Primary,LS1 1AB,,,x\n",
    )
    report = importers.import_schools(empty_engine, second, "wcole", NOW)
    assert (report.added, report.updated) == (1, 1)
    assert count(empty_engine, School) == 2
    with empty_engine.connect() as connection:
        assert connection.scalar(select(School.name).where(School.urn == "100001")) == "New Name"
        assert connection.scalar(select(School.phone).where(School.urn == "100001")) == "+441134960001"
        assert connection.scalar(select(School.phone).where(School.urn == "100002")) is None


def test_bad_rows_are_reported_by_line_and_nothing_is_imported(empty_engine, tmp_path):
    path = write(
        tmp_path,
        "bad.csv",
        f"{GIAS_HEADER}\n"
        "100001,Leeds,Good School,Community school,Primary,LS1 1AA,01134960001,,x\n"
        "12345,Leeds,Short URN,Community school,Primary,LS1 1AA,,,x\n"
        "100003,Leeds,,Community school,Primary,LS1 1AA,,,x\n"
        "100001,Leeds,Again,Community school,Primary,LS1 1AA,,,x\n",
    )
    with pytest.raises(ImportRefused) as refused:
        importers.import_schools(empty_engine, path, "wcole", NOW)
    assert [str(p) for p in refused.value.problems] == [
        "line 3: URN '12345': URN must be six digits",
        "line 4: EstablishmentName is empty",
        "line 5: URN 100001 appears again (first on line 2)",
    ]
    assert count(empty_engine, School) == 0
    assert count(empty_engine, Event) == 1  # the first admin's, and none for the refused import


def test_skip_invalid_imports_the_good_rows(empty_engine, tmp_path):
    path = write(
        tmp_path,
        "bad.csv",
        f"{GIAS_HEADER}\n100001,Leeds,Good School,Community school,Primary,LS1 1AA,,,x\nabc,Leeds,Bad,x,y,z,,,x\n",
    )
    report = importers.import_schools(empty_engine, path, "wcole", NOW, skip_invalid=True)
    assert report.added == 1 and [p.line for p in report.skipped] == [3]
    assert count(empty_engine, School) == 1


def test_a_file_without_the_needed_columns_is_refused(empty_engine, tmp_path):
    path = write(tmp_path, "wrong.csv", "name,phone\nx,y\n")
    with pytest.raises(ImportRefused, match="bad row") as refused:
        importers.import_schools(empty_engine, path, "wcole", NOW)
    assert "missing column(s): URN" in str(refused.value.problems[0])


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (
            b"login,name,role,region,active\nakhan,Aisha Kh\x81n,senior,,yes\n",
            "line 2: byte 0x81 is neither UTF-8 nor Windows-1252",
        ),
        (
            b'login,name,role,region,active\nakhan,"' + b"x" * 200_000 + b'",senior,,yes\n',
            "line 2: cannot be read: field larger than field limit",
        ),
        (
            b"login,name,login,role,region,active\nakhan,Aisha Khan,wcole,senior,,yes\n",
            "line 1: column(s) named twice: login",
        ),
        (
            b"login,name,role,region,active\nakhan,Aisha Khan,senior,,yes" + b",x" * 3000 + b"\n",
            "line 2: 3000 value(s) more than the header has columns",
        ),
    ],
    ids=["byte", "huge field", "repeated column", "surplus values"],
)
def test_a_file_that_is_not_what_it_should_be_is_refused_by_line_and_nothing_is_written(
    engine, tmp_path, content, problem
):
    from helpdesk.store.db.models import Event

    path = tmp_path / "staff.csv"
    path.write_bytes(content)
    events = count(engine, Event)
    with pytest.raises(ImportRefused) as refused:
        importers.import_staff(engine, path, "wcole", NOW)
    assert str(refused.value.problems[0]).startswith(problem), refused.value.problems
    assert count(engine, Event) == events


def test_progress_is_reported_on_large_files(empty_engine, tmp_path):
    rows = "\n".join(f"{200000 + i},Leeds,School {i},Community school,Primary,LS1 1AA,,,x" for i in range(2500))
    path = write(tmp_path, "big.csv", f"{GIAS_HEADER}\n{rows}\n")
    seen = []
    report = importers.import_schools(
        empty_engine, path, "wcole", NOW, progress=lambda done, total: seen.append((done, total))
    )
    assert report.added == 2500
    assert seen[0] == (1000, 2500) and seen[-1] == (2500, 2500)


def test_each_import_writes_one_audit_event(empty_engine):
    importers.import_staff(empty_engine, shipped_file("staff.csv"), "wcole", NOW)
    with empty_engine.connect() as connection:
        events = connection.execute(select(Event.kind, Event.actor, Event.details).order_by(Event.id)).all()
    assert [event[:2] for event in events] == [("first_admin_added", "root"), ("imported", "wcole")]
    assert '"added": 20' in events[1][2]


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("bad login!,Name,senior,London,yes", "not an account name"),
        ("jdoe,Jane Doe,boss,London,yes", "role 'boss'"),
        ("jdoe,,senior,London,yes", "name is empty"),
        ("jdoe,Jane Doe,senior,London,maybe", "not yes or no"),
    ],
)
def test_staff_rows_are_checked(empty_engine, tmp_path, line, reason):
    path = write(tmp_path, "staff.csv", f"login,name,role,region,active\n{line}\n")
    with pytest.raises(ImportRefused) as refused:
        importers.import_staff(empty_engine, path, "wcole", NOW)
    assert reason in refused.value.problems[0].reason and refused.value.problems[0].line == 2


def test_samples_hold_staff_bodies_inspections_and_teams(engine):
    assert count(engine, Staff) == 21  # 20 people and the phone system's account
    with engine.connect() as connection:
        bodies_with_phone = connection.scalar(select(func.count()).where(ResponsibleBody.phone.is_not(None)))
        leads = connection.scalar(select(func.count()).where(InspectionMember.part == "lead"))
    assert bodies_with_phone >= 20
    assert leads == count(engine, Inspection) >= 40


def test_inspection_rows_are_checked(engine, tmp_path):
    path = write(
        tmp_path,
        "inspections.csv",
        "reference,urn,remit,start_date,end_date,lead_inspector,team\n"
        "INS-1,999999,schools,2026-11-18,2026-11-19,hmi.x,\n"
        "INS-2,930037,space,2026-11-18,2026-11-19,hmi.x,\n"
        "INS-3,930037,schools,18/11/2026,2026-11-19,hmi.x,\n"
        "INS-4,930037,schools,2026-11-19,2026-11-18,hmi.x,\n",
    )
    with pytest.raises(ImportRefused) as refused:
        importers.import_inspections(engine, path, "wcole", NOW)
    reasons = [p.reason for p in refused.value.problems]
    assert "no school with URN '999999'" in reasons[0]
    assert "remit 'space'" in reasons[1]
    assert "not a date" in reasons[2]
    assert "end_date is before start_date" in reasons[3]


def test_every_sample_phone_number_is_drama_reserved():
    """No real person is ever rung: Ofcom's drama ranges that phonenumbers accepts."""
    import csv
    import re

    from helpdesk.domain.phones import PhoneInvalid, parse_gb_phone

    # 020 7946 0xxx, 0113-0118/0121/0131/0141/0151/0161 496 0xxx, 0191 498 0xxx, 029 2018 0xxx
    drama = re.compile(r"^\+44(2079460\d{3}|1(1[3-8]|[2-6]1)4960\d{3}|1914980\d{3}|2920180\d{3})$")
    numbers = []
    gias = importers.decode_csv(shipped_file("edubasealldata20261101.csv").read_bytes())
    numbers += [row["TelephoneNum"] for row in csv.DictReader(gias.splitlines())]
    numbers += [row["phone"] for row in csv.DictReader(shipped_file("bodies.csv").read_text().splitlines())]
    numbers += [
        row["wellbeing_phone"] for row in csv.DictReader(shipped_file("inspections.csv").read_text().splitlines())
    ]
    checked = 0
    for number in filter(None, numbers):
        try:
            e164 = parse_gb_phone(number)
        except PhoneInvalid:
            continue  # deliberately broken sample rows
        assert drama.match(e164), number
        checked += 1
    assert checked > 200


def test_only_an_admin_imports_and_nobody_promotes_themselves(empty_engine, tmp_path):
    importers.import_staff(empty_engine, shipped_file("staff.csv"), "wcole", NOW)
    promote = write(tmp_path, "me.csv", "login,name,role,region,active\nakhan,Aisha Khan,admin,North West,yes\n")
    for login, reason in (
        ("akhan", "Only an admin can manage staff accounts"),  # a senior making themselves admin
        ("lpark", "Only an admin can manage staff accounts"),
        ("zkerr", "The staff account 'zkerr' is inactive"),
        ("intruder", "No staff account for login 'intruder'"),
    ):
        with pytest.raises(Refused, match=reason):
            importers.import_staff(empty_engine, promote, login, NOW)
    with pytest.raises(Refused, match="Only an admin can import reference data"):
        importers.import_schools(empty_engine, shipped_file("edubasealldata20261101.csv"), "lpark", NOW)
    with empty_engine.connect() as connection:
        assert connection.scalar(select(Staff.role).where(Staff.login == "akhan")) == "senior"
        assert connection.scalar(select(func.count()).select_from(School)) == 0


def test_an_import_may_not_leave_the_database_without_an_admin(empty_engine, tmp_path):
    demote = write(tmp_path, "demote.csv", "login,name,role,region,active\nwcole,William Cole,senior,London,yes\n")
    with pytest.raises(Refused, match="no active admin"):
        importers.import_staff(empty_engine, demote, "wcole", NOW)
    with empty_engine.connect() as connection:
        assert connection.scalar(select(Staff.role).where(Staff.login == "wcole")) == "admin"
