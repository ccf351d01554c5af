"""The restore drill: a console writes under load while Litestream copies the database as
deploy/litestream.yml sets it up; both are killed with SIGKILL, the database file and its -wal
and -shm are removed (the disk is lost), the database is restored from the continuous copy, and
every write acknowledged more than the promised interval before the failure is there, each
checked by its call number; the restored trail verifies and a console starts on it.

The measured window (how long before the failure the oldest lost write was acknowledged) is
printed: `pytest -s tests/test_restore_drill.py`."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from helpdesk.store.db.audit import verify_chain
from helpdesk.store.db.engine import make_engine, sqlite_url
from helpdesk.store.db.models import Concern
from support import console, settle

pytestmark = pytest.mark.slow  # real processes killed, a restore from the copy

DEPLOY = Path(__file__).resolve().parents[1] / "deploy"
PROMISE_SECONDS = 1.0  # the README's promise for SQLite with Litestream
LITESTREAM = shutil.which("litestream") or str(Path(sys.executable).parent / "litestream")

WRITER = """
import datetime as dt, sys, time
from helpdesk.domain.intake import validate_concern
from helpdesk.store.commands.intake import log_concern
from helpdesk.store.db.engine import make_engine, sqlite_url
engine = make_engine(sqlite_url(sys.argv[1]))
concern = validate_concern(urn="930037", caller_name="Grace Ellis", caller_role="headteacher",
                           phone="0113 496 0777", category="other", summary="drill")
with open(sys.argv[2], "w") as acknowledged:
    while True:
        number = log_concern(engine, concern, "gsingh", dt.datetime.now(dt.UTC))
        acknowledged.write(f"{number} {time.time()}\\n")  # the caller has been told this number
        acknowledged.flush()
        time.sleep(0.01)
"""


def litestream_config(database: Path, replica: Path) -> str:
    """deploy/litestream.yml, with this drill's places (as deploy/install.sh writes it)."""
    return (
        (DEPLOY / "litestream.yml")
        .read_text()
        .replace("/var/lib/helpdesk/helpdesk.sqlite", str(database))
        .replace("/srv/helpdesk-replica", str(replica))
    )


def wait_for(condition, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} after {seconds} s")
        time.sleep(0.1)


@pytest.mark.skipif(
    not Path(LITESTREAM).exists() and not os.environ.get("CI"),
    reason="needs Litestream (pip install '.[test]' installs it)",
)
async def test_a_lost_disk_loses_no_write_acknowledged_more_than_a_second_before(
    db_path, tmp_path, engine, clock, policy
):
    engine.dispose()
    replica = tmp_path / "replica"  # in a deployment: another disk
    config = tmp_path / "litestream.yml"
    config.write_text(litestream_config(db_path, replica))
    log = open(tmp_path / "litestream.log", "w")  # noqa: SIM115 - open while it runs
    copying = subprocess.Popen([LITESTREAM, "replicate", "-config", str(config)], stdout=log, stderr=log)
    writer = None
    try:
        wait_for(lambda: any(replica.rglob("*.ltx")), 30, "Litestream made no snapshot")
        acknowledged = tmp_path / "acknowledged.txt"
        writer = subprocess.Popen([sys.executable, "-c", WRITER, str(db_path), str(acknowledged)])
        wait_for(lambda: acknowledged.exists() and len(acknowledged.read_text().splitlines()) > 100, 60, "few writes")
        time.sleep(3)
        for process in (copying, writer):  # the machine stops: nothing gets to finish
            os.kill(process.pid, signal.SIGKILL)
        failed_at = time.time()
        for process in (copying, writer):
            process.wait(timeout=10)
    finally:
        for process in (copying, writer):
            if process is not None and process.poll() is None:
                process.kill()
        log.close()
    for path in db_path.parent.glob(db_path.name + "*"):  # the disk is lost: the file, -wal, -shm
        path.unlink()

    started = time.monotonic()
    done = subprocess.run(
        [LITESTREAM, "restore", "-config", str(config), "-o", str(db_path), str(db_path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    restore_seconds = time.monotonic() - started
    assert done.returncode == 0, done.stderr

    restored = make_engine(sqlite_url(db_path))
    with restored.connect() as connection:
        present = set(connection.scalars(select(Concern.id)).all())
    told = [(int(number), float(at)) for number, at in (line.split() for line in acknowledged.read_text().splitlines())]
    lost = [(number, at) for number, at in told if number not in present]
    window = failed_at - min(at for _, at in lost) if lost else 0.0
    print(
        f"\ndrill: {len(told)} writes acknowledged, {len(lost)} lost; the oldest lost was acknowledged "
        f"{window:.3f} s before the failure (promise: {PROMISE_SECONDS} s); restore {restore_seconds:.2f} s"
    )
    late = [number for number, at in lost if failed_at - at > PROMISE_SECONDS]
    assert late == [], f"calls {late} were acknowledged more than {PROMISE_SECONDS} s before the failure and lost"
    assert len(present) >= len(told) - len(lost)  # (and the reference calls, none)
    assert verify_chain(restored).intact
    restored.dispose()

    # the console starts on the restored database and shows its queue
    app = console(make_engine(sqlite_url(db_path)), clock, policy, "gsingh")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert "waiting" in str(app.screen.query_one("#queue-header").render())
