"""A consistent copy of the database while the app serves, and putting one back without overwriting a live one.

`backup` copies the database with SQLite's online backup API (`sqlite3.Connection.backup`): one read
transaction, so the copy is the database as it was at one moment, while the app goes on writing (WAL lets
readers and the writer run side by side). Votes and quiz answers the app acknowledged and has not applied
yet are in its click journal (store/journal.py), not in SQLite: the journal files are copied after the
database, into `<DEST>-clicks/`. Each file's applied mark is in the copy, so the first start on the restored
database applies exactly what the copy lacks (`Clicks.recover`). The one thing a backup can miss is a click
applied in the instant between the two copies *and* in a journal file that, full, is deleted in that same
instant; a journal holds 16,384 clicks, so that needs a full file's worth of clicks at that moment.

`restore` refuses to touch a database a running process uses (its click journal is locked, store/journal.py),
and a database that exists unless told to (`force`): then the one there is moved aside, not deleted.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path


class BackupError(Exception):
    """A backup or restore that was refused or failed; the message says why and what to do."""


@dataclass(frozen=True)
class Copied:
    database: Path
    journals: list[Path]


def journal_directory(database: Path) -> Path:
    """`bot.db` → `bot.db-clicks/`, as bot/ingest/clicks.py names it."""
    return database.with_name(database.name + "-clicks")


def _copy_database(source: Path, dest: Path) -> None:
    """`source` into `dest` (a new file) by the online backup API, checked before it is given its name."""
    partial = dest.with_name(dest.name + ".partial")
    partial.unlink(missing_ok=True)
    try:
        src = sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=30)
        try:
            dst = sqlite3.connect(partial)
            try:
                src.backup(dst)  # every page in one step: one read transaction, one moment
                problem = dst.execute("PRAGMA quick_check").fetchone()[0]
            finally:
                dst.close()
        finally:
            src.close()
        if problem != "ok":
            raise BackupError(f"the copy of {source} does not check out: {problem}")
        os.replace(partial, dest)
    except sqlite3.Error as exc:
        raise BackupError(f"cannot copy {source}: {exc}") from exc
    finally:
        partial.unlink(missing_ok=True)


def _copy_journals(source_db: Path, dest_db: Path) -> list[Path]:
    source_dir, dest_dir = journal_directory(source_db), journal_directory(dest_db)
    copied = []
    for path in sorted(source_dir.glob("*.journal")) if source_dir.is_dir() else []:
        dest_dir.mkdir(parents=True, exist_ok=True)
        target = dest_dir / path.name
        try:
            shutil.copyfile(path, target)
        except FileNotFoundError:
            continue  # full, applied and deleted since the database was copied (see the module's docstring)
        os.chmod(target, 0o600)
        copied.append(target)
    return copied


def backup(database: Path, dest: Path, *, force: bool = False) -> Copied:
    """A consistent copy of `database` at `dest`, with the click journals beside it (`<dest>-clicks/`)."""
    if not database.is_file():
        raise BackupError(f"no database at {database}")
    if dest.exists() and not force:
        raise BackupError(f"{dest} exists; choose another name (or --force to replace it)")
    dest.parent.mkdir(parents=True, exist_ok=True)
    if force and journal_directory(dest).is_dir():
        shutil.rmtree(journal_directory(dest))
    _copy_database(database, dest)  # first the database, then the journals: see the module's docstring
    return Copied(dest, _copy_journals(database, dest))


def live_journals(database: Path) -> list[Path]:
    """The click journals of `database` that a running process holds (their lock cannot be taken)."""
    held = []
    directory = journal_directory(database)
    for path in sorted(directory.glob("*.journal")) if directory.is_dir() else []:
        try:
            fd = os.open(path, os.O_RDONLY)
        except FileNotFoundError:
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            held.append(path)
        finally:
            os.close(fd)
    return held


def restore(source: Path, database: Path, *, force: bool = False) -> Copied:
    """Put the backup `source` (and its journals) in place as `database`.

    Refused while a process holds one of `database`'s journals (stop the app first), and when `database`
    exists unless `force`: then it, its WAL files and its journals are moved aside to `*.replaced-<time>`."""
    if not source.is_file():
        raise BackupError(f"no backup at {source}")
    running = live_journals(database)
    if running:
        raise BackupError(f"a running process uses {database} (it holds {running[0].name}); stop it first")
    present = [p for p in (database, database.with_name(database.name + "-wal"),
                           database.with_name(database.name + "-shm"), journal_directory(database)) if p.exists()]
    if database.exists() and not force:
        raise BackupError(f"{database} exists; restoring would replace it: add --force to move it aside first")
    stamp = time.strftime("%Y%m%d-%H%M%S")
    for path in present:
        path.rename(path.with_name(f"{path.name}.replaced-{stamp}"))
    database.parent.mkdir(parents=True, exist_ok=True)
    _copy_database(source, database)
    return Copied(database, _copy_journals(source, database))
