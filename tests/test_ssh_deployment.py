"""The deployment recipe for real, as the README tells an operator to run it: deploy/install.sh
(into a folder of the test's, for a group of its own, with sshd's configuration beside it),
sshd on 127.0.0.1 with UsePAM off, the first admin and two staff added by deploy/add-staff.sh,
two `ssh -tt` sessions in tmux. Each sees its own name; a claim made in one shows as claimed in
the other; a session without a terminal is told so and leaves nothing running; every account
made is removed at the end.

Needs root, sshd, ssh, tmux and a system Python with venv (.ci/run installs them). Elsewhere it
is skipped, but never in CI."""

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
from helpdesk.store.commands.intake import log_concern
from helpdesk.store.db.audit import verify_chain
from helpdesk.store.db.engine import make_engine, sqlite_url

DEPLOY = Path(__file__).resolve().parents[1] / "deploy"
SSHD = shutil.which("sshd") or "/usr/sbin/sshd"
SYSTEM_PYTHON = "/usr/bin/python3"  # install.sh's default


def missing() -> str | None:
    if os.geteuid() != 0:
        return "needs root to create staff accounts"
    for tool in (SSHD, "ssh", "ssh-keygen", "tmux", "useradd", "runuser", SYSTEM_PYTHON):
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


class Deployment:
    """deploy/'s scripts pointed at a folder of this test's: the program, the config, the data and
    sshd's configuration move; the group and the accounts are the test's own."""

    def __init__(self, tag: str) -> None:
        self.tag = tag
        self.work = Path(f"/tmp/helpdesk-ssh-{tag}")  # short, and reachable by the staff accounts
        self.group = f"hdg{tag}"
        self.env = {
            **os.environ,
            "HELPDESK_GROUP": self.group,
            "HELPDESK_PREFIX": str(self.work / "opt"),
            "HELPDESK_ETC": str(self.work / "etc"),
            "HELPDESK_DATA": str(self.work / "data"),
            "SSHD_DIR": str(self.work / "ssh"),
            "HELPDESK_REPLICA": str(self.work / "replica"),
        }
        self.env.pop("HELPDESK_CONFIG", None)
        self.accounts: list[str] = []
        self.port = free_port()
        self.sshd: subprocess.Popen | None = None

    @property
    def config(self) -> Path:
        return self.work / "etc" / "config.toml"

    def script(self, name: str, *args: str, **env: str) -> subprocess.CompletedProcess:
        return run("bash", str(DEPLOY / name), *args, env={**self.env, **env})

    def prepare_sshd(self) -> None:
        """What openssh-server leaves on a host: a main config reading sshd_config.d, a host key."""
        (self.work / "ssh").mkdir(parents=True)
        run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(self.work / "host_key"))
        (self.work / "ssh" / "sshd_config").write_text(
            f"Include {self.work}/ssh/sshd_config.d/*.conf\n"
            f"Port {self.port}\nListenAddress 127.0.0.1\nHostKey {self.work / 'host_key'}\n"
            f"PidFile {self.work / 'sshd.pid'}\nUsePAM no\n"
        )

    def start_sshd(self) -> None:
        Path("/run/sshd").mkdir(exist_ok=True)
        Path("/run/sshd").chmod(0o755)  # sshd's privilege separation folder
        self.sshd = subprocess.Popen(
            [SSHD, "-D", "-e", "-f", str(self.work / "ssh" / "sshd_config")], stderr=subprocess.PIPE, text=True
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.1)
        raise AssertionError("sshd did not start listening")

    def add_staff(self, login: str, name: str, role: str, admin: str | None = None) -> None:
        key = self.work / f"id_{login}"
        run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key))
        self.accounts.append(login)
        self.script(
            "add-staff.sh", login, name, role, "London", f"{key}.pub", **({"HELPDESK_ADMIN": admin} if admin else {})
        )

    def as_staff(self, login: str, *args: str) -> subprocess.CompletedProcess:
        helpdesk = str(self.work / "opt" / "venv" / "bin" / "helpdesk")
        return run("runuser", "-u", login, "--", "env", f"HELPDESK_CONFIG={self.config}", helpdesk, *args)

    def ssh(self, login: str, *options: str) -> list[str]:
        return [
            "ssh",
            *options,
            "-p",
            str(self.port),
            "-i",
            str(self.work / f"id_{login}"),
            "-o",
            "StrictHostKeyChecking=no",
            "-o",
            "UserKnownHostsFile=/dev/null",
            "-o",
            "LogLevel=ERROR",
        ]

    def processes_of(self, login: str) -> str:
        return subprocess.run(["pgrep", "-a", "-u", login], capture_output=True, text=True).stdout.strip()

    def take_down(self) -> list[str]:
        """Everything the test made goes, as an operator removes it: uninstall.sh, then each
        account (its processes ended first: userdel refuses an account still in use). Returns
        what could not be removed."""
        left: list[str] = []
        if self.sshd is not None:
            self.sshd.terminate()
            self.sshd.wait(timeout=10)
        if (self.work / "opt").exists():
            self.script("uninstall.sh")
        for login in self.accounts:
            subprocess.run(["pkill", "-KILL", "-u", login], capture_output=True)
            deadline = time.monotonic() + 10
            while self.processes_of(login) and time.monotonic() < deadline:
                time.sleep(0.1)
            done = subprocess.run(["userdel", "--remove", login], capture_output=True, text=True)
            if subprocess.run(["id", login], capture_output=True).returncode == 0:
                left.append(f"account {login}: {done.stderr.strip()}")
        subprocess.run(["groupdel", self.group], capture_output=True)
        if subprocess.run(["getent", "group", self.group], capture_output=True).returncode == 0:
            left.append(f"group {self.group}")
        shutil.rmtree(self.work, ignore_errors=True)
        return left


def postgres_deployment(tag: str, work: Path, own_roles: bool = False) -> tuple[str, str]:
    """deploy/postgres-roles.sh against the test server: the database, its owner and the
    consoles' role (or, `own_roles`, each member of staff's own). Returns (database, consoles' URL)."""
    server = make_url(POSTGRES_URL)
    database, owner, console = f"hd_ssh_{tag}", f"hdo_{tag}", f"hdc_{tag}"
    helpdesk = work / "helpdesk"  # the helpdesk command: this checkout's (README: a venv with the extra)
    helpdesk.write_text(f'#!/bin/sh\nexec {sys.executable} -m helpdesk "$@"\n')
    helpdesk.chmod(0o755)
    env = {
        **os.environ,
        "PGUSER": server.username or "postgres",
        "OWNER_ROLE": owner,
        "CONSOLE_ROLE": console,
        "HELPDESK": str(helpdesk),
        "STAFF_ROLES": "yes" if own_roles else "no",
    }
    done = run("bash", str(DEPLOY / "postgres-roles.sh"), server.host, str(server.port), database, env=env, cwd=work)
    url = done.stdout.strip().splitlines()[-1].split('"')[1]
    assert make_url(url).username == (None if own_roles else console)  # own roles: the OS login's
    return database, url


def owner_url(url: str, tag: str) -> str:
    return make_url(url).set(username=f"hdo_{tag}").render_as_string(hide_password=False)


def drop_postgres_deployment(database: str, tag: str, staff: list[str] = ()) -> None:
    """The database and every role it made: the owner's, the consoles', and (own roles) each
    member of staff's and their groups."""
    from sqlalchemy import create_engine

    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)"))
        groups = ["helpdesk_admins", "helpdesk_staff"] if staff else []
        for role in (*staff, *groups, f"hdc_{tag}", f"hdo_{tag}"):
            connection.execute(text(f'DROP ROLE IF EXISTS "{role}"'))
    admin.dispose()


ROLES_LOCK = 4712  # roles belong to the whole server: one test with staff roles at a time


def log_a_call(url: str, admin: str) -> None:
    concern = validate_concern(
        urn="930037",
        caller_name="Grace Ellis",
        caller_role="headteacher",
        phone="0113 496 0777",
        category="pause_request",
        summary="Head asks for a pause",
        urgent=True,
    )
    engine = make_engine(url)
    log_concern(engine, concern, admin, dt.datetime.now(dt.UTC))
    engine.dispose()


@pytest.mark.parametrize("database", ["sqlite", "postgresql", "postgresql-own-roles"])
def test_two_staff_over_ssh_see_themselves_and_each_others_claims(database):
    assert missing() is None, missing()
    if database.startswith("postgresql") and not POSTGRES_URL:
        pytest.skip("HELPDESK_TEST_POSTGRES_URL is not set (.ci/postgres starts a server)")
    own_roles = database == "postgresql-own-roles"
    lock = None
    if own_roles:
        from sqlalchemy import create_engine

        lock = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT").connect()
        lock.execute(text(f"SELECT pg_advisory_lock({ROLES_LOCK})"))
    tag = secrets.token_hex(3)
    deployment = Deployment(tag)
    admin, logins = f"hdw{tag}", [f"hda{tag}", f"hdb{tag}"]
    names = {logins[0]: "Ada Tester", logins[1]: "Bo Tester"}
    terminals = Terminals(f"helpdesk-ssh-{tag}")
    postgres_database = None
    left: list[str] = []
    try:
        deployment.work.mkdir(mode=0o755)
        deployment.prepare_sshd()
        if database.startswith("postgresql"):  # the README's order: the roles, then the config, then install.sh
            postgres_database, url = postgres_deployment(tag, deployment.work, own_roles)
            deployment.config.parent.mkdir()
            deployment.config.write_text(f'database_url = "{url}"\n')
            if own_roles:  # root acts as the owner (the first admin); everyone else as themselves
                deployment.env["HELPDESK_DB_OWNER"] = f"hdo_{tag}"
        installed = deployment.script("install.sh")
        assert "installed helpdesk " in installed.stdout and "sshd is not running: start it" in installed.stdout
        assert f"e-mail alerts: set [smtp] in {deployment.work / 'etc'}/config.toml" in installed.stdout
        if database == "sqlite":
            url = sqlite_url(deployment.work / "data" / "helpdesk.sqlite")
            assert f'"{url}"' in deployment.config.read_text()
            # the continuous copy, configured for these places (its run: tests/test_restore_drill.py)
            copy = (deployment.work / "etc" / "litestream.yml").read_text()
            assert f"path: {deployment.work / 'data' / 'helpdesk.sqlite'}" in copy
            assert f"path: {deployment.work / 'replica'}" in copy
            assert (deployment.work / "opt" / "venv" / "bin" / "litestream").exists()
            assert "start the continuous copy: run " in installed.stdout
        assert stat.S_IMODE(deployment.config.stat().st_mode) == 0o640
        deployment.start_sshd()

        # the first admin as root; they import the schools; then two seniors, imported by them
        deployment.add_staff(admin, "Win Admin", "admin")
        schools = deployment.work / "schools.csv"
        shutil.copy(shipped_file("edubasealldata20261101.csv"), schools)
        schools.chmod(0o644)
        deployment.as_staff(admin, "import", "schools", str(schools))
        for login in logins:
            deployment.add_staff(login, names[login], "senior", admin=admin)
        shadow = {line.split(":")[0]: line.split(":")[1] for line in Path("/etc/shadow").read_text().splitlines()}
        assert all(shadow[login] == "*" for login in [admin, *logins])  # keys only, and not locked
        log_a_call(owner_url(url, tag) if own_roles else url, admin)
        # two staff, two terminals: one xterm-256color, one 16-colour linux console
        for login, term in zip(logins, ("xterm-256color", "linux"), strict=True):
            command = " ".join(deployment.ssh(login, "-tt", "-o", "SendEnv=COLORTERM")) + f" {login}@127.0.0.1"
            terminals.open(login, command, term)
        for login in logins:
            terminals.wait_for(login, f"{names[login]} · senior", 40)
        if database == "sqlite":  # consoles open: every file the group's, 0660, nothing for others
            data = deployment.work / "data"
            files = sorted(data.iterdir())
            assert {"helpdesk.sqlite", "helpdesk.sqlite-shm", "helpdesk.sqlite-wal"} <= {f.name for f in files}
            for path in files:
                assert stat.S_IMODE(path.stat().st_mode) == 0o660, path
                assert path.stat().st_gid == data.stat().st_gid, path

        a, b = logins
        terminals.wait_for(b, "1 waiting", 10)
        terminals.keys(a, "c")  # claim the selected (only) call
        terminals.wait_for(a, "CLAIMED by Ada Tester", 15)
        started = time.monotonic()
        shown = terminals.wait_for(b, "A. Tester", 5)  # the other console, within seconds
        assert "0 waiting" in shown and "1 claimed" in shown, shown
        assert time.monotonic() - started < 5

        # without a terminal (-T, or a command, which the forced command ignores): one line, at
        # once, and nothing of the session left running (the admin has no other session open)
        for options, command in ((["-T"], []), ([], ["/bin/sh", "-c", "id"])):
            done = subprocess.run(
                [*deployment.ssh(admin, *options), f"{admin}@127.0.0.1", *command],
                stdin=subprocess.DEVNULL,
                capture_output=True,
                text=True,
                timeout=30,
            )
            assert done.returncode == 1 and done.stdout == "", (done.stdout, done.stderr)
            assert done.stderr.strip() == (
                "helpdesk: the console needs a terminal: connect with `ssh -t`, or run it in one; nothing was opened"
            )
            deadline = time.monotonic() + 5
            while deployment.processes_of(admin) and time.monotonic() < deadline:
                time.sleep(0.1)
            assert deployment.processes_of(admin) == ""

        # staff get the console and nothing else: port forwarding is refused
        refused = subprocess.run(
            [
                *deployment.ssh(a, "-N", "-o", "ExitOnForwardFailure=yes", "-R", "127.0.0.1:0:127.0.0.1:22"),
                f"{a}@127.0.0.1",
            ],
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert refused.returncode != 0 and "forwarding failed" in refused.stderr, refused.stderr
        if own_roles:  # each on their own role: raw SQL as themselves is refused by the server
            python = str(deployment.work / "opt" / "venv" / "bin" / "python")
            for statement in ("UPDATE staff SET role = 'admin'", "DELETE FROM event", "UPDATE advice SET text = ''"):
                script = (
                    "import sys; from sqlalchemy import create_engine, text\n"
                    f"with create_engine({url!r}).begin() as c:\n"
                    "    print(c.execute(text('SELECT session_user')).scalar())\n"
                    f"    c.execute(text({statement!r}))\n"
                )
                tried = subprocess.run(["runuser", "-u", a, "--", python, "-c", script], capture_output=True, text=True)
                assert tried.returncode == 1 and tried.stdout.strip() == a, (tried.stdout, tried.stderr)
                assert "permission denied" in tried.stderr, tried.stderr
        # what the two consoles wrote is one intact chain, attributed to the staff who did it
        engine = make_engine(owner_url(url, tag) if own_roles else url)
        assert verify_chain(engine).intact
        with engine.connect() as connection:
            claims = connection.execute(text("SELECT actor FROM event WHERE kind = 'claimed'")).scalars().all()
        engine.dispose()
        assert claims == [a]
    finally:
        terminals.close()
        left = deployment.take_down()
        if postgres_database:
            drop_postgres_deployment(postgres_database, tag, [admin, *logins] if own_roles else [])
        if lock is not None:
            lock.execute(text(f"SELECT pg_advisory_unlock({ROLES_LOCK})"))
            lock.close()
    assert left == [], f"left behind: {left}"  # the machine's accounts as the test found them


def test_install_refuses_a_python_the_staff_cannot_run():
    """root's Python in a private folder (one built in root's home, 0700): the staff accounts
    would get "Permission denied". install.sh says so before it installs anything."""
    assert missing() is None, missing()
    deployment = Deployment(secrets.token_hex(3))
    try:
        deployment.work.mkdir(mode=0o755)
        deployment.prepare_sshd()
        private = deployment.work / "root-home"
        private.mkdir(mode=0o700)
        (private / "python3").symlink_to(SYSTEM_PYTHON)
        done = subprocess.run(
            ["bash", str(DEPLOY / "install.sh")],
            env={**deployment.env, "PYTHON": str(private / "python3")},
            capture_output=True,
            text=True,
        )
        assert done.returncode == 1 and done.stderr.strip() == (
            f"install: {private / 'python3'} cannot be run by the staff accounts (is it in a private folder?): "
            "name a system Python with PYTHON=, e.g. PYTHON=/usr/bin/python3"
        )
        assert not (deployment.work / "opt").exists() and not (deployment.work / "ssh" / "sshd_config.d").exists()
    finally:
        assert deployment.take_down() == []
