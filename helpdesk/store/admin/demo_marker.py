"""What makes a database a demo, on which `--as` may act as any demo member of staff.

A setting row alone could be added to any database by anyone who can write to it. The demo's
mark is an HMAC, under a key kept in the user's own data folder (0600), of the demo file's real
path; and the file must be owned by the user and have no other name (a hard link). So a
production database, owned by the deployment's account, copied or edited or with the row
added, never passes: its path is not the one marked, its owner is not the user, or the user
holds no key that signed it."""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

from sqlalchemy import Engine, select
from sqlmodel import col

from helpdesk.store.db.engine import sqlite_file
from helpdesk.store.db.models import Setting

DEMO_SETTING = "demo"


def demo_key_path() -> Path:
    from platformdirs import user_data_path

    return user_data_path("helpdesk", appauthor=False) / "demo.key"


def demo_key(create: bool = False) -> bytes | None:
    """This user's demo key: made on first use by `helpdesk demo`, readable by them alone."""
    path = demo_key_path()
    try:
        return bytes.fromhex(path.read_text(encoding="ascii").strip())
    except (FileNotFoundError, ValueError):
        if not create:
            return None
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_CREAT | os.O_TRUNC | os.O_WRONLY | os.O_NOFOLLOW, 0o600)  # never through a link
    try:
        os.fchmod(descriptor, 0o600)
        key = secrets.token_bytes(32)
        os.write(descriptor, key.hex().encode("ascii"))
    finally:
        os.close(descriptor)
    return key


def demo_mark(key: bytes, path: Path) -> str:
    return hmac.new(key, str(path.resolve()).encode("utf-8"), hashlib.sha256).hexdigest()


def is_demo_database(engine: Engine) -> bool:
    path = sqlite_file(str(engine.url))
    key = demo_key()
    if path is None or key is None:
        return False
    try:
        status = path.stat()
    except OSError:
        return False
    if status.st_uid != os.getuid() or status.st_nlink != 1:
        return False
    with engine.connect() as connection:
        mark = connection.scalar(select(col(Setting.value)).where(col(Setting.key) == DEMO_SETTING))
    return mark is not None and hmac.compare_digest(mark, demo_mark(key, path))


def mark_as_demo(engine: Engine, final_path: Path | None = None) -> None:
    """Sign the database as this user's demo (`helpdesk demo` does it as it seeds one; a
    benchmark or a test with a throwaway database may too). `final_path`: where the file will
    be moved to when complete, if it is built aside."""
    from sqlmodel import Session

    from helpdesk.store.db.engine import writer

    path = final_path or sqlite_file(str(engine.url))
    if path is None:
        raise ValueError("only a SQLite file can be a demo database")
    mark = demo_mark(demo_key(create=True) or b"", path)
    with Session(writer(engine)) as session, session.begin():
        session.merge(Setting(key=DEMO_SETTING, value=mark))
