"""A journal of acknowledged clicks: durable before the acknowledgement, applied to SQLite after it.

A vote or a quiz answer must survive the process being killed the moment Slack has heard "ok". Writing
it to SQLite first does that, but every call into SQLite lets go of Python's interpreter lock, and in
a burst each one then waits for the lock behind the other request threads: under load that costs more
than the write itself. So a click is first copied into a memory-mapped file. That is a plain memory
copy, no system call, made while holding the interpreter lock, and the page belongs to the kernel as
soon as it is written: a killed process loses nothing it acknowledged. It is the same promise SQLite's
WAL makes with `synchronous=NORMAL`, which the store uses: a power cut may lose the last moments, a
crash of the process never does.

After the burst the records are applied to SQLite in batches, one transaction each, and the journal's
applied position is stored in the same transaction (`journal_marks`): a record is applied exactly
once, also when the process dies between two batches.

Each process writes its own file, named `<time>-<pid>-<random>-<database id>.journal` in a directory
beside the database, and holds an exclusive `flock` on it while it lives. A file whose lock can be taken
has lost its process: `orphans` finds those so the next start can apply what they hold. The database id
is drawn when the database is created: a journal left beside a database that was since deleted and
made afresh is never applied to the new one (its votes would land on whatever polls now have those ids).

A record has a fixed slot. Its header carries the record's sequence number and a CRC of its bytes,
so a slot half-written when the process died reads as empty.

A record is written with `pwrite` into the file's page, not by a store into the map: a store into a
mapped page cannot fail, so a journal on a file system gone read-only (or whose file was deleted) would
take a click into memory that no disk holds, and it would be acknowledged and lost. `pwrite` says
EROFS or EIO at once, and `fstat` tells a deleted file (no links left); each is one system call of a
microsecond or two, and the page written is the same one the map reads. A click the disk refused
leaves an empty record in the map (in memory only), so the records after it are not held up behind a
gap; it was never acknowledged.
"""

from __future__ import annotations

import fcntl
import itertools
import mmap
import os
import secrets
import struct
import time
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from store.db import Store, StoreError

SLOT = 256
_HEADER = struct.Struct("<QIH")  # sequence number (from 1), crc32 of the payload, payload length
MAX_PAYLOAD = SLOT - _HEADER.size
SLOTS = 16_384  # 4 MiB, allocated by the file system only as it is written

migrations = Migrations("journal")


@migrations()
def m001_create_journal_marks(db: Database) -> None:
    db.execute("CREATE TABLE journal_marks (journal TEXT PRIMARY KEY, applied INTEGER NOT NULL)")


@migrations()
def m002_database_identity(db: Database) -> None:
    """An id for this database file, in the name of every journal written for it."""
    db.execute("CREATE TABLE journal_database (id TEXT NOT NULL)")
    db.execute("INSERT INTO journal_database (id) VALUES (?)", [secrets.token_hex(6)])


@dataclass(frozen=True)
class DatabaseId:
    id: str


def database_id(store: Store) -> DatabaseId:
    row = store.row("SELECT id FROM journal_database")
    if row is None:
        raise StoreError(f"database {store.path} has no journal id (journal_database is empty)")
    return DatabaseId(row["id"])


def belongs_to(path: Path, database: DatabaseId) -> bool:
    """Whether a journal file was written for `database`: its name ends with the database's id. A journal
    whose name carries no id (as written before ids, never released) belongs to no database."""
    parts = path.stem.split("-")
    return len(parts) == 4 and parts[3] == database.id


class JournalUnavailable(OSError):
    """The journal's file cannot take a record now: its file system refused the write, or it was deleted."""


class Journal:
    """One process's journal file. `append` is safe from any thread without a lock (see `append`)."""

    def __init__(self, directory: str | Path, slots: int = SLOTS, database: str = ""):
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.slots = slots
        self.database = database
        # named so that sorting by name is sorting by creation: a process's journals apply oldest first
        name = f"{time.time_ns():020d}-{os.getpid()}-{secrets.token_hex(4)}" + (f"-{database}" if database else "")
        self.path = self.directory / f"{name}.journal"
        # locked before it gets the name `orphans` looks for, so no other process can take it for dead
        making = self.directory / f"{name}.new"
        self._fd = os.open(making, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
        fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        try:  # the space up front: a page the disk cannot hold would kill the process when first written
            os.posix_fallocate(self._fd, 0, slots * SLOT)
        except OSError:
            os.close(self._fd)
            making.unlink(missing_ok=True)
            raise
        os.rename(making, self.path)
        self._map = mmap.mmap(self._fd, slots * SLOT)
        self._next = itertools.count(1)  # next() on it is atomic under the interpreter lock

    @property
    def name(self) -> str:
        return self.path.name

    def append(self, payload: bytes) -> int | None:
        """Keep `payload` on disk; its sequence number, or None when it is too long or the file is full.
        Raises JournalUnavailable when the file cannot take it (read-only, I/O error, deleted).

        No lock: `next` on an `itertools.count` runs whole while CPython's interpreter lock is held (a
        free-threaded build would need a lock here), so two threads never share a slot, and a slot's page is
        written by one `pwrite` (a reader sees it unwritten or complete; a torn one fails its CRC and reads as
        not yet written).
        """
        if len(payload) > MAX_PAYLOAD:
            return None
        if os.fstat(self._fd).st_nlink == 0:
            raise JournalUnavailable(2, "the journal file was deleted", str(self.path))
        seq = next(self._next)
        if seq > self.slots:
            return None
        start = (seq - 1) * SLOT
        try:
            written = os.pwrite(self._fd, _HEADER.pack(seq, zlib.crc32(payload), len(payload)) + payload, start)
        except OSError as exc:
            written = -1
            cause = exc
        if written != _HEADER.size + len(payload):
            self._map[start:start + _HEADER.size] = _HEADER.pack(seq, zlib.crc32(b""), 0)  # the hole, in memory
            if written >= 0:
                cause = OSError(28, "short write")
            raise JournalUnavailable(cause.errno or 5, cause.strerror or str(cause), str(self.path))
        return seq

    def read(self, after: int) -> list[tuple[int, bytes]]:
        """The records after sequence number `after`, up to the first slot not (yet) written."""
        return _records(self._map, after, self.slots, stop_at_gap=True)

    def close(self, delete: bool = False) -> None:
        self._map.close()
        if delete:
            self.path.unlink(missing_ok=True)
        os.close(self._fd)  # releases the lock


def _records(buffer: mmap.mmap | bytes, after: int, slots: int, stop_at_gap: bool) -> list[tuple[int, bytes]]:
    found = []
    for seq in range(after + 1, slots + 1):
        start = (seq - 1) * SLOT
        number, crc, length = _HEADER.unpack_from(buffer, start)
        payload = bytes(buffer[start + _HEADER.size:start + _HEADER.size + length]) if length <= MAX_PAYLOAD else b""
        if number == seq and zlib.crc32(payload) == crc:
            found.append((seq, payload))
        elif stop_at_gap:
            break
    return found


def orphans(directory: str | Path) -> Iterator[Path]:
    """Journal files whose process is gone (nobody holds their lock), oldest first (by name).

    Each is yielded with its lock held until the loop moves on, so two processes starting together
    never apply the same file at once (and the applied mark makes a second pass apply nothing)."""
    directory = Path(directory)
    if not directory.is_dir():
        return
    for path in sorted(directory.glob("*.journal")):
        try:
            fd = os.open(path, os.O_RDONLY)
        except FileNotFoundError:
            continue  # applied and deleted by another process just now
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                continue  # a live process's journal
            if path.exists():
                yield path
        finally:
            os.close(fd)


def read_orphan(path: Path) -> list[tuple[int, bytes]]:
    """Every complete record in a dead process's journal, torn or never-written slots skipped: a slot
    that was being written when the process died was never acknowledged, but the ones after it may be."""
    data = path.read_bytes()
    return _records(data, 0, len(data) // SLOT, stop_at_gap=False)


# -- the applied positions (in the same transaction as the records they cover) --------------------------
def applied(store: Store, journal: str) -> int:
    row = store.row("SELECT applied FROM journal_marks WHERE journal = ?", [journal])
    return 0 if row is None else row["applied"]


def mark_applied(store: Store, journal: str, seq: int) -> None:
    store.write_one("INSERT INTO journal_marks (journal, applied) VALUES (?, ?) "
                    "ON CONFLICT (journal) DO UPDATE SET applied = excluded.applied", [journal, seq])


def forget(store: Store, journal: str) -> None:
    """After the journal's file is deleted: its mark is no longer needed."""
    store.write_one("DELETE FROM journal_marks WHERE journal = ?", [journal])
