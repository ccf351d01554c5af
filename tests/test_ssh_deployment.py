"""The deployment recipe for real: sshd on 127.0.0.1 with deploy/'s Match Group block and
ForceCommand, two staff accounts with keys, two `ssh -tt` sessions in tmux. Each sees its own
name; a claim made in one shows as claimed in the other.

Needs root, sshd, ssh and tmux (.ci/run installs them). Elsewhere it is skipped, but never in CI."""

from __future__ import annotations

import datetime as dt
import os
import secrets
import shutil
import socket
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import make_url, text

from helpdesk.domain.intake import validate_concern
from helpdesk.shipped import shipped_file
from helpdesk.store.admin import importers
from helpdesk.store.admin.staff_accounts import add_first_admin
from helpdesk.store.commands.intake import log_concern
from helpdesk.store.db.audit import verify_chain
from helpdesk.store.db.engine import make_engine, sqlite_url
from helpdesk.store.db.schema import upgrade

DEPLOY = Path(__file__).resolve().parents[1] / "deploy"
SSHD = shutil.which("sshd") or "/usr/sbin/sshd"


def missing() -> str | None:
    if os.geteuid() != 0:
        return "needs root to create staff accounts"
    for tool in (SSHD, "ssh", "ssh-keygen", "tmux", "useradd"):
        if not (Path(tool).exists() or shutil.which(tool)):
            return f"needs {tool}"
    return None


pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(missing() is not None and not os.environ.get("CI"), reason=f"SSH deployment test: {missing()}"),
]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def run(*command: str, **kwargs) -> subprocess.CompletedProcess:
    done = subprocess.run(command, capture_output=True, text=True, **kwargs)
    if done.returncode != 0:
        raise AssertionError(f"{' '.join(command)} exited {done.returncode}: {done.stderr.strip()}")
    return done


def let_others_through(path: Path, changed: list[tuple[Path, int]]) -> None:
    """Staff accounts must reach this checkout's Python: add search (x) on each folder above it."""
    for folder in [path, *path.parents]:
        mode = folder.stat().st_mode
        if not mode & stat.S_IXOTH:
            changed.append((folder, mode))
            folder.chmod(mode | stat.S_IXOTH)


class Terminals:
    """A private tmux server: one window per ssh session."""

    def __init__(self, name: str) -> None:
        self.socket = name

    def tmux(self, *args: str) -> str:
        return run("tmux", "-L", self.socket, *args).stdout

    def open(self, name: str, command: str, term: str) -> None:
        # the pane stays after the session ends, so that a failure shows what ssh said
        self.tmux(
            "new-session",
            "-d",
            "-s",
            name,
            "-x",
            "100",
            "-y",
            "30",
            f"env TERM={term} COLORTERM=truecolor {command}; echo ssh ended $?; sleep 120",
        )

    def screen(self, name: str) -> str:
        return self.tmux("capture-pane", "-p", "-t", name)

    def keys(self, name: str, *keys: str) -> None:
        self.tmux("send-keys", "-t", name, *keys)

    def wait_for(self, name: str, text: str, seconds: float) -> str:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            shown = self.screen(name)
            if text in shown:
                return shown
            time.sleep(0.2)
        raise AssertionError(f"{text!r} not on {name}'s screen after {seconds} s:\n{self.screen(name)}")

    def close(self) -> None:
        subprocess.run(["tmux", "-L", self.socket, "kill-server"], capture_output=True)


POSTGRES_URL = os.environ.get("HELPDESK_TEST_POSTGRES_URL")


def seed(engine, admin: str, logins: list[str], names: dict[str, str], work: Path) -> None:
    """The deployment's first steps: root adds the first admin, who imports staff and schools;
    one call waits in the queue."""
    now = dt.datetime.now(dt.UTC)
    add_first_admin(engine, admin, "Win Admin", "London", "root", now)
    staff_csv = work / "staff.csv"
    staff_csv.write_text(
        "login,name,role,region,active\n" + "".join(f"{login},{names[login]},senior,London,yes\n" for login in logins)
    )
    importers.import_staff(engine, staff_csv, admin, now)
    importers.import_schools(engine, shipped_file("edubasealldata20261101.csv"), admin, now)
    concern = validate_concern(
        urn="930037",
        caller_name="Grace Ellis",
        caller_role="headteacher",
        phone="0113 496 0777",
        category="pause_request",
        summary="Head asks for a pause",
        urgent=True,
    )
    log_concern(engine, concern, admin, now)


def postgres_deployment(tag: str, work: Path) -> tuple[str, str, str]:
    """deploy/postgres-roles.sh against the test server: the database, its owner and the
    consoles' role. Returns (database, owner role, consoles' URL)."""
    server = make_url(POSTGRES_URL)
    database, owner, console = f"hd_ssh_{tag}", f"hdo_{tag}", f"hdc_{tag}"
    helpdesk = work / "helpdesk"
    helpdesk.write_text(f'#!/bin/sh\nexec {sys.executable} -m helpdesk "$@"\n')
    helpdesk.chmod(0o755)
    env = {
        **os.environ,
        "PGUSER": server.username or "postgres",
        "OWNER_ROLE": owner,
        "CONSOLE_ROLE": console,
        "HELPDESK": str(helpdesk),
    }
    done = run("bash", str(DEPLOY / "postgres-roles.sh"), server.host, str(server.port), database, env=env, cwd=work)
    url = done.stdout.strip().splitlines()[-1].split('"')[1]
    assert make_url(url).username == console
    return database, owner, url


def drop_postgres_deployment(database: str, tag: str) -> None:
    from sqlalchemy import create_engine, text

    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)"))
        for role in (f"hdc_{tag}", f"hdo_{tag}"):
            connection.execute(text(f"DROP ROLE IF EXISTS {role}"))
    admin.dispose()


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_two_staff_over_ssh_see_themselves_and_each_others_claims(tmp_path, database):
    assert missing() is None, missing()
    if database == "postgresql" and not POSTGRES_URL:
        pytest.skip("HELPDESK_TEST_POSTGRES_URL is not set (.ci/postgres starts a server)")
    tag = secrets.token_hex(3)
    group, logins = f"hdg{tag}", [f"hda{tag}", f"hdb{tag}"]
    names = {logins[0]: "Ada Tester", logins[1]: "Bo Tester"}
    work = Path(f"/tmp/helpdesk-ssh-{tag}")  # short, and reachable by the staff accounts
    changed: list[tuple[Path, int]] = []
    terminals = Terminals(f"helpdesk-ssh-{tag}")
    sshd = None
    postgres_database = None
    try:
        work.mkdir(mode=0o755)
        run("groupadd", group)
        for login in logins:
            run("useradd", "--create-home", "--groups", group, "--shell", "/bin/sh", login)
            run("usermod", "--password", "*", login)  # no password, but not "locked": keys work

        if database == "sqlite":
            # the shared database, as deploy/install.sh lays it out: a setgid folder of the group
            data = work / "data"
            data.mkdir()
            shutil.chown(data, group=group)
            data.chmod(0o2770)
            url = sqlite_url(data / "helpdesk.sqlite")
            engine = make_engine(url, create=True)  # as `helpdesk db upgrade` does, with root's umask
            upgrade(engine)
        else:
            postgres_database, _, url = postgres_deployment(tag, work)
            engine = make_engine(url)  # the consoles' role: root adds the first admin through it
        seed(engine, f"hdw{tag}", logins, names, work)
        if database == "sqlite":  # the group's, 0660, and nothing for anyone else: -wal and -shm too
            files = sorted(data.iterdir())
            assert [f.name for f in files] == ["helpdesk.sqlite", "helpdesk.sqlite-shm", "helpdesk.sqlite-wal"]
            for path in files:
                assert stat.S_IMODE(path.stat().st_mode) == 0o660, path
                assert path.stat().st_gid == data.stat().st_gid, path
        engine.dispose()

        # the console as deploy/ installs it, pointed at this test's config and Python
        config = work / "config.toml"
        config.write_text(f'database_url = "{url}"\n')
        console = work / "helpdesk-console"
        console.write_text(
            (DEPLOY / "helpdesk-console")
            .read_text()
            .replace("/etc/helpdesk/config.toml", str(config))
            .replace("/opt/helpdesk/venv/bin/helpdesk", f"{sys.executable} -m helpdesk")
        )
        console.chmod(0o755)
        let_others_through(Path(sys.prefix), changed)
        let_others_through(Path(os.path.realpath(sys.executable)).parent, changed)
        let_others_through(Path(sys.base_prefix), changed)
        let_others_through(Path(__import__("helpdesk").__file__).parent, changed)

        # sshd on loopback with the recipe's Match block
        keys = work / "keys"
        keys.mkdir()
        run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(work / "host_key"))
        for login in logins:
            run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(work / f"id_{login}"))
            shutil.copy(work / f"id_{login}.pub", keys / login)
            (keys / login).chmod(0o644)
        port = free_port()
        recipe = (DEPLOY / "sshd_helpdesk.conf").read_text().replace("Match Group helpdesk", f"Match Group {group}")
        recipe = recipe.replace("/opt/helpdesk/bin/helpdesk-console", str(console))
        (work / "sshd_config").write_text(
            f"Port {port}\nListenAddress 127.0.0.1\nHostKey {work / 'host_key'}\nPidFile {work / 'sshd.pid'}\n"
            f"AuthorizedKeysFile {keys}/%u\nUsePAM no\nStrictModes no\nPubkeyAuthentication yes\n"
            "AcceptEnv LANG LC_* COLORTERM NO_COLOR\n" + recipe
        )
        Path("/run/sshd").mkdir(exist_ok=True)
        Path("/run/sshd").chmod(0o755)  # sshd's privilege separation folder
        run(SSHD, "-t", "-f", str(work / "sshd_config"))
        sshd = subprocess.Popen([SSHD, "-D", "-e", "-f", str(work / "sshd_config")], stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.1)

        # two staff, two terminals: one xterm-256color, one 16-colour linux console
        for login, term in zip(logins, ("xterm-256color", "linux"), strict=True):
            terminals.open(
                login,
                (
                    f"ssh -tt -p {port} -i {work / f'id_{login}'} -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null "
                    f"-o SendEnv=COLORTERM -o LogLevel=ERROR {login}@127.0.0.1"
                ),
                term,
            )
        for login in logins:
            terminals.wait_for(login, f"{names[login]} · senior", 40)
        a, b = logins
        terminals.wait_for(b, "1 waiting", 10)
        terminals.keys(a, "c")  # claim the selected (only) call
        terminals.wait_for(a, "CLAIMED by Ada Tester", 15)
        started = time.monotonic()
        shown = terminals.wait_for(b, "A. Tester", 5)  # the other console, within seconds
        assert "0 waiting" in shown and "1 claimed" in shown, shown
        assert time.monotonic() - started < 5
        # staff get the console and nothing else: port forwarding is refused
        refused = subprocess.run(
            [
                "ssh",
                "-N",
                "-p",
                str(port),
                "-i",
                str(work / f"id_{a}"),
                "-o",
                "StrictHostKeyChecking=no",
                "-o",
                "UserKnownHostsFile=/dev/null",
                "-o",
                "LogLevel=ERROR",
                "-o",
                "ExitOnForwardFailure=yes",
                "-R",
                "127.0.0.1:0:127.0.0.1:22",
                f"{a}@127.0.0.1",
            ],
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert refused.returncode != 0 and "forwarding failed" in refused.stderr, refused.stderr
        # what the two consoles wrote is one intact chain, attributed to the staff who did it
        engine = make_engine(url)
        assert verify_chain(engine).intact
        with engine.connect() as connection:
            claims = connection.execute(text("SELECT actor FROM event WHERE kind = 'claimed'")).scalars().all()
        engine.dispose()
        assert claims == [a]
    finally:
        terminals.close()
        if sshd is not None:
            sshd.terminate()
            sshd.wait(timeout=10)
        for login in logins:
            subprocess.run(["userdel", "--remove", login], capture_output=True)
        subprocess.run(["groupdel", group], capture_output=True)
        if postgres_database:
            drop_postgres_deployment(postgres_database, tag)
        for folder, mode in reversed(changed):
            folder.chmod(mode)
        shutil.rmtree(work, ignore_errors=True)
