"""`helpdesk db backup` and `helpdesk db restore` on SQLite, beside their floors, at each size of
closed calls with their whole record (as bench/benchdb.py builds them):

- backup: `back_up()` (VACUUM INTO, then SQLite's integrity check and the whole of `audit
  verify` on the copy, the anchor, the event) against SQLite's online backup API copying the
  same file with no checks (what `sqlite3 .backup` does);
- restore: `restore()` (the copy, its integrity check and `audit verify`, the consoles' check,
  the live files moved aside, the rename, the event) against copying the file and renaming it.

The size of the backup is printed beside the live file's. Databases are built once per size
and the builder's version and kept in the cache folder (HELPDESK_BENCH_CACHE, default
~/.cache/helpdesk-bench); each run works on a copy.

PostgreSQL (`--db URL`): `back_up()` (pg_dump's custom format, then `pg_restore --list`) against
a plain `pg_dump -Fc`; `restore()` (pg_restore into a new database, the whole of `audit verify`
there, the renames, the grants, the event) against creating a database and a plain pg_restore.
The built databases are kept on the server, named with their size and the builder's version.

Run: python bench/backup.py [--sizes 10000,100000] [--db postgresql+psycopg://…]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import sqlite3
import tempfile
import time
from pathlib import Path

import benchdb
from helpdesk.store.admin.backup import back_up
from helpdesk.store.admin.restore import restore
from helpdesk.store.db.engine import make_engine, sqlite_url


def floor_backup(source: Path, dest: Path) -> float:
    started = time.perf_counter()
    with sqlite3.connect(source) as live, sqlite3.connect(dest) as copy:
        live.backup(copy)
    return time.perf_counter() - started


def floor_restore(source: Path, live: Path) -> float:
    started = time.perf_counter()
    staged = live.with_name("staged.sqlite")
    shutil.copyfile(source, staged)
    os.rename(staged, live)
    return time.perf_counter() - started


def one_size(calls: int) -> None:
    built = benchdb.cached_with_records(calls)
    with tempfile.TemporaryDirectory(prefix="helpdesk-bench-backup-") as folder:
        work = Path(folder)
        live = work / "helpdesk.sqlite"
        shutil.copyfile(built, live)
        engine = make_engine(sqlite_url(live))
        floor_before = floor_backup(live, work / "floor-1.sqlite")
        started = time.perf_counter()
        made = back_up(engine, work / "backup.sqlite", "bench", dt.datetime.now(dt.UTC))
        backed = time.perf_counter() - started
        floor_after = floor_backup(live, work / "floor-2.sqlite")
        floor = min(floor_before, floor_after)
        print(
            f"  backup: {backed:.2f} s for {made.size / 1e6:.0f} MB (live file {live.stat().st_size / 1e6:.0f} MB); "
            f"floor (SQLite's backup API, no checks) {floor:.2f} s: {backed / floor:.1f}x",
            flush=True,
        )
        restore_floor_before = floor_restore(made.path, work / "floor-live.sqlite")
        started = time.perf_counter()
        restore(sqlite_url(live), engine, made.path, "bench", dt.datetime.now(dt.UTC))
        restored = time.perf_counter() - started
        restore_floor_after = floor_restore(made.path, work / "floor-live.sqlite")
        restore_floor = min(restore_floor_before, restore_floor_after)
        print(
            f"  restore: {restored:.2f} s; floor (copy the file and rename it) {restore_floor:.2f} s: "
            f"{restored / restore_floor:.1f}x",
            flush=True,
        )


# --- PostgreSQL ---------------------------------------------------------------------------------


def server(url: str):
    from sqlalchemy import create_engine, make_url

    return create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")


def cached_postgres(url: str, calls: int) -> str:
    """`calls` closed calls with their records, built once on the server; each run copies it."""
    return benchdb.cached_postgres(
        url,
        f"helpdesk_bench_backup_{calls}_{benchdb.BUILDER_VERSION}",
        lambda building: benchdb.build(building, waiting=0, closed=calls, record=True),
    )


def pg_tool(tool: str, *args: str) -> float:
    import subprocess

    started = time.perf_counter()
    subprocess.run([tool, *args], check=True, capture_output=True)
    return time.perf_counter() - started


def one_size_postgres(url: str, calls: int) -> None:
    from sqlalchemy import make_url, text

    template = cached_postgres(url, calls)
    admin = server(url)
    live_name, floor_name = f"bench_live_{calls}", f"bench_floor_{calls}"
    with admin.connect() as connection:
        for name in (live_name, floor_name):
            connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        connection.execute(text(f"CREATE DATABASE {live_name} TEMPLATE {template}"))
    live = make_url(url).set(database=live_name)
    plain = live.set(drivername="postgresql").render_as_string(hide_password=False)
    with tempfile.TemporaryDirectory(prefix="helpdesk-bench-backup-") as folder:
        work = Path(folder)
        engine = make_engine(live.render_as_string(hide_password=False))
        floor = pg_tool("pg_dump", "--format=custom", f"--file={work / 'floor-1.dump'}", f"--dbname={plain}")
        started = time.perf_counter()
        made = back_up(engine, work / "backup.dump", "bench", dt.datetime.now(dt.UTC))
        backed = time.perf_counter() - started
        floor = min(
            floor, pg_tool("pg_dump", "--format=custom", f"--file={work / 'floor-2.dump'}", f"--dbname={plain}")
        )
        print(
            f"  backup: {backed:.2f} s for {made.size / 1e6:.0f} MB; floor (plain pg_dump -Fc) {floor:.2f} s: "
            f"{backed / floor:.1f}x",
            flush=True,
        )
        floor_url = live.set(drivername="postgresql", database=floor_name).render_as_string(hide_password=False)

        def floor_restore_postgres() -> float:
            with admin.connect() as connection:
                connection.execute(text(f"DROP DATABASE IF EXISTS {floor_name} WITH (FORCE)"))
                started = time.perf_counter()
                connection.execute(text(f"CREATE DATABASE {floor_name}"))
            return time.perf_counter() - started + pg_tool("pg_restore", f"--dbname={floor_url}", str(made.path))

        restore_floor = floor_restore_postgres()
        started = time.perf_counter()
        done = restore(live.render_as_string(hide_password=False), engine, made.path, "bench", dt.datetime.now(dt.UTC))
        restored = time.perf_counter() - started
        restore_floor = min(restore_floor, floor_restore_postgres())
        print(
            f"  restore: {restored:.2f} s; floor (createdb and a plain pg_restore) {restore_floor:.2f} s: "
            f"{restored / restore_floor:.1f}x",
            flush=True,
        )
        engine.dispose()
    with admin.connect() as connection:
        for name in (live_name, floor_name, str(done.replaced)):
            connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
    admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000", help="closed calls, comma-separated")
    parser.add_argument("--db", help="a PostgreSQL URL (its server keeps the built databases): PostgreSQL, not SQLite")
    args = parser.parse_args()
    for calls in (int(size) for size in args.sizes.split(",")):
        print(f"{calls:,} closed calls:", flush=True)
        if args.db:
            one_size_postgres(args.db, calls)
        else:
            one_size(calls)


if __name__ == "__main__":
    main()
