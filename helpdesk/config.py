"""Settings: command-line flags over environment variables over a config file over defaults."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
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

    def policy(self) -> Policy:
        return load_policy(self.policy_path)


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
    theme = os.environ.get("HELPDESK_THEME") or file_values.get("theme")
    return Settings(
        database_url=url, policy_path=Path(policy) if policy else shipped_file("policy.toml"), theme=theme or None
    )
