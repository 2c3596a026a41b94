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

The file is a row of fixed slots of 256 bytes. A record takes one slot, or (a thread reply's text can be
long) a run of consecutive slots, each a fragment with its own header, as LevelDB's log does
(https://github.com/google/leveldb/blob/main/doc/log_format.md): the slot's sequence number, a CRC of the
fragment's bytes, its length and whether it is a whole record or the first, a middle or the last part of
one. Every slot starts with a header the app wrote, never with bytes of a record, so a reader looking
for the next record after a torn one can never take words someone typed for a header. A slot
half-written when the process died reads as empty, and so does a record with any fragment torn.

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
import mmap
import os
import secrets
import struct
import threading
import time
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from store.db import Store, StoreError

SLOT = 256
# sequence number (from 1), crc32 of the fragment's bytes, its length with its kind in the two top bits
_HEADER = struct.Struct("<QIH")
MAX_PAYLOAD = SLOT - _HEADER.size  # the bytes one slot holds
_WHOLE, _FIRST, _MIDDLE, _LAST = 0, 1 << 14, 2 << 14, 3 << 14  # _WHOLE: as written before records had parts
_KIND, _LENGTH = 3 << 14, (1 << 14) - 1
# The longest record: a reply of Slack's longest text (40,000 characters, up to 120,000 bytes of UTF-8)
# with its fields fits in 512 slots. A longer one is written to the database before its acknowledgement.
MAX_FRAGMENTS = 512
SLOTS = 16_384  # 4 MiB, allocated by the file system only as it is written


def fragments(length: int) -> int:
    """How many slots a record of `length` bytes takes."""
    return max(1, -(-length // MAX_PAYLOAD))

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
    """One process's journal file. `append` is safe from any thread (see `append`)."""

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
        self._next = 1  # the next free slot, taken under `_taking`
        self._taking = threading.Lock()

    @property
    def name(self) -> str:
        return self.path.name

    def fits(self, length: int) -> bool:
        """Whether a record of `length` bytes can be journaled at all (in a journal with room)."""
        return fragments(length) <= min(MAX_FRAGMENTS, self.slots)

    def append(self, payload: bytes) -> int | None:
        """Keep `payload` on disk; the sequence number of its last slot (the mark once it is applied), or None
        when the file has no room left for it (or it does not fit at all, see `fits`). Raises
        JournalUnavailable when the file cannot take it (read-only, I/O error, deleted).

        The lock is held only to take the slots (two integer operations, no system call), so two threads
        never share a slot and a record's fragments are consecutive. Each record is written by one `pwrite`:
        a reader sees a fragment unwritten, or complete, or torn (its CRC fails and it reads as not yet
        written).
        """
        span = fragments(len(payload))
        if span > min(MAX_FRAGMENTS, self.slots):  # see `fits`
            return None
        if os.fstat(self._fd).st_nlink == 0:
            raise JournalUnavailable(2, "the journal file was deleted", str(self.path))
        with self._taking:
            first = self._next
            self._next = first + span
        if first + span - 1 > self.slots:  # full: slots taken past the end stay empty
            self._holes(first, min(first + span - 1, self.slots))
            return None
        data = _fragmented(first, payload)
        try:
            written = os.pwrite(self._fd, data, (first - 1) * SLOT)
            cause: OSError = OSError(28, "short write")
        except OSError as exc:
            written, cause = -1, exc
        if written != len(data):
            self._holes(first, first + span - 1)
            raise JournalUnavailable(cause.errno or 5, cause.strerror or str(cause), str(self.path))
        return first + span - 1

    def _holes(self, first: int, last: int) -> None:
        """Slots taken and never to be written, marked empty in memory (not on disk: they hold nothing) so
        the records after them are not held up behind a gap."""
        for seq in range(first, last + 1):
            start = (seq - 1) * SLOT
            self._map[start:start + _HEADER.size] = _HEADER.pack(seq, zlib.crc32(b""), 0)

    def read(self, after: int) -> list[tuple[int, bytes]]:
        """(last slot, payload) of the records after slot `after` (a record's last slot, or 0), up to the
        first slot not (yet) written."""
        return _records(self._map, after, self.slots, stop_at_gap=True)

    def close(self, delete: bool = False) -> None:
        self._map.close()
        if delete:
            self.path.unlink(missing_ok=True)
        os.close(self._fd)  # releases the lock


def _fragmented(first: int, payload: bytes) -> bytes:
    """The bytes of a record starting at slot `first`: one slot, or a fragment per slot, each with its header."""
    if len(payload) <= MAX_PAYLOAD:
        return _HEADER.pack(first, zlib.crc32(payload), len(payload)) + payload
    parts = [payload[i:i + MAX_PAYLOAD] for i in range(0, len(payload), MAX_PAYLOAD)]
    out = bytearray()
    for i, part in enumerate(parts):
        kind = _FIRST if i == 0 else _LAST if i == len(parts) - 1 else _MIDDLE
        out += _HEADER.pack(first + i, zlib.crc32(part), len(part) | kind) + part
        if i < len(parts) - 1:
            out += bytes(MAX_PAYLOAD - len(part))
    return bytes(out)


def _fragment(buffer: mmap.mmap | bytes, seq: int) -> tuple[int, bytes] | None:
    """(kind, bytes) of the fragment in slot `seq`, or None when the slot holds no complete one."""
    start = (seq - 1) * SLOT
    number, crc, field = _HEADER.unpack_from(buffer, start)
    length = field & _LENGTH
    if number != seq or length > MAX_PAYLOAD:
        return None
    part = bytes(buffer[start + _HEADER.size:start + _HEADER.size + length])
    return (field & _KIND, part) if zlib.crc32(part) == crc else None


def _record(buffer: mmap.mmap | bytes, seq: int, slots: int) -> tuple[int, bytes] | None:
    """(slots taken, payload) of the record starting at slot `seq`, or None if none starts there whole."""
    found = _fragment(buffer, seq)
    if found is None or found[0] in (_MIDDLE, _LAST):
        return None
    if found[0] == _WHOLE:
        return 1, found[1]
    parts = [found[1]]
    for next_seq in range(seq + 1, min(seq + MAX_FRAGMENTS - 1, slots) + 1):  # at most MAX_FRAGMENTS in all
        part = _fragment(buffer, next_seq)
        if part is None or part[0] not in (_MIDDLE, _LAST):
            return None
        parts.append(part[1])
        if part[0] == _LAST:
            return len(parts), b"".join(parts)
    return None


def _records(buffer: mmap.mmap | bytes, after: int, slots: int, stop_at_gap: bool) -> list[tuple[int, bytes]]:
    """(last slot, payload) of each record after slot `after`."""
    found = []
    seq = after + 1
    while seq <= slots:
        record = _record(buffer, seq, slots)
        if record is not None:
            found.append((seq + record[0] - 1, record[1]))
            seq += record[0]
        elif stop_at_gap:
            break
        else:
            seq += 1
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
