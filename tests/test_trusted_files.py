"""Files are what they claim: a config or policy file others can change, or that another user
owns, is refused in one line; a database (or its -wal, -shm or presence file) reached through a
symbolic link is refused, and nothing follows a link to change a file's mode; `audit verify` on
a damaged or foreign file says so in one line and exits 2."""

from __future__ import annotations

import os
import sqlite3
import stat

import pytest

from helpdesk.store.db.engine import make_engine, sqlite_url

ROOT_ONLY = pytest.mark.skipif(os.getuid() != 0, reason="giving a file to another user needs root")
STRANGER = 54321  # a uid with no account here


def one_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err  # never a traceback
    return lines[0]


@pytest.fixture
def config(tmp_path, monkeypatch, db_path):
    path = tmp_path / "config.toml"
    path.write_text(f'database_url = "{sqlite_url(db_path)}"\n')
    path.chmod(0o644)
    monkeypatch.delenv("HELPDESK_DATABASE_URL", raising=False)
    monkeypatch.setenv("HELPDESK_CONFIG", str(path))
    return path


@pytest.mark.parametrize("mode", [0o666, 0o646, 0o664])
def test_a_config_file_others_can_change_is_refused(run_cli, config, mode):
    config.chmod(mode)
    code, out, err = run_cli("concern", "list")
    assert code == 1 and out == ""
    assert one_line(err) == (
        f"helpdesk: config file {config} can be changed by others (mode {mode:04o}): "
        "make it writable by its owner only (chmod go-w)"
    )


def test_a_config_file_only_its_owner_can_change_is_read(run_cli, config):
    config.chmod(0o640)
    code, _, err = run_cli("concern", "list")
    assert code == 0, err


@ROOT_ONLY
def test_a_config_file_owned_by_another_user_is_refused(run_cli, config):
    os.chown(config, STRANGER, -1)
    code, _, err = run_cli("concern", "list")
    assert code == 1
    assert one_line(err) == (
        f"helpdesk: config file {config} belongs to another user (uid {STRANGER}): "
        "only a file of root's or your own is read"
    )


@ROOT_ONLY
def test_a_link_to_a_trusted_config_planted_by_another_user_is_refused(run_cli, config, tmp_path, monkeypatch):
    link = tmp_path / "planted.toml"
    link.symlink_to(config)
    os.lchown(link, STRANGER, -1)
    monkeypatch.setenv("HELPDESK_CONFIG", str(link))
    code, _, err = run_cli("concern", "list")
    assert code == 1 and "belongs to another user" in one_line(err)


def test_a_policy_file_others_can_change_is_refused(run_cli, config, tmp_path):
    from helpdesk.shipped import shipped_file

    policy = tmp_path / "policy.toml"
    policy.write_text(shipped_file("policy.toml").read_text())
    policy.chmod(0o666)
    code, _, err = run_cli("--policy", str(policy), "concern", "list")
    assert code == 1
    assert one_line(err) == (
        f"helpdesk: policy file {policy} can be changed by others (mode 0666): "
        "make it writable by its owner only (chmod go-w)"
    )


@pytest.mark.parametrize("companion", ["", "-wal", "-shm"])
def test_a_database_reached_through_a_link_is_refused_and_its_target_untouched(run_cli, db_path, tmp_path, companion):
    """A link planted in the shared folder, pointing at a file of root's (or anyone's) with a
    loose mode: the console refuses it and changes nothing through it."""
    target = tmp_path / "someone-elses-file"
    target.write_text("not yours")
    target.chmod(0o644)
    if companion:
        (db_path.with_name(db_path.name + companion)).unlink(missing_ok=True)
        db_path.with_name(db_path.name + companion).symlink_to(target)
        planted = db_path.with_name(db_path.name + companion)
        url = sqlite_url(db_path)
    else:
        planted = tmp_path / "linked.sqlite"
        planted.symlink_to(db_path)
        url = sqlite_url(planted)
    code, _, err = run_cli("--db", url, "audit", "verify", login="wcole")
    assert code == 1
    assert one_line(err) == (
        f"helpdesk: {planted} is a symbolic link: a database and its -wal, -shm and presence files "
        "are opened only by their own paths"
    )
    assert stat.S_IMODE(target.stat().st_mode) == 0o644 and target.read_text() == "not yours"


def test_a_presence_file_that_is_a_link_is_refused(db_path, tmp_path):
    from helpdesk.store.db.engine import DatabaseFileRefused
    from helpdesk.store.db.presence import presence_engine, presence_file

    target = tmp_path / "elsewhere.sqlite"
    target.write_bytes(b"")
    presence_file(db_path).symlink_to(target)
    engine = make_engine(sqlite_url(db_path))
    with pytest.raises(DatabaseFileRefused):
        presence_engine(engine)
    assert target.read_bytes() == b""


def test_the_mode_of_a_database_is_kept_private_without_following_links(db_path, tmp_path):
    """keep_private takes access away from others on the file itself, never through a link."""
    from helpdesk.store.db.engine import keep_private

    db_path.chmod(0o664)
    keep_private(db_path)
    assert stat.S_IMODE(db_path.stat().st_mode) == 0o660


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (os.urandom(20_000), "is damaged or is not a database"),
        (b"SQLite format 3\x00" + os.urandom(5_000), "is damaged or is not a database"),
        (None, "has no helpdesk schema"),
    ],
    ids=["random bytes", "a damaged header", "a foreign SQLite file"],
)
def test_audit_verify_on_a_damaged_or_foreign_file_says_so_in_one_line(run_cli, tmp_path, content, says):
    path = tmp_path / "not-ours.sqlite"
    if content is None:
        with sqlite3.connect(path) as connection:
            connection.execute("CREATE TABLE other (x)")
    else:
        path.write_bytes(content)
    path.chmod(0o600)
    code, out, err = run_cli("--db", sqlite_url(path), "audit", "verify", login="wcole")
    assert code == 2 and out == ""
    assert says in one_line(err) and str(path) in err
