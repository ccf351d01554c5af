"""Reference data imports: GIAS schools, staff, responsible bodies, inspections, conflicts, and
the on-call rota.

Every import reads the whole file first. A row that cannot be used is reported with its line
number and reason; with any such row nothing is written unless `skip_invalid` is set. Rows are
matched on their natural key (URN, login, name, reference), so running an import again updates
rather than duplicates. Each import writes one audit event.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, SQLModel, col

from helpdesk.clock import as_utc
from helpdesk.domain import limits, rota
from helpdesk.domain.inspection import validate_wellbeing
from helpdesk.domain.intake import check_urn, has_control_characters
from helpdesk.domain.permissions import Permission
from helpdesk.domain.phones import PhoneInvalid, parse_gb_phone
from helpdesk.domain.refusals import Refused
from helpdesk.domain.types import BodyKind, EventKind, Remit, StaffRole
from helpdesk.store.acting import acting_member
from helpdesk.store.db.audit import record_event
from helpdesk.store.db.engine import writer
from helpdesk.store.db.models import (
    Conflict,
    Inspection,
    InspectionMember,
    OnCall,
    ResponsibleBody,
    School,
    Staff,
    table_of,
)
from helpdesk.store.db.seals import RECORD_TABLES, touch
from helpdesk.store.db.staff_roles import keep_role_in_step, staff_roles_in_use
from helpdesk.store.queries.statistics import forget_settled_days
from helpdesk.store.rows import Progress

CHUNK = 1000
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


class RowInvalid(ValueError):
    """This row cannot be imported; str() is the reason."""


@dataclass(frozen=True)
class Problem:
    line: int
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}"


class ImportRefused(RuntimeError):
    """The file had bad rows and `skip_invalid` was not given, or the file itself cannot be read
    (`whole_file`: skipping rows would not help): nothing was imported."""

    def __init__(self, problems: list[Problem], whole_file: bool = False) -> None:
        self.problems = problems
        self.whole_file = whole_file
        super().__init__(f"{len(problems)} bad row(s); nothing imported")


@dataclass
class ImportReport:
    kind: str
    added: int = 0
    updated: int = 0
    skipped: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)

    def summary(self) -> str:
        text = f"{self.kind}: {self.added} added, {self.updated} updated"
        if self.skipped:
            text += f", {len(self.skipped)} bad row(s) skipped"
        if self.warnings:
            text += f", {len(self.warnings)} warning(s)"
        return text


def decode_csv(data: bytes) -> str:
    """GIAS publishes Windows-1252; files re-saved by people may be UTF-8, with or without a BOM.
    A byte that is neither is refused, naming its line."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        byte = data[error.start : error.start + 1].hex()
        raise ImportRefused(
            [Problem(line, f"byte 0x{byte} is neither UTF-8 nor Windows-1252: save the file as UTF-8")], whole_file=True
        ) from None


SURPLUS = "\x00surplus"  # a row's values beyond the header's columns, counted (no column has this name)


def read_rows(path: Path, required: tuple[str, ...]) -> tuple[int, Iterator[tuple[int, dict[str, str]]]]:
    """(number of data rows, iterator of (line number, row)); refuses a file missing a column."""
    text = decode_csv(path.read_bytes())
    reader = csv.DictReader(io.StringIO(text, newline=""))
    try:
        columns = reader.fieldnames or []
    except csv.Error as error:
        raise ImportRefused([Problem(1, f"the header cannot be read: {error}")], whole_file=True) from None
    missing = [name for name in required if name not in columns]
    if missing:
        raise ImportRefused([Problem(1, f"missing column(s): {', '.join(missing)}")], whole_file=True)
    if repeated := sorted({name for name in columns if columns.count(name) > 1}):
        raise ImportRefused([Problem(1, f"column(s) named twice: {', '.join(repeated)}")], whole_file=True)
    total = max(text.count("\n") - 1, 0)

    def rows() -> Iterator[tuple[int, dict[str, str]]]:
        while True:
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as error:  # a field over the csv module's limit, a stray NUL
                starts = reader.line_num + 1  # the record that failed begins after the lines read
                raise ImportRefused([Problem(starts, f"cannot be read: {error}")], whole_file=True) from None
            if None in row:  # more values than the header has columns
                yield reader.line_num, {SURPLUS: str(len(row[None]))}
                continue
            yield reader.line_num, {k: (v or "").strip() for k, v in row.items() if k is not None}

    return total, rows()


def _text(
    row: dict[str, str], column: str, label: str, required: bool = True, limit: int = limits.ORGANISATION_NAME
) -> str:
    value = row.get(column, "")
    if required and not value:
        raise RowInvalid(f"{label} is empty")
    if has_control_characters(value):
        raise RowInvalid(f"{label} contains control characters")
    if len(value) > limit:
        raise RowInvalid(f"{label} is longer than {limit} characters")
    return value


def _optional_phone(value: str, what: str, line: int, warnings: list[Problem]) -> str | None:
    if not value:
        warnings.append(Problem(line, f"{what} has no phone number"))
        return None
    try:
        return parse_gb_phone(value)
    except PhoneInvalid as error:
        warnings.append(Problem(line, f"{what}: {error}; phone left empty"))
        return None


def _date(value: str, label: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise RowInvalid(f"{label} {value!r} is not a date (YYYY-MM-DD)") from None


def _collect(
    rows: Iterator[tuple[int, dict[str, str]]],
    total: int,
    parse: Callable[[int, dict[str, str], list[Problem]], dict[str, Any]],
    skip_invalid: bool,
    progress: Progress | None,
) -> tuple[list[dict[str, Any]], list[Problem], list[Problem]]:
    records: list[dict[str, Any]] = []
    problems: list[Problem] = []
    warnings: list[Problem] = []
    for count, (line, row) in enumerate(rows, start=1):
        if SURPLUS in row:
            problems.append(Problem(line, f"{row[SURPLUS]} value(s) more than the header has columns"))
            continue
        try:
            records.append(parse(line, row, warnings))
        except RowInvalid as error:
            problems.append(Problem(line, str(error)))
        if progress and count % CHUNK == 0:
            progress(count, total)
    if problems and not skip_invalid:
        raise ImportRefused(problems)
    return records, problems, warnings


def _upsert(session: Session, table: type[SQLModel], records: list[dict[str, Any]], key: str) -> tuple[int, int]:
    """Insert or update rows on their natural key; (added, updated)."""
    if not records:
        return 0, 0
    column = getattr(table, key)
    keys = [r[key] for r in records]
    existing: set[object] = set()
    for start in range(0, len(keys), CHUNK):
        existing.update(session.scalars(select(column).where(column.in_(keys[start : start + CHUNK]))))
    dialect_insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    for start in range(0, len(records), CHUNK):
        chunk = records[start : start + CHUNK]
        statement = dialect_insert(table).values(chunk)
        updates = {name: statement.excluded[name] for name in chunk[0] if name != key}
        session.execute(statement.on_conflict_do_update(index_elements=[key], set_=updates))
    if table_of(table).name in RECORD_TABLES:  # the rows' digests go in the import's event
        for start in range(0, len(keys), CHUNK):
            chunk = keys[start : start + CHUNK]
            touch(session, table_of(table).name, session.execute(select(*primary_key(table)).where(column.in_(chunk))))
    added = len(set(keys) - existing)
    return added, len(set(keys)) - added


def primary_key(table: type[SQLModel]) -> list[Any]:
    return list(table_of(table).primary_key.columns)


def _finish(session: Session, report: ImportReport, actor: str, now: dt.datetime) -> ImportReport:
    record_event(
        session,
        actor=actor,
        kind=EventKind.IMPORTED,
        at=now,
        what=report.kind,
        added=report.added,
        updated=report.updated,
        skipped=len(report.skipped),
    )
    return report


# --- schools (GIAS establishment extract) -------------------------------------------------

GIAS_COLUMNS = ("URN", "EstablishmentName", "TypeOfEstablishment (name)", "LA (name)")


def _school_body(row: dict[str, str]) -> tuple[str, str]:
    """(responsible body name, kind): the trust for an academy, the proprietor for an
    independent school, otherwise the local authority."""
    if trust := row.get("Trusts (name)", ""):
        return trust, BodyKind.ACADEMY_TRUST.value
    if proprietor := row.get("PropsName", ""):
        return proprietor, BodyKind.PROPRIETOR.value
    return row.get("LA (name)", ""), BodyKind.LOCAL_AUTHORITY.value


def import_schools(
    engine: Engine,
    path: Path,
    actor: str,
    now: dt.datetime,
    skip_invalid: bool = False,
    progress: Progress | None = None,
) -> ImportReport:
    total, rows = read_rows(path, GIAS_COLUMNS)
    seen: dict[str, int] = {}

    def parse(line: int, row: dict[str, str], warnings: list[Problem]) -> dict[str, Any]:
        urn = row.get("URN", "")
        if reason := check_urn(urn):
            raise RowInvalid(f"URN {urn!r}: {reason}")
        if urn in seen:
            raise RowInvalid(f"URN {urn} appears again (first on line {seen[urn]})")
        seen[urn] = line
        name = _text(row, "EstablishmentName", "EstablishmentName")
        body_name, body_kind = _school_body(row)
        return {
            "urn": urn,
            "name": name,
            "type": _text(
                row, "TypeOfEstablishment (name)", "TypeOfEstablishment", required=False, limit=limits.SCHOOL_TYPE
            ),
            "phase": _text(
                row, "PhaseOfEducation (name)", "PhaseOfEducation", required=False, limit=limits.SCHOOL_PHASE
            ),
            "local_authority": _text(row, "LA (name)", "LA", required=False, limit=limits.LOCAL_AUTHORITY),
            "postcode": _text(row, "Postcode", "Postcode", required=False, limit=limits.POSTCODE),
            "phone": _optional_phone(row.get("TelephoneNum", ""), f"school {urn}", line, warnings),
            "head_name": " ".join(
                part
                for part in (
                    _text(row, "HeadFirstName", "HeadFirstName", required=False, limit=limits.PERSON_NAME),
                    _text(row, "HeadLastName", "HeadLastName", required=False, limit=limits.PERSON_NAME),
                )
                if part
            )[: limits.PERSON_NAME],
            "_body": (body_name, body_kind) if body_name else None,
        }

    records, problems, warnings = _collect(rows, total, parse, skip_invalid, progress)
    report = ImportReport("schools", skipped=problems, warnings=warnings)
    with Session(writer(engine)) as session, session.begin():
        acting_member(session, actor, Permission.IMPORT)
        bodies = {r["_body"] for r in records if r["_body"]}
        known = dict(session.execute(select(col(ResponsibleBody.name), col(ResponsibleBody.id))).all())
        for name, kind in sorted(bodies):
            if name not in known:
                body = ResponsibleBody(name=name, kind=kind)
                session.add(body)
                session.flush()
                known[name] = body.id
        for record in records:
            body = record.pop("_body")
            record["responsible_body_id"] = known[body[0]] if body else None
        report.added, report.updated = _upsert(session, School, records, "urn")
        if progress:
            progress(total, total)
        return _finish(session, report, actor, now)


# --- staff --------------------------------------------------------------------------------

STAFF_COLUMNS = ("login", "name", "role")


def import_staff(
    engine: Engine,
    path: Path,
    actor: str,
    now: dt.datetime,
    skip_invalid: bool = False,
    progress: Progress | None = None,
) -> ImportReport:
    total, rows = read_rows(path, STAFF_COLUMNS)

    def parse(line: int, row: dict[str, str], warnings: list[Problem]) -> dict[str, Any]:
        login = _text(row, "login", "login", limit=limits.LOGIN)
        if not login.replace("-", "").replace("_", "").replace(".", "").isalnum():
            raise RowInvalid(f"login {login!r} is not an account name")
        role = row.get("role", "")
        if role not in StaffRole.values():
            raise RowInvalid(f"role {role!r} is not one of {', '.join(StaffRole.values())}")
        active = row.get("active", "yes").lower()
        if active not in ("yes", "no", "true", "false", "1", "0", ""):
            raise RowInvalid(f"active {active!r} is not yes or no")
        found = {
            "login": login,
            "name": _text(row, "name", "name", limit=limits.PERSON_NAME),
            "role": role,
            "region": _text(row, "region", "region", required=False, limit=limits.REGION),
            "active": active in ("yes", "true", "1", ""),
        }
        if "email" in row:  # where a supervisor's alerts go (a file without the column leaves them be)
            email = row["email"].strip()
            if email and (len(email) > limits.EMAIL or has_control_characters(email) or not EMAIL.fullmatch(email)):
                raise RowInvalid(f"email {email[:60]!r} is not an e-mail address")
            found["email"] = email or None
        return found

    records, problems, warnings = _collect(rows, total, parse, skip_invalid, progress)
    report = ImportReport("staff", skipped=problems, warnings=warnings)
    with Session(writer(engine)) as session, session.begin():
        acting_member(session, actor, Permission.MANAGE_STAFF)
        report.added, report.updated = _upsert(session, Staff, records, "login")
        if not session.scalar(select(col(Staff.login)).where(col(Staff.role) == StaffRole.ADMIN, col(Staff.active))):
            raise Refused("this import would leave no active admin; nothing imported")
        if staff_roles_in_use(session.connection()):  # each person's own database role, in step
            for record in records:
                keep_role_in_step(session.connection(), record["login"], record["role"], record["active"])
        return _finish(session, report, actor, now)


# --- responsible bodies -------------------------------------------------------------------

BODY_COLUMNS = ("name", "kind")


def import_bodies(
    engine: Engine,
    path: Path,
    actor: str,
    now: dt.datetime,
    skip_invalid: bool = False,
    progress: Progress | None = None,
) -> ImportReport:
    total, rows = read_rows(path, BODY_COLUMNS)

    def parse(line: int, row: dict[str, str], warnings: list[Problem]) -> dict[str, Any]:
        name = _text(row, "name", "name")
        kind = row.get("kind", "")
        if kind not in BodyKind.values():
            raise RowInvalid(f"kind {kind!r} is not one of {', '.join(BodyKind.values())}")
        return {
            "name": name,
            "kind": kind,
            "contact_name": _text(row, "contact_name", "contact_name", required=False, limit=limits.PERSON_NAME),
            "contact_role": _text(row, "contact_role", "contact_role", required=False, limit=limits.PERSON_NAME),
            "phone": _optional_phone(row.get("phone", ""), f"responsible body {name!r}", line, warnings),
            "email": _text(row, "email", "email", required=False, limit=limits.EMAIL),
        }

    records, problems, warnings = _collect(rows, total, parse, skip_invalid, progress)
    report = ImportReport("responsible bodies", skipped=problems, warnings=warnings)
    with Session(writer(engine)) as session, session.begin():
        acting_member(session, actor, Permission.IMPORT)
        report.added, report.updated = _upsert(session, ResponsibleBody, records, "name")
        return _finish(session, report, actor, now)


# --- inspections --------------------------------------------------------------------------

INSPECTION_COLUMNS = ("reference", "urn", "remit", "start_date", "end_date", "lead_inspector")


def import_inspections(
    engine: Engine,
    path: Path,
    actor: str,
    now: dt.datetime,
    skip_invalid: bool = False,
    progress: Progress | None = None,
    shift_days: int = 0,
) -> ImportReport:
    """`shift_days` moves every date (the demo uses it to make its sample inspections current)."""
    total, rows = read_rows(path, INSPECTION_COLUMNS)
    with engine.connect() as connection:
        urns = set(connection.scalars(select(col(School.urn))))

    def parse(line: int, row: dict[str, str], warnings: list[Problem]) -> dict[str, Any]:
        reference = _text(row, "reference", "reference", limit=limits.INSPECTION_REFERENCE)
        urn = row.get("urn", "")
        if urn not in urns:
            raise RowInvalid(f"no school with URN {urn!r} (import schools first)")
        remit = row.get("remit", "")
        if remit not in Remit.values():
            raise RowInvalid(f"remit {remit!r} is not one of {', '.join(Remit.values())}")
        start = _date(row.get("start_date", ""), "start_date") + dt.timedelta(days=shift_days)
        end = _date(row.get("end_date", ""), "end_date") + dt.timedelta(days=shift_days)
        if end < start:
            raise RowInvalid("end_date is before start_date")
        lead = _text(row, "lead_inspector", "lead_inspector", limit=limits.LOGIN)
        team = [login for login in row.get("team", "").replace(";", " ").split() if login != lead]
        wellbeing, errors = validate_wellbeing(
            row.get("wellbeing_name", ""), row.get("wellbeing_role", ""), row.get("wellbeing_phone", "")
        )
        if errors:
            raise RowInvalid("; ".join(errors.values()))
        return {
            "reference": reference,
            "urn": urn,
            "remit": remit,
            "start_date": start,
            "end_date": end,
            "lead_inspector": lead,
            "wellbeing_name": wellbeing.name if wellbeing else None,
            "wellbeing_role": (wellbeing.role or None) if wellbeing else None,
            "wellbeing_phone": wellbeing.phone if wellbeing else None,
            "_team": team,
        }

    records, problems, warnings = _collect(rows, total, parse, skip_invalid, progress)
    report = ImportReport("inspections", skipped=problems, warnings=warnings)
    teams = {r["reference"]: [(r["lead_inspector"], "lead")] + [(m, "team") for m in r.pop("_team")] for r in records}
    with Session(writer(engine)) as session, session.begin():
        acting_member(session, actor, Permission.IMPORT)
        report.added, report.updated = _upsert(session, Inspection, records, "reference")
        if report.updated:  # a remit may have changed: the settled days' figures hold remits
            forget_settled_days(session)
        ids = dict(
            session.execute(
                select(col(Inspection.reference), col(Inspection.id)).where(col(Inspection.reference).in_(teams))
            ).all()
        )
        for reference, members in teams.items():
            team = col(InspectionMember.inspection_id) == ids[reference]
            touch(session, "inspection_member", session.execute(select(*primary_key(InspectionMember)).where(team)))
            session.execute(delete(InspectionMember).where(team))
            session.add_all(
                InspectionMember(inspection_id=ids[reference], login=login, part=part)
                for login, part in dict(members).items()
            )
        return _finish(session, report, actor, now)


# --- declared conflicts of interest -------------------------------------------------------

CONFLICT_COLUMNS = ("login", "urn", "responsible_body", "reason")


def import_conflicts(
    engine: Engine,
    path: Path,
    actor: str,
    now: dt.datetime,
    skip_invalid: bool = False,
    progress: Progress | None = None,
) -> ImportReport:
    """Replaces each listed member of staff's declared conflicts with the file's."""
    total, rows = read_rows(path, CONFLICT_COLUMNS)
    with engine.connect() as connection:
        logins = set(connection.scalars(select(col(Staff.login))))
        urns = set(connection.scalars(select(col(School.urn))))
        bodies = dict(connection.execute(select(col(ResponsibleBody.name), col(ResponsibleBody.id))).all())

    def parse(line: int, row: dict[str, str], warnings: list[Problem]) -> dict[str, Any]:
        login = row.get("login", "")
        if login not in logins:
            raise RowInvalid(f"no member of staff with login {login!r}")
        urn, body = row.get("urn", ""), row.get("responsible_body", "")
        if bool(urn) == bool(body):
            raise RowInvalid("give either a URN or a responsible body, not both or neither")
        if urn and urn not in urns:
            raise RowInvalid(f"no school with URN {urn!r}")
        if body and body not in bodies:
            raise RowInvalid(f"no responsible body named {body!r}")
        return {
            "login": login,
            "urn": urn or None,
            "responsible_body_id": bodies.get(body),
            "reason": _text(row, "reason", "reason", required=False, limit=limits.CONFLICT_REASON),
        }

    records, problems, warnings = _collect(rows, total, parse, skip_invalid, progress)
    report = ImportReport("conflicts", skipped=problems, warnings=warnings)
    with Session(writer(engine)) as session, session.begin():
        acting_member(session, actor, Permission.IMPORT)
        listed = {r["login"] for r in records}
        existing = {
            (c.login, c.urn, c.responsible_body_id)
            for c in session.scalars(select(Conflict).where(col(Conflict.login).in_(listed)))
        }
        theirs = col(Conflict.login).in_(listed)
        touch(session, "conflict", session.scalars(select(col(Conflict.id)).where(theirs)))  # replaced: sealed
        session.execute(delete(Conflict).where(theirs))
        session.add_all(Conflict(**r) for r in records)
        keys = {(r["login"], r["urn"], r["responsible_body_id"]) for r in records}
        report.added, report.updated = len(keys - existing), len(keys & existing)
        return _finish(session, report, actor, now)


# --- the on-call rota ---------------------------------------------------------------------

ROTA_COLUMNS = ("login", "starts", "ends")


def import_rota(
    engine: Engine,
    path: Path,
    actor: str,
    now: dt.datetime,
    skip_invalid: bool = False,
    progress: Progress | None = None,
) -> ImportReport:
    """Supervisors' periods on call: `login,starts,ends` (YYYY-MM-DD HH:MM, London). A period
    already on the rota for that supervisor from that start has its end updated."""
    total, rows = read_rows(path, ROTA_COLUMNS)
    with engine.connect() as connection:
        staff = {login: (role, active) for login, role, active in connection.execute(
            select(col(Staff.login), col(Staff.role), col(Staff.active))
        )}  # fmt: skip

    def parse(line: int, row: dict[str, str], warnings: list[Problem]) -> dict[str, Any]:
        login = row.get("login", "").strip()
        try:
            starts, ends = (
                rota.london_time(row.get("starts", ""), "starts"),
                rota.london_time(row.get("ends", ""), "ends"),
            )
        except rota.RotaTimeInvalid as invalid:
            raise RowInvalid(str(invalid)) from None
        role, active = staff.get(login, (None, False))
        if problems := rota.period_problems(login, role, active, starts, ends, now):
            raise RowInvalid("; ".join(problems.values()))
        return {"login": login, "starts_at": starts, "ends_at": ends}

    records, problems, warnings = _collect(rows, total, parse, skip_invalid, progress)
    report = ImportReport("rota", skipped=problems, warnings=warnings)
    with Session(writer(engine)) as session, session.begin():
        acting_member(session, actor, Permission.IMPORT)
        for record in records:
            standing = session.scalar(
                select(OnCall).where(
                    col(OnCall.login) == record["login"],
                    col(OnCall.starts_at) == record["starts_at"],
                    col(OnCall.removed_at).is_(None),
                )
            )
            if standing is None:
                session.add(OnCall(**record, added_by=actor, added_at=now))
                report.added += 1
            elif as_utc(standing.ends_at) != record["ends_at"]:
                standing.ends_at = record["ends_at"]
                report.updated += 1
        session.flush()
        return _finish(session, report, actor, now)
