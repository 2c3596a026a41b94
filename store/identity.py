"""Which databases this machine has served, so a start that finds one gone says so instead of starting empty.

SQLite creates a missing database without a word, and `Store.migrate` creates a missing directory: a
data directory deleted (or a volume not mounted) would become a fresh, empty database, and every vote,
answer and plan would silently be gone. So each serving start notes the database's id (the one drawn by
store/journal.py `m002_database_identity`) under its absolute path, in a small file outside the data
directory: `$XDG_STATE_HOME/article-circle/databases.json` (default `~/.local/state/...`). A start that
finds the path noted but no file there refuses, naming the id, until a backup is restored or the operator
says a new database is wanted (`ALLOW_NEW_DATABASE=1`).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from store.db import StoreError


def registry() -> Path:
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "article-circle" / "databases.json"


def _known() -> dict[str, str]:
    try:
        found = json.loads(registry().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return found if isinstance(found, dict) else {}


def refuse_if_gone(database_path: str | Path) -> None:
    """StoreError when a database served here before is missing (its directory deleted, a volume not
    mounted), unless ALLOW_NEW_DATABASE=1."""
    path = Path(database_path).resolve()
    known = _known().get(str(path))
    if known is None or path.exists() or os.environ.get("ALLOW_NEW_DATABASE") == "1":
        return
    where = "and its directory are" if not path.parent.exists() else "is"
    raise StoreError(f"the database {path} (id {known}) that this machine served before {where} gone; "
                     "restore it (`python -m bot restore BACKUP` or `litestream restore`), or start with "
                     f"ALLOW_NEW_DATABASE=1 for a new, empty one (noted in {registry()})")


def remember(database_path: str | Path, database_id: str) -> None:
    """Note the database served at this path (written whole and renamed: never half a file)."""
    path = Path(database_path).resolve()
    known = _known()
    if known.get(str(path)) == database_id:
        return
    known[str(path)] = database_id
    target = registry()
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary = target.with_name(f"{target.name}.{os.getpid()}")
        temporary.write_text(json.dumps(known, indent=1), encoding="utf-8")
        temporary.replace(target)
    except OSError:
        pass  # a machine without a writable home: the guard is lost, serving is not
