"""The `helpdesk` command: the console, and subcommands for the phone system, scripts and admins."""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import errno
import gc
import json
import os
import pwd
import sys
from pathlib import Path

from sqlalchemy.exc import DatabaseError, OperationalError, ProgrammingError

from helpdesk.clock import Clock, london_stamp
from helpdesk.config import ConfigInvalid, Settings, resolve_settings
from helpdesk.domain.policy import Policy, PolicyInvalid
from helpdesk.domain.refusals import Refused as RuleRefused
from helpdesk.domain.types import CallerRole, Category, ConcernStatus
from helpdesk.store.db.engine import DatabaseFileMissing, DatabaseFileRefused, DatabaseUrlInvalid
from helpdesk.store.db.schema import SchemaNotReady
from helpdesk.store.faults import DatabaseUnavailable, SecondReaderFailed, describe_fault, unavailable


class Refused(RuleRefused):
    """The command cannot go ahead; str() is the one line the user reads."""


def os_login() -> str:
    """The login of the real uid: never from USER or LOGNAME, which anyone can set."""
    return pwd.getpwuid(os.getuid()).pw_name


def open_engine(settings: Settings):
    from helpdesk.store.db.engine import make_engine
    from helpdesk.store.db.schema import check_schema

    engine = make_engine(settings.database_url)
    check_schema(engine)
    return engine


def identify(engine, as_login: str | None):
    """The member of staff at this terminal, or Refused with the reason."""
    from helpdesk.store.admin.demo_marker import is_demo_database
    from helpdesk.store.queries.queue import staff_member

    login = os_login()
    if as_login:
        if not is_demo_database(engine):
            raise Refused("--as is accepted only on your own demo database (one `helpdesk demo` created for you)")
        login = as_login
    member = staff_member(engine, login)
    if member is None:
        raise Refused(f"no staff account for login {login!r}: ask a helpline admin to add you")
    if not member.active:
        raise Refused(f"the staff account {login!r} is inactive: ask a helpline admin")
    return member


def run_console(engine, settings: Settings, member, exit_when_loaded: bool = False) -> int:
    from helpdesk.tui.app import HelpdeskApp
    from helpdesk.tui.themes import ThemeUnknown, chosen_theme

    try:
        theme = chosen_theme(settings.theme, no_color="NO_COLOR" in os.environ)
    except ThemeUnknown as unknown:
        raise Refused(f"{unknown} (HELPDESK_THEME or `theme` in the config file)") from None
    from helpdesk.tui.keymap import KeymapInvalid, checked_keymap

    try:
        keymap = checked_keymap(settings.keys)
    except KeymapInvalid as invalid:
        raise Refused(f"config file {invalid}") from None
    # What is loaded by now (modules, classes, the schema) lives as long as the console: set
    # apart, the garbage collector no longer walks it on every full pass, which made start-up,
    # idling and quitting slower.
    gc.freeze()
    app = HelpdeskApp(
        engine=engine,
        clock=Clock(),
        staff=member,
        policy=file_policy(settings, engine),
        database_url=settings.database_url,
        exit_when_loaded=exit_when_loaded,
        theme=theme,
    )
    if keymap:
        app.set_keymap(keymap)
    app.run()
    return app.return_code or 0


# --- subcommands ------------------------------------------------------------------------------


def refuse_without_a_terminal() -> None:
    from helpdesk.tui.terminal import NO_TERMINAL, has_terminal

    if not has_terminal():
        raise Refused(NO_TERMINAL)


def cmd_console(args, settings: Settings) -> int:
    refuse_without_a_terminal()
    engine = open_engine(settings)
    return run_console(engine, settings, identify(engine, args.as_login), args.exit_when_loaded)


def cmd_db_upgrade(args, settings: Settings) -> int:
    from helpdesk.store.db.engine import make_engine
    from helpdesk.store.db.schema import HEAD_REVISION, upgrade

    upgrade(make_engine(settings.database_url, create=True))
    print(f"database schema at revision {HEAD_REVISION}")
    return 0


def acting_for_the_database(engine, as_login: str | None, permission) -> str:
    """Who does an operator's task on the database: the host's root or the database's owner (a
    nightly job, an operator at the host), or else a member of staff whose role allows it."""
    from helpdesk.domain.permissions import permission_refusal

    if engine is None or (not as_login and runs_as_owner(engine)):
        return pwd.getpwuid(os.getuid()).pw_name
    member = identify(engine, as_login)
    if reason := permission_refusal(member.role, permission):
        raise Refused(reason)
    return member.login


def cmd_alerts_run(args, settings: Settings) -> int:
    """Send the alerts' e-mails: one pass with --once, else pass after pass until stopped."""
    import signal
    import threading

    from helpdesk.domain.permissions import Permission
    from helpdesk.store.admin.alert_sender import PassReport, SmtpInvalid, run, send_pass, smtp_from_config

    try:
        smtp = smtp_from_config(settings.smtp)
    except SmtpInvalid as invalid:
        raise Refused(str(invalid)) from None
    engine = open_engine(settings)
    actor = acting_for_the_database(engine, args.as_login, Permission.SEND_ALERTS)
    policy, clock = file_policy(settings, engine), Clock()

    def said(report: PassReport) -> None:
        print(
            f"alerts: {report.queued} queued, {report.sent} sent, {report.failed} failed (tried again)", file=sys.stderr
        )

    if args.once:
        said(send_pass(engine, smtp, policy, clock.now, actor))
        return 0
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    print(f"sending alerts through {smtp.host}:{smtp.port} as {actor}; stop with Ctrl+C or SIGTERM", file=sys.stderr)
    run(engine, smtp, policy, clock.now, actor, stop, said=said)
    return 0


def cmd_policy_load(args, settings: Settings) -> int:
    """An admin puts a new version of the policy in force, for every process on the database."""
    from helpdesk.config import check_trusted

    path = Path(args.file)
    check_trusted(path, "policy file")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise Refused(f"policy file {path} is not UTF-8 text") from None
    desk = open_desk(settings, args.as_login)
    version = desk.load_policy(text)
    print(f"policy version {version} loaded from {path}: in force now for every console and command")
    return 0


def cmd_policy_show(args, settings: Settings) -> int:
    """The policy in force: its version, who loaded it and when, and its text."""
    from helpdesk.clock import london_stamp

    desk = open_desk(settings, args.as_login)
    held = desk.policy_in_force()
    if held.version is None:
        print(
            f"this database holds no policy of its own: each process uses its policy file ({settings.policy_path});"
            " an admin puts one in force for all with `helpdesk policy load FILE`"
        )
        return 0
    assert held.loaded_at is not None  # (every stored version has its time)
    print(f"# policy version {held.version}, loaded by {held.loaded_by} {london_stamp(held.loaded_at)}")
    print(held.text, end="" if held.text.endswith("\n") else "\n")
    return 0


def cmd_db_backup(args, settings: Settings) -> int:
    from helpdesk.domain.permissions import Permission
    from helpdesk.store.admin.backup import back_up

    engine = open_engine(settings)
    actor = acting_for_the_database(engine, args.as_login, Permission.BACK_UP)
    print(f"backing up {where(settings.database_url)} ...", file=sys.stderr)
    made = back_up(
        engine,
        Path(args.dest),
        actor,
        Clock().now(),
        progress=print_bytes,
        checked=print_checked if sys.stderr.isatty() else None,
    )
    if sys.stderr.isatty():
        print(file=sys.stderr)  # (after the events checked)
    head = f"; anchor {made.head} in {made.anchor_path}" if made.head else ""
    print(f"backed up to {made.path} ({made.size:,} bytes), checked: audit trail intact{head}")
    return 0


def cmd_db_restore(args, settings: Settings) -> int:
    from helpdesk.domain.permissions import Permission
    from helpdesk.store.admin.restore import restore
    from helpdesk.store.db.engine import sqlite_file

    try:
        engine = open_engine(settings)
    except (DatabaseFileMissing, SchemaNotReady, DatabaseError) as error:
        # the live database is missing or cannot be read (what a restore is for): root or the
        # owner of its folder only, as nobody's staff account can be read
        path = sqlite_file(settings.database_url)
        if path is None or not (os.getuid() == 0 or path.parent.stat().st_uid == os.getuid()):
            raise Refused(f"{error}: only root or the owner of the database's folder can restore it now") from None
        engine = None
    actor = acting_for_the_database(engine, args.as_login, Permission.RESTORE)

    def waiting(consoles: list[str]) -> None:
        print(f"\r  waiting for {len(consoles)} console(s) to close: {', '.join(consoles)}", end="", file=sys.stderr)

    print(f"checking {args.source} before anything is touched ...", file=sys.stderr)
    done = restore(
        settings.database_url,
        engine,
        Path(args.source),
        actor,
        Clock().now(),
        args.stop_consoles,
        progress=print_bytes,
        waiting=waiting,
        checked=print_checked if sys.stderr.isatty() else None,
    )
    if sys.stderr.isatty():
        print(file=sys.stderr)  # (after the events checked)
    head = f" (its newest event {done.head})" if done.head else ""
    print(f"restored {where(settings.database_url)} from {done.source}{head}")
    aside = "the file moved aside"
    if isinstance(done.replaced, str):  # PostgreSQL: a database, renamed
        aside = f"the database {done.replaced}"
        print(f"the database it replaced was renamed {done.replaced} (drop it once you no longer need it)")
    elif done.replaced is not None:
        print(f"the database it replaced was moved aside, with its -wal and -shm: {done.replaced}")
    if done.lost is None:
        print("the database it replaced could not be read: check the restored one against your newest anchor")
    elif done.lost:
        print(f"{done.lost} event(s) recorded after the backup are not in the restored database (they are in {aside})")
    else:
        print("no event was lost: the backup held everything the replaced database did")
    live = sqlite_file(settings.database_url)
    if live is not None and live.with_name(f".{live.name}-litestream").exists():
        print(
            "Litestream copies this database: restart it now (systemctl restart helpdesk-replicate), "
            "so that it copies the restored file and not the one moved aside"
        )
    return 0


def print_bytes(done: int, total: int) -> None:
    if sys.stderr.isatty():
        print(
            f"\r  {done:,} of about {total:,} bytes copied",
            end="" if done < total else "\n",
            file=sys.stderr,
            flush=True,
        )


def cmd_db_grant(args, settings: Settings) -> int:
    from helpdesk.store.db.engine import make_engine
    from helpdesk.store.db.schema import GrantRefused, grant_console_role

    try:
        grant_console_role(make_engine(settings.database_url), args.role)
    except GrantRefused as refused:
        raise Refused(str(refused)) from None
    print(f"{args.role} may now use the helpdesk tables; on the audit trail only SELECT and INSERT")
    return 0


def cmd_db_grant_staff(args, settings: Settings) -> int:
    from helpdesk.store.db.engine import make_engine
    from helpdesk.store.db.staff_roles import StaffRolesRefused, grant_staff_roles

    try:
        count = grant_staff_roles(make_engine(settings.database_url))
    except StaffRolesRefused as refused:
        raise Refused(str(refused)) from None
    print(
        f"each member of staff connects as their own database role ({count} made or kept in step); "
        "the staff import keeps them in step from now on"
    )
    return 0


IMPORTERS = {
    "schools": "import_schools",
    "staff": "import_staff",
    "bodies": "import_bodies",
    "inspections": "import_inspections",
    "conflicts": "import_conflicts",
    "rota": "import_rota",
}


def print_progress(done: int, total: int) -> None:
    if sys.stderr.isatty():
        print(f"\r  {done:,} of {total:,} rows read", end="" if done < total else "\n", file=sys.stderr, flush=True)
    elif done == total or done % 10_000 == 0:
        print(f"  {done:,} of {total:,} rows read", file=sys.stderr)


def cmd_import(args, settings: Settings) -> int:
    from helpdesk.domain.permissions import Permission, permission_refusal
    from helpdesk.store.admin import importers

    engine = open_engine(settings)
    member = identify(engine, args.as_login)
    needed = Permission.MANAGE_STAFF if args.kind == "staff" else Permission.IMPORT
    if reason := permission_refusal(member.role, needed):  # the importer checks again as it writes
        raise Refused(reason)
    path = Path(args.file)
    if not path.is_file():
        raise Refused(f"no such file: {path}")
    run = getattr(importers, IMPORTERS[args.kind])
    try:
        report = run(engine, path, member.login, Clock().now(), skip_invalid=args.skip_invalid, progress=print_progress)
    except importers.ImportRefused as refused:
        for problem in refused.problems:
            print(f"{path.name}: {problem}", file=sys.stderr)
        if refused.whole_file:
            raise Refused(f"{path.name} cannot be imported as it is; nothing imported") from None
        raise Refused(
            f"{len(refused.problems)} bad row(s) in {path.name}; nothing imported (--skip-invalid imports the rest)"
        ) from None
    for problem in report.skipped:
        print(f"{path.name}: skipped {problem}", file=sys.stderr)
    for problem in report.warnings:
        print(f"{path.name}: warning: {problem}", file=sys.stderr)
    print(report.summary())
    return 0


def runs_as_owner(engine) -> bool:
    """Whether this process is the host's root or the database's owner."""
    from helpdesk.store.admin.staff_accounts import is_database_owner

    return os.getuid() == 0 or is_database_owner(engine)


def silence_stdout() -> None:
    """Standard output's reader went away: send whatever is still written there to nowhere."""
    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


def cmd_staff_add_admin(args, settings: Settings) -> int:
    from helpdesk.store.admin.staff_accounts import add_first_admin

    engine = open_engine(settings)
    if not runs_as_owner(engine):
        raise Refused("the first admin is added by the host's root or the database's owner")
    add_first_admin(engine, args.login, args.name, args.region, os_login(), Clock().now())
    print(f"{args.login} is the first admin; admins add the other staff with `helpdesk import staff FILE`")
    return 0


def print_checked(done: int) -> None:
    print(f"\r  {done:,} events checked", end="", file=sys.stderr, flush=True)


def may_check_the_trail(engine, as_login: str | None) -> None:
    """Supervisors and admins; and the host's root or the database's owner (a nightly job)."""
    from helpdesk.domain.permissions import Permission, permission_refusal

    if not as_login and runs_as_owner(engine):
        return
    if reason := permission_refusal(identify(engine, as_login).role, Permission.VERIFY_AUDIT):
        raise Refused(reason)


class CannotCheck(Exception):
    """`audit verify` could not read the database at all (damaged, not a helpdesk database, or
    unreachable): exit 2, where 1 means the trail was read and found broken."""


def where(database_url: str) -> str:
    """The database in words: its file, or its URL without a password."""
    from sqlalchemy.engine import make_url

    from helpdesk.store.db.engine import sqlite_file

    return str(sqlite_file(database_url) or make_url(database_url).render_as_string(hide_password=True))


def cmd_audit_verify(args, settings: Settings) -> int:
    try:
        return verify_audit_trail(args, settings)
    except (SchemaNotReady, SecondReaderFailed) as error:
        raise CannotCheck(f"cannot check {where(settings.database_url)}: {error}") from None
    except OperationalError as error:
        raise CannotCheck(f"cannot check {where(settings.database_url)}: {unavailable(error)}") from None
    except DatabaseError as error:  # sqlite3's "file is not a database", "disk image is malformed"
        raise CannotCheck(
            f"cannot check {where(settings.database_url)}: the file is damaged or is not a database "
            f"({describe_fault(error)})"
        ) from None


def verify_audit_trail(args, settings: Settings) -> int:
    from helpdesk.domain.audit_chain import Anchor
    from helpdesk.store.db.audit import verify_chain
    from helpdesk.store.queries.statistics import settled_days_in_doubt

    engine = open_engine(settings)
    may_check_the_trail(engine, args.as_login)
    texts = list(args.anchor or [])
    if args.anchor_file:
        try:
            texts += [line for line in Path(args.anchor_file).read_text(encoding="utf-8").splitlines() if line.strip()]
        except (OSError, UnicodeDecodeError) as error:
            raise Refused(f"cannot read {args.anchor_file}: {error}") from None
    try:
        anchors = tuple(Anchor.parse(text.split()[0]) for text in texts)
    except ValueError as error:
        raise Refused(str(error)) from None
    report = verify_chain(engine, anchors, progress=print_checked if sys.stderr.isatty() else None)
    if sys.stderr.isatty():
        print("\r" + " " * 40 + "\r", end="", file=sys.stderr)
    if doubted := settled_days_in_doubt(engine):
        print(
            f"figures kept for {len(doubted)} settled day(s) did not match their calls "
            f"(the first: {doubted[0].isoformat()}): let go, the figures now read those days from the calls"
        )
    if report.broken is not None:
        found = report.broken
        when = f" ({london_stamp(found.at)})" if found.at else ""
        where = f" at event {found.event_id}{when}" if found.event_id is not None else ""
        print(f"audit trail BROKEN{where}: {found.problem}")
        print(f"the {report.events:,} event(s) before it are intact", file=sys.stderr)
        return 1
    if report.record is not None and report.record.total:
        record = report.record
        print(f"the record does NOT match the audit trail: {record.total:,} row(s) of {record.rows:,}")
        for problem in record.problems:
            event = f" (its latest event: {problem.event_id})" if problem.event_id is not None else ""
            print(f"  {problem.row}{event}: {problem.problem}")
        if record.total > len(record.problems):
            print(f"  and {record.total - len(record.problems):,} more")
        return 1
    if report.story is not None and report.story.total:
        story = report.story
        print(f"the calls do NOT agree with their events: {story.total:,} call(s) of {story.calls:,}")
        for call in story.problems:
            print(f"  call {call.concern_id}: {call.problem}")
        if story.total > len(story.problems):
            print(f"  and {story.total - len(story.problems):,} more")
        return 1
    head = f"; head {report.head}" if report.head else ""
    checked = f"; {len(anchors)} anchor(s) match" if anchors else ""
    rows = f"; {report.record.rows:,} row(s) of the record match it" if report.record is not None else ""
    rows += f"; {report.story.calls:,} call(s) agree with their events" if report.story is not None else ""
    print(f"audit trail intact: {report.events:,} event(s){head}{checked}{rows}")
    return 1 if doubted else 0


def cmd_audit_head(args, settings: Settings) -> int:
    from helpdesk.store.db.audit import chain_head

    engine = open_engine(settings)
    may_check_the_trail(engine, args.as_login)
    head = chain_head(engine)
    if head is None:
        raise Refused("the audit trail is empty")
    print(f"{head}  {london_stamp(Clock().now())}")
    return 0


def open_desk(settings: Settings, as_login: str | None):
    """The desk of the member of staff at this terminal (see `identify`)."""
    from helpdesk.store.desk import Desk

    engine = open_engine(settings)
    return Desk(engine, identify(engine, as_login), Clock(), file_policy(settings, engine))


def file_policy(settings: Settings, engine) -> Policy:
    """The policy file's, for a database that holds no version of its own (the demo, the tests,
    an install before its first `policy load`). Naming a file (--policy, HELPDESK_POLICY) for a
    database that keeps its own policy is refused: a file never overrides the version in force."""
    from helpdesk.clock import london_stamp
    from helpdesk.store.queries.policy import policy_in_force

    policy = settings.policy()
    if settings.policy_named_by and (held := policy_in_force(engine, policy)).version is not None:
        if held.text != settings.policy_path.read_text(encoding="utf-8"):
            raise Refused(
                f"{settings.policy_named_by} names a policy file, but this database keeps its own policy (version "
                f"{held.version}, loaded by {held.loaded_by} {london_stamp(held.loaded_at) if held.loaded_at else ''}):"
                " a file never overrides it; an admin loads a new version with `helpdesk policy load FILE`"
            )
    return policy


def cmd_concern_add(args, settings: Settings) -> int:
    from helpdesk.domain.intake import ConcernInvalid, validate_concern

    desk = open_desk(settings, args.as_login)
    try:
        concern = validate_concern(
            urn=args.urn,
            caller_name=args.caller_name,
            caller_role=args.caller_role,
            phone=args.phone,
            category=args.category,
            summary=args.summary,
            urgent=args.urgent,
            inspection_ref=args.inspection,
            at_risk=args.risk,
        )
        concern_id = desk.log_concern(concern)
    except ConcernInvalid as invalid:
        for field, reason in invalid.errors.items():
            print(f"helpdesk: --{field.replace('_', '-')}: {reason}", file=sys.stderr)
        return 1
    print(concern_id)
    print(f"helpdesk: logged as call {concern_id}: the caller can quote this number", file=sys.stderr)
    if args.risk:
        print(
            f"helpdesk: call {concern_id} is at IMMEDIATE RISK: every supervisor's console is alerted", file=sys.stderr
        )
    return 0


def cmd_concern_list(args, settings: Settings) -> int:
    rows = open_desk(settings, args.as_login).list_concerns(status=args.status)
    if args.json:
        print(json.dumps([{**row.__dict__, "received_at": row.received_at.isoformat()} for row in rows], indent=2))
        return 0
    for row in rows:
        flag = "URGENT" if row.urgent else "      "
        held = f" ({row.claimed_by})" if row.claimed_by else ""
        print(
            f"{row.id:>6}  {london_stamp(row.received_at)}  {flag}  {row.status:<7}{held}  {row.urn}  {row.school}  {Category(row.category).label}"
        )
    return 0


def cmd_concern_show(args, settings: Settings) -> int:
    from helpdesk.domain.call import CallNumberInvalid, call_number
    from helpdesk.domain.phones import national

    try:
        number = call_number(args.number)
    except CallNumberInvalid as invalid:
        raise Refused(str(invalid)) from None
    desk = open_desk(settings, args.as_login)
    desk.record_view(number)  # refused, and the refusal recorded, as opening it in the console is
    call = desk.call(number)
    if call is None:
        raise Refused(f"there is no call {number}")
    held = f" · {call.status} by {call.claimed_by_name or call.claimed_by}" if call.claimed_by else f" · {call.status}"
    urgent = " · IMMEDIATE RISK" if call.risk else " · URGENT" if call.urgent else ""
    print(f"Call {call.id}{urgent} · {Category(call.category).label}{held} · received {london_stamp(call.received_at)}")
    print(f"Caller: {call.caller_name} — {CallerRole(call.caller_role).label}, {national(call.caller_phone)}")
    print(f"School: {call.school.name} (URN {call.school.urn}), {call.school.local_authority}")
    if call.inspection is not None:
        ins = call.inspection
        print(f"Inspection: {ins.reference}, {ins.start_date:%-d %b} – {ins.end_date:%-d %b %Y}, lead {ins.lead}")
    if call.latest_decision is not None:
        print(f"Pause decision in force: {call.latest_decision.decision}")
    print(f"Concern: {call.summary}")
    if call.outcome:
        print(f"Outcome: {call.outcome}")
    print("Timeline:")
    for entry in call.timeline:
        print(f"  {london_stamp(entry.at)}  {entry.actor}: {entry.text}")
    return 0


def identify_in_demo(engine, login: str):
    """The demo member of staff, or a refusal that lists the demo's logins by role."""
    from helpdesk.store.queries.queue import demo_logins

    try:
        return identify(engine, login)
    except Refused:
        by_role: dict[str, list[str]] = {}
        for member in demo_logins(engine):
            by_role.setdefault(member.role, []).append(member.login)
        choices = "; ".join(
            f"{role}: {', '.join(logins[:3])}{', …' if len(logins) > 3 else ''}" for role, logins in by_role.items()
        )
        raise Refused(f"the demo has no member of staff {login!r}; --as takes one of these logins: {choices}") from None


def cmd_demo(args, settings: Settings) -> int:
    from helpdesk.store.admin.demo import DEMO_SENIOR, CallSimulator, create_demo_database, demo_database_ready
    from helpdesk.store.db.engine import companions, default_database_path, make_engine, sqlite_file, sqlite_url
    from helpdesk.store.db.presence import presence_file
    from helpdesk.store.db.schema import upgrade

    refuse_without_a_terminal()
    url = args.db or os.environ.get("HELPDESK_DATABASE_URL") or sqlite_url(default_database_path("demo.sqlite"))
    settings = dataclasses.replace(settings, database_url=url)
    path = sqlite_file(url)
    if path is None:
        raise Refused("the demo runs on its own SQLite file: give --db a sqlite:/// URL, or leave it out")
    clock = Clock()
    engine = make_engine(url) if path.exists() else None
    if engine is not None and args.fresh and demo_database_ready(engine):
        engine.dispose()
        for one in (*companions(path), *companions(presence_file(path))):
            one.unlink(missing_ok=True)
        print(f"threw away the demo database at {url}", file=sys.stderr)
        engine = None
    if engine is not None and demo_database_ready(engine):
        upgrade(engine)
        print(
            f"using the demo database at {url}, made earlier (`helpdesk demo --fresh` starts afresh)", file=sys.stderr
        )
    else:
        from helpdesk.store.db.schema import current_revision

        if engine is not None and current_revision(engine) is not None:
            raise Refused(
                f"{url} holds a helpdesk database that `helpdesk demo` did not make for you; it is left alone"
            )
        print(f"creating the demo database at {url} ...", file=sys.stderr)
        if engine is not None:
            engine.dispose()
        create_demo_database(url, clock)
        engine = make_engine(url)
    member = identify_in_demo(engine, args.as_login or DEMO_SENIOR)
    simulator = None
    if not args.no_simulator:
        simulator = CallSimulator(engine, clock, interval=args.interval)
        simulator.start()
    try:
        return run_console(engine, settings, member, args.exit_when_loaded)
    finally:
        if simulator:
            simulator.stop()


def parse_day(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from None


def cmd_export(args, settings: Settings) -> int:
    desk = open_desk(settings, args.as_login)
    desk.check_may_export()  # before a file is made
    if args.end < args.start:
        raise Refused("--to is before --from")
    from helpdesk.store.faults import ExportInterrupted

    try:
        out = desk.open_export_file(Path(args.output)) if args.output else sys.stdout
    except OSError as error:
        raise Refused(f"cannot write {args.output}: {export_file_fault(error)}") from None
    try:
        count = desk.export(args.what, args.start, args.end, args.format, args.redact, out, progress=print_progress)
    except ExportInterrupted as interrupted:
        if not args.output:  # a closed pipe: nothing more is written to it, even at exit
            silence_stdout()
        raise Refused(
            f"{interrupted}; the export is recorded in the audit trail as interrupted after "
            f"{interrupted.written} record(s)"
        ) from None
    finally:
        if args.output:
            try:
                out.close()
            except OSError:
                pass
    print(f"exported {count} {args.what} record(s)" + (" (redacted)" if args.redact else ""), file=sys.stderr)
    if args.what in ("calls", "pauses", "risks") and (withheld := desk.withheld_from_export(args.start, args.end)):
        print(
            f"withheld: {withheld} call(s) of the period you are tied to (lead, team or a declared conflict)",
            file=sys.stderr,
        )
    return 0


def export_file_fault(error: OSError) -> str:
    """Why an export's file could not be made, in words."""
    if error.errno == errno.ELOOP:
        return "it is a symbolic link (an export is never written through one)"
    return (error.strerror or str(error)).lower()


def cmd_purge(args, settings: Settings) -> int:
    desk = open_desk(settings, args.as_login)
    plan = desk.plan_purge(args.closed_before)
    if not args.yes:
        if not sys.stdin.isatty():
            raise Refused("purge needs confirmation: run it in a terminal, or add --yes")
        answer = input(
            f"Anonymise the personal data of {plan.calls} closed and reviewed call(s) closed before {args.closed_before}? [y/N] "
        )
        if answer.strip().lower() not in ("y", "yes"):
            print("nothing purged", file=sys.stderr)
            return 1
    count = desk.purge(args.closed_before)
    print(f"purged the personal data of {count} call(s) closed before {args.closed_before}")
    return 0


# --- the parser ------------------------------------------------------------------------------


def common_options(in_subcommand: bool) -> argparse.ArgumentParser:
    """Options accepted before or after the subcommand (after it, they must not reset the first)."""
    default = argparse.SUPPRESS if in_subcommand else None
    common = argparse.ArgumentParser(add_help=False, argument_default=default)
    common.add_argument(
        "--db",
        metavar="URL",
        help="database URL (default: HELPDESK_DATABASE_URL, the config file, or a SQLite file in your data folder)",
    )
    common.add_argument(
        "--policy",
        metavar="FILE",
        help="policy file (default: HELPDESK_POLICY, the config file, or the shipped policy)",
    )
    common.add_argument("--as", dest="as_login", metavar="LOGIN", help="act as this demo login (demo databases only)")
    common.add_argument("--exit-when-loaded", action="store_true", default=default or False, help=argparse.SUPPRESS)
    return common


def installed_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("helpdesk")
    except PackageNotFoundError:
        return "(not installed)"


def build_parser() -> argparse.ArgumentParser:
    top, common = common_options(in_subcommand=False), common_options(in_subcommand=True)
    parser = argparse.ArgumentParser(
        prog="helpdesk",
        parents=[top],
        description="The inspection helpline console. With no subcommand, opens the live queue.",
    )
    parser.add_argument("--version", action="version", version=f"helpdesk {installed_version()}")
    parser.set_defaults(run=cmd_console)
    sub = parser.add_subparsers(title="subcommands", metavar="COMMAND")

    policy = sub.add_parser("policy", help="the policy in force").add_subparsers(metavar="ACTION", required=True)
    load = policy.add_parser(
        "load", parents=[common], help="admins: check a policy file and put it in force as a new version"
    )
    load.add_argument("file", metavar="FILE", help="the policy file (TOML, as data/policy.toml)")
    load.set_defaults(run=cmd_policy_load)
    policy.add_parser("show", parents=[common], help="the policy in force, its version and who loaded it").set_defaults(
        run=cmd_policy_show
    )
    db = sub.add_parser("db", help="database schema").add_subparsers(metavar="ACTION", required=True)
    db.add_parser("upgrade", parents=[common], help="create or upgrade the schema").set_defaults(run=cmd_db_upgrade)
    grant = db.add_parser(
        "grant", parents=[common], help="PostgreSQL: give the consoles' role what it needs (run as the owner)"
    )
    grant.add_argument("role", help="the PostgreSQL role consoles connect as")
    grant.set_defaults(run=cmd_db_grant)
    db.add_parser(
        "grant-staff",
        parents=[common],
        help="PostgreSQL: each member of staff connects as their own role (run as the owner, with CREATEROLE)",
    ).set_defaults(run=cmd_db_grant_staff)
    backup = db.add_parser(
        "backup",
        parents=[common],
        help="an online, checked copy of the database, with its anchor beside it (admins, root or the owner)",
    )
    backup.add_argument("dest", help="the file to make (never overwritten); DEST.anchor is written beside it")
    backup.set_defaults(run=cmd_db_backup)
    restore = db.add_parser(
        "restore",
        parents=[common],
        help="put a checked backup in the database's place, moving the live files aside (admins, root or the owner)",
    )
    restore.add_argument("source", help="a file `helpdesk db backup` made (its SOURCE.anchor is checked if beside it)")
    restore.add_argument(
        "--stop-consoles", action="store_true", help="tell open consoles to close, and wait for them (up to 2 minutes)"
    )
    restore.set_defaults(run=cmd_db_restore)

    alerting = sub.add_parser("alerts", help="alerts by e-mail").add_subparsers(metavar="ACTION", required=True)
    sending = alerting.add_parser(
        "run", parents=[common], help="send the alerts' e-mails through the [smtp] server (a service; root or an admin)"
    )
    sending.add_argument("--once", action="store_true", help="one pass, then exit")
    sending.set_defaults(run=cmd_alerts_run)

    imp = sub.add_parser("import", parents=[common], help="import reference data from CSV")
    imp.add_argument("kind", choices=sorted(IMPORTERS))
    imp.add_argument("file")
    imp.add_argument("--skip-invalid", action="store_true", help="import the good rows even if some are bad")
    imp.set_defaults(run=cmd_import)

    staff = sub.add_parser("staff", help="staff accounts").add_subparsers(metavar="ACTION", required=True)
    first = staff.add_parser(
        "add-admin",
        parents=[common],
        help="give a new database its first admin (root or the database owner, while no admin exists)",
    )
    first.add_argument("login", help="the admin's login on this host")
    first.add_argument("--name", required=True, help="the admin's full name")
    first.add_argument("--region", default="", help="the admin's region")
    first.set_defaults(run=cmd_staff_add_admin)

    concern = sub.add_parser("concern", help="log or list concerns").add_subparsers(metavar="ACTION", required=True)
    add = concern.add_parser("add", parents=[common], help="log a new concern in the queue")
    add.add_argument("--urn", required=True, help="the school's six-digit URN")
    add.add_argument("--caller-name", required=True)
    add.add_argument("--caller-role", required=True, help=", ".join(CallerRole.values()))
    add.add_argument("--phone", required=True, help="the caller's UK phone number")
    add.add_argument("--category", required=True, help=", ".join(Category.values()))
    add.add_argument("--summary", required=True)
    add.add_argument("--urgent", action="store_true", help="urgent or distress")
    add.add_argument(
        "--risk", action="store_true", help="immediate risk to someone's life or safety (alerts every supervisor)"
    )
    add.add_argument("--inspection", metavar="REF", help="inspection reference (default: the school's current one)")
    add.set_defaults(run=cmd_concern_add)
    listing = concern.add_parser("list", parents=[common], help="list concerns")
    listing.add_argument("--status", choices=ConcernStatus.values())
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(run=cmd_concern_list)
    showing = concern.add_parser(
        "show", parents=[common], help="print a call's record (recorded as viewed, refused as opening it is)"
    )
    showing.add_argument("number", help="the call's number, as the caller quotes it")
    showing.set_defaults(run=cmd_concern_show)

    exporting = sub.add_parser(
        "export", help="export calls, the pause register, the register of risk calls or the audit trail"
    )
    exports = exporting.add_subparsers(metavar="WHAT", required=True)
    for what, text in (
        ("calls", "calls received in the period"),
        ("pauses", "the pause register: every pause decision made in the period"),
        ("risks", "the register of calls marked at immediate risk in the period, with their protocol"),
        ("audit", "audit events in the period"),
    ):
        one = exports.add_parser(what, parents=[common], help=text)
        one.add_argument("--from", dest="start", type=parse_day, required=True, metavar="DATE")
        one.add_argument("--to", dest="end", type=parse_day, required=True, metavar="DATE")
        one.add_argument("--format", choices=("csv", "json"), default="csv")
        one.add_argument("--redact", action="store_true", help="drop names, phone numbers and free text")
        one.add_argument("--output", metavar="FILE", help="write here instead of standard output")
        one.set_defaults(run=cmd_export, what=what)

    purging = sub.add_parser("purge", parents=[common], help="anonymise personal data of old closed, reviewed calls")
    purging.add_argument("--closed-before", type=parse_day, required=True, metavar="DATE")
    purging.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    purging.set_defaults(run=cmd_purge)

    audit = sub.add_parser("audit", help="the audit trail's hash chain").add_subparsers(metavar="ACTION", required=True)
    verify = audit.add_parser("verify", parents=[common], help="walk the chain; exit 1 at the first break")
    verify.add_argument(
        "--anchor", action="append", metavar="ID:HASH", help="a head printed earlier by `audit head` (repeatable)"
    )
    verify.add_argument("--anchor-file", metavar="FILE", help="a file of heads, one per line (as `audit head` prints)")
    verify.set_defaults(run=cmd_audit_verify)
    head = audit.add_parser("head", parents=[common], help="print the newest event's id and hash, to keep off the host")
    head.set_defaults(run=cmd_audit_head)

    demo = sub.add_parser("demo", parents=[common], help="open a live demo queue on its own database")
    demo.add_argument("--no-simulator", action="store_true", help="do not simulate incoming calls")
    demo.add_argument(
        "--fresh", action="store_true", help="throw the demo database away and make a new one (the demo's own only)"
    )
    demo.add_argument(
        "--interval", type=float, default=8.0, metavar="SECONDS", help="seconds between simulated calls (default 8)"
    )
    demo.set_defaults(run=cmd_demo)
    return parser


def not_utf8(args) -> str | None:
    """The option whose value was not valid UTF-8 (the OS hands such bytes over as surrogates)."""
    for name, value in vars(args).items():
        if isinstance(value, str):
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                return f"--{name.replace('_', '-')}"
    return None


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if option := not_utf8(args):
        print(f"helpdesk: {option}: the text given is not valid UTF-8; nothing was recorded", file=sys.stderr)
        return 2
    try:
        settings = resolve_settings(args.db, args.policy)
        return args.run(args, settings)
    except BrokenPipeError:  # the reader went away (`… | head`): say nothing more on standard output
        silence_stdout()
        print("helpdesk: the output was closed before everything was written", file=sys.stderr)
    except CannotCheck as error:
        print(f"helpdesk: {error}", file=sys.stderr)
        return 2
    except (
        RuleRefused,
        ConfigInvalid,
        PolicyInvalid,
        SchemaNotReady,
        DatabaseFileMissing,
        DatabaseFileRefused,
        DatabaseUrlInvalid,
        SecondReaderFailed,
    ) as error:
        print(f"helpdesk: {error}", file=sys.stderr)
    except (DatabaseUnavailable, OperationalError, ProgrammingError, OSError) as error:  # one line, no traceback
        print(
            f"helpdesk: {unavailable(error)}; try again, or check --db",
            file=sys.stderr,
        )
    except DatabaseError as error:  # the file is not a database, or is damaged: one line too
        print(f"helpdesk: the database is damaged or is not a database ({describe_fault(error)})", file=sys.stderr)
    return 1
