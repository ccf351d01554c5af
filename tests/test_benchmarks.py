"""Every benchmark in bench/ runs as shipped, at its smallest size, on SQLite and (where it takes
`--db`) on PostgreSQL: none can rot unnoticed. Nothing here times anything; the figures are the
benchmarks' own business (README, Performance)."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
POSTGRES_URL = os.environ.get("HELPDESK_TEST_POSTGRES_URL", "")

pytestmark = pytest.mark.slow

SMALLEST = {
    "alert_email.py": ["--changes", "3"],
    "audit_verify.py": ["--sizes", "200"],
    "backup.py": ["--sizes", "200"],
    "change_cost.py": ["--changes", "4", "--waiting", "20"],
    "claims.py": ["--processes", "2", "--seconds", "1"],
    "export_month.py": ["--sizes", "200"],
    "figures.py": ["--sizes", "200", "--runs", "1"],
    "idle.py": ["--seconds", "2"],
    "keeping_up.py": ["--consoles", "2", "--rates", "2", "--seconds", "2", "--hogs", "1"],
    "keys_burst.py": ["--chars", "20", "--runs", "1"],
    "look_up.py": ["--sizes", "200"],
    "propagation.py": ["--changes", "3"],
    "purge.py": ["--calls", "300", "--claimers", "1"],
    "queue_filter.py": ["--open", "10"],
    "queue_query.py": ["--runs", "3"],
    "record_verify.py": ["--sizes", "200"],
    "review_page.py": [],
    "risk_alert.py": ["--changes", "3"],
    "startup.py": ["--runs", "1", "--waiting", "5", "--closed", "200"],
}
# (modules the benchmarks share, not benchmarks themselves)
HELPERS = {"benchdb.py", "counted_console.py", "idle_floor_app.py", "startup_floor_app.py"}
# what takes --db, and what it wants there: a server whose databases it names, or one to fill
ON_THE_SERVER = {"look_up.py", "backup.py"}
TO_FILL = {
    "alert_email.py",
    "audit_verify.py",
    "keeping_up.py",
    "propagation.py",
    "queue_query.py",
    "record_verify.py",
    "risk_alert.py",
}


def test_every_benchmark_has_its_smallest_size_here():
    shipped = {path.name for path in (ROOT / "bench").glob("*.py")} - HELPERS
    assert shipped == set(SMALLEST)


def run(name: str, *args: str, cache: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "HELPDESK_BENCH_CACHE": str(cache)}
    return subprocess.run(
        [sys.executable, str(ROOT / "bench" / name), *SMALLEST[name], *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        stdin=subprocess.DEVNULL,
    )


@pytest.mark.parametrize("name", sorted(SMALLEST))
def test_the_benchmark_runs_as_shipped_on_sqlite(name, tmp_path):
    done = run(name, cache=tmp_path)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    assert "Traceback" not in done.stderr and done.stdout.strip(), done.stderr[-3000:]


@pytest.mark.parametrize("name", sorted(ON_THE_SERVER | TO_FILL))
def test_the_benchmark_runs_as_shipped_on_postgresql(name, tmp_path):
    if not POSTGRES_URL:
        pytest.skip("HELPDESK_TEST_POSTGRES_URL is not set (.ci/postgres starts a server)")
    from sqlalchemy import create_engine, make_url, text

    url, made = POSTGRES_URL, None
    if name in TO_FILL:  # an empty database of its own
        made = f"bench_{uuid.uuid4().hex[:10]}"
        admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f"CREATE DATABASE {made}"))
        url = make_url(POSTGRES_URL).set(database=made).render_as_string(hide_password=False)
    try:
        done = run(name, "--db", url, cache=tmp_path)
        assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
        assert "Traceback" not in done.stderr and done.stdout.strip(), done.stderr[-3000:]
    finally:
        if made:
            with admin.connect() as connection:
                connection.execute(text(f"DROP DATABASE IF EXISTS {made} WITH (FORCE)"))
            admin.dispose()
