"""Files shipped with the package: reference samples, demo data and the default policy."""

from __future__ import annotations

from importlib import resources
from pathlib import Path


def shipped_file(name: str) -> Path:
    """Path of a file from the project's `data/` folder, installed or in a source checkout."""
    installed = resources.files("helpdesk") / "data" / name
    if installed.is_file():
        return Path(str(installed))
    source = Path(__file__).resolve().parent.parent / "data" / name
    if source.is_file():
        return source
    raise FileNotFoundError(f"helpdesk data file {name!r} is missing from this installation")
