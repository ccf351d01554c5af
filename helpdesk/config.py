"""Settings: command-line flags over environment variables over a config file over defaults."""

from __future__ import annotations

import os
import stat
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from helpdesk.domain.policy import Policy, load_policy
from helpdesk.shipped import shipped_file

SYSTEM_CONFIG = Path("/etc/helpdesk/config.toml")


class ConfigInvalid(ValueError):
    """The config file cannot be read; str() names the file and the fault."""


@dataclass(frozen=True)
class Settings:
    database_url: str
    policy_path: Path
    theme: str | None = None  # the console's look, by name (the console checks it)
    keys: dict[str, object] = field(default_factory=dict)  # [keys]: key id -> key (the console checks it)
    smtp: dict[str, object] = field(default_factory=dict)  # [smtp]: where alerts are sent (the sender checks it)
    policy_named_by: str | None = None  # "--policy" or "HELPDESK_POLICY" when one named the policy file

    def policy(self) -> Policy:
        check_trusted(self.policy_path, "policy file")
        return load_policy(self.policy_path)


def check_trusted(path: Path, what: str) -> None:
    """ConfigInvalid unless the file (and a link leading to it) belongs to root or to the user
    running the command, and only its owner can change it: a setting decides which database a
    member of staff writes to and what the store enforces, so nobody else may be able to write it."""
    try:
        target = path.stat()
        link = path.lstat()
    except FileNotFoundError:
        raise ConfigInvalid(f"{what} {path} does not exist") from None
    except OSError as error:
        raise ConfigInvalid(f"{what} {path} cannot be read: {error.strerror or error}") from None
    for status in (link, target):
        if status.st_uid not in (0, os.getuid()):
            raise ConfigInvalid(
                f"{what} {path} belongs to another user (uid {status.st_uid}): only a file of root's or your own is read"
            )
    if target.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        raise ConfigInvalid(
            f"{what} {path} can be changed by others (mode {stat.S_IMODE(target.st_mode):04o}): "
            "make it writable by its owner only (chmod go-w)"
        )


def config_file() -> Path | None:
    """HELPDESK_CONFIG, else the system-wide file, else the user's own, if any exists."""
    if named := os.environ.get("HELPDESK_CONFIG"):
        return Path(named)
    from platformdirs import user_config_path

    for candidate in (SYSTEM_CONFIG, user_config_path("helpdesk", appauthor=False) / "config.toml"):
        if candidate.is_file():
            return candidate
    return None


def read_config_file(path: Path | None) -> dict:
    if path is None:
        return {}
    check_trusted(path, "config file")
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigInvalid(f"config file {path} does not exist") from None
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise ConfigInvalid(f"config file {path} cannot be read: {error}") from None


def resolve_settings(database_flag: str | None = None, policy_flag: str | None = None) -> Settings:
    from helpdesk.store.db.engine import default_database_path, sqlite_url

    file_values = read_config_file(config_file())
    url = (
        database_flag
        or os.environ.get("HELPDESK_DATABASE_URL")
        or file_values.get("database_url")
        or sqlite_url(default_database_path())
    )
    policy = policy_flag or os.environ.get("HELPDESK_POLICY") or file_values.get("policy")
    named_by = "--policy" if policy_flag else "HELPDESK_POLICY" if os.environ.get("HELPDESK_POLICY") else None
    theme = os.environ.get("HELPDESK_THEME") or file_values.get("theme")
    keys = file_values.get("keys", {})
    if not isinstance(keys, dict):
        raise ConfigInvalid('config file: keys must be a table ([keys], then lines such as "call.reassign" = "ctrl+r")')
    return Settings(
        database_url=url,
        policy_path=Path(policy) if policy else shipped_file("policy.toml"),
        theme=theme or None,
        keys=keys,
        smtp=file_values.get("smtp", {}) if isinstance(file_values.get("smtp", {}), dict) else {},
        policy_named_by=named_by,
    )
