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
import tempfile
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
from helpdesk.store.db.engine import make_engine
engine = make_engine(sys.argv[1])
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
        writer = subprocess.Popen([sys.executable, "-c", WRITER, sqlite_url(db_path), str(acknowledged)])
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


def pg_bin() -> Path | None:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))
    return found[-1].parent if found else None


def postgres_missing() -> str | None:
    if os.geteuid() != 0:
        return "needs root (a cluster run as the postgres account)"
    if pg_bin() is None:
        return "needs PostgreSQL's server programs (.ci/postgres installs them)"
    if subprocess.run(["id", "postgres"], capture_output=True).returncode != 0:
        return "needs the postgres account"
    return None


class Cluster:
    """A PostgreSQL cluster of the drill's own, run as the postgres account on loopback."""

    def __init__(self, folder: Path) -> None:
        self.folder, self.data = folder, folder / "data"
        self.bin = pg_bin()
        with __import__("socket").socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]

    def run(self, *command: str, check: bool = True) -> subprocess.CompletedProcess:
        # the output goes to a file: a server pg_ctl starts keeps what it inherits open, and a
        # pipe read to its end would wait for ever
        with open(self.folder / "commands.log", "a+") as said:
            start = said.tell()
            done = subprocess.run(
                ["runuser", "-u", "postgres", "--", *command],
                stdin=subprocess.DEVNULL,
                stdout=said,
                stderr=said,
                cwd="/",
                timeout=300,
            )
            said.seek(start)
            output = said.read()
        if check and done.returncode != 0:
            raise AssertionError(f"{' '.join(command)}: {output.strip()}")
        return done

    def start(self) -> None:
        options = f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.folder}"
        log = self.folder / "server.log"
        pg_ctl = str(self.bin / "pg_ctl")
        started = self.run(
            pg_ctl, "-D", str(self.data), "-l", str(log), "-w", "-t", "120", "-o", options, "start", check=False
        )
        if started.returncode:
            raise AssertionError(f"the server did not start: {log.read_text()[-2000:] if log.exists() else ''}")

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def postmaster(self) -> int:
        return int((self.data / "postmaster.pid").read_text().splitlines()[0])


@pytest.mark.skipif(
    postgres_missing() is not None and not os.environ.get("CI"), reason=f"PostgreSQL drill: {postgres_missing()}"
)
def test_postgresql_with_wal_archiving_loses_nothing_older_than_archive_timeout(tmp_path):
    from sqlalchemy import create_engine, text

    from helpdesk.store.db.schema import upgrade
    from support import import_samples

    assert postgres_missing() is None, postgres_missing()
    folder = Path(tempfile.mkdtemp(prefix="helpdesk-drill-"))  # reachable by the postgres account
    folder.chmod(0o755)
    shutil.chown(folder, "postgres")
    archive, base = folder / "archive", folder / "base"
    cluster = Cluster(folder)
    timeout_seconds = 2  # the deployment's default is 60s: the drill is kept short
    writer = None
    try:
        cluster.run(str(cluster.bin / "initdb"), "-D", str(cluster.data), "-A", "trust", "-U", "postgres")
        cluster.start()
        archiving = subprocess.run(
            ["bash", str(DEPLOY / "postgres-archiving.sh"), "127.0.0.1", str(cluster.port), str(archive)],
            env={**os.environ, "PGUSER": "postgres", "ARCHIVE_TIMEOUT": f"{timeout_seconds}s"},
            capture_output=True,
            text=True,
        )
        assert archiving.returncode == 0, archiving.stderr
        cluster.run(
            str(cluster.bin / "pg_ctl"),
            "-D",
            str(cluster.data),
            "-w",
            "restart",
            "-o",
            f"-c listen_addresses=127.0.0.1 -p {cluster.port} -k {folder}",
        )
        admin = create_engine(cluster.url(), isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text("CREATE DATABASE helpdesk"))
        admin.dispose()
        engine = make_engine(cluster.url("helpdesk"))
        upgrade(engine)
        import_samples(engine, __import__("datetime").datetime.now(__import__("datetime").UTC))
        engine.dispose()
        cluster.run(
            str(cluster.bin / "pg_basebackup"),
            "-h",
            "127.0.0.1",
            "-p",
            str(cluster.port),
            "-U",
            "postgres",
            "-D",
            str(base),
            "--checkpoint=fast",
        )

        acknowledged = tmp_path / "acknowledged.txt"
        writer = subprocess.Popen(
            [
                sys.executable,
                "-c",
                WRITER,
                cluster.url("helpdesk"),
                str(acknowledged),
            ]
        )
        wait_for(lambda: acknowledged.exists() and len(acknowledged.read_text().splitlines()) > 100, 60, "few writes")
        time.sleep(3 * timeout_seconds)
        os.kill(cluster.postmaster(), signal.SIGKILL)  # the machine stops
        os.kill(writer.pid, signal.SIGKILL)
        failed_at = time.time()
        writer.wait(timeout=10)
        time.sleep(1)
        shutil.rmtree(cluster.data)  # the disk is lost
        for stale in folder.glob(".s.PGSQL.*"):  # (the killed server's socket: not on a new machine)
            stale.unlink()

        # the newest base backup, then the archive replayed to its end
        cluster.run("cp", "-a", str(base), str(cluster.data))
        with open(cluster.data / "postgresql.auto.conf", "a") as settings:
            settings.write(f"restore_command = 'cp {archive}/%f %p'\n")
        (cluster.data / "recovery.signal").touch()
        shutil.chown(cluster.data / "recovery.signal", "postgres")
        started = time.monotonic()
        cluster.start()
        restored = make_engine(cluster.url("helpdesk"))
        wait_for(lambda: not _in_recovery(restored), 120, "still recovering")
        restore_seconds = time.monotonic() - started
        with restored.connect() as connection:
            present = set(connection.scalars(select(Concern.id)).all())
        told = [(int(n), float(at)) for n, at in (line.split() for line in acknowledged.read_text().splitlines())]
        lost = [(n, at) for n, at in told if n not in present]
        window = failed_at - min(at for _, at in lost) if lost else 0.0
        print(
            f"\npostgresql drill: {len(told)} writes acknowledged, {len(lost)} lost; the oldest lost was acknowledged "
            f"{window:.3f} s before the failure (archive_timeout {timeout_seconds} s); recovery {restore_seconds:.1f} s"
        )
        promise = timeout_seconds + 1.0  # a segment is closed at most archive_timeout after a write, then copied
        late = [n for n, at in lost if failed_at - at > promise]
        assert late == [], f"calls {late} were acknowledged more than {promise} s before the failure and lost"
        assert verify_chain(restored).intact
        restored.dispose()
    finally:
        if writer is not None and writer.poll() is None:
            writer.kill()
        if cluster.data.exists():
            cluster.run(str(cluster.bin / "pg_ctl"), "-D", str(cluster.data), "-m", "immediate", "stop", check=False)
        shutil.rmtree(folder, ignore_errors=True)


def _in_recovery(engine) -> bool:
    from sqlalchemy import text
    from sqlalchemy.exc import OperationalError

    try:
        with engine.connect() as connection:
            return bool(connection.scalar(text("SELECT pg_is_in_recovery()")))
    except OperationalError:
        return True
