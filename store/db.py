"""The SQLite connection: one file, WAL, one connection per thread, and one way in per intent.

Bolt runs listeners on its own thread pool and APScheduler runs jobs on another, so a single connection
(which sqlite3 pins to the thread that opened it) would not do. Each thread gets its own connection to
the same file; WAL lets readers carry on while one writer commits, and `busy_timeout` makes a writer of
another process wait its turn instead of failing.

Every statement goes through one of three doors, so no module can write around the rules below:
- reads: `rows`, `row`, `value`, and `settled_row` for rows that never change once posted;
- a single write, its own transaction: `write_one`;
- a transaction: `with store.write():`, inside which `write_one`, `rows` and `row` join it. It begins
  with BEGIN IMMEDIATE, so a step that reads a value and writes based on it never races another
  process that read the same value.

Why a write lock in Python as well as SQLite's own: the writers of this process queue on
`Store._write_lock`, and every write (both doors, slack_sdk's OAuth stores in store/installations.py,
migrations) takes it, so they never meet inside SQLite (tests/store/test_db.py runs them with a busy
timeout of zero). Correctness does not need it: with WAL, BEGIN IMMEDIATE and a busy timeout, SQLite
alone lost no write. Waiting does: its busy handler sleeps in growing steps (1, 2, 5, ... 100 ms) and a
waiter keeps losing to fresh arrivals. `python -m bench.write_lock` (single writes and 200-statement
transactions, three runs each on 2 shared cores): with 32 threads the slowest write took 1.0-1.9 s on
SQLite's locking alone, close to a 2 s busy timeout, against 0.10-0.19 s with the lock, at 8-15k
against 19-22k writes/s; with 8 threads 0.27-0.50 s against 0.06-0.13 s. The lock raises the 99th
percentile (7-43 ms against 1-4 ms: a woken waiter then waits for the interpreter lock); a stall of a
second is what an acknowledgement cannot afford. Other processes (gunicorn workers) still meet in
SQLite's busy handler.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, TypeVar

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

BUSY_TIMEOUT_MS = 15_000
# SQLite's page cache, per connection (SQLite's default is 2 MiB). The store opens one connection per thread
# that uses it, some 25 in the web process, and each cache fills as the file grows: with the default the
# process grew 11 MiB over 9,000 polls touched (bench/memory.py), with 256 KiB 3.8 MiB. The file's pages stay
# in the kernel's cache either way; Home and results over 1M answers took no longer (bench/RESULTS.md).
PAGE_CACHE_KIB = 256
# Rows kept by `settled_row`: the polls and quiz questions clicked lately. A row let go is only read again.
SETTLED_ROWS_KEPT = 4096
# The tables acknowledged clicks land in: a vote, a quiz answer or a thread reply (or a reaction to one)
# may wait in the click journal after its "ok", and is applied before any read of these
# (`Store.before_reading_responses`); the totals answers keep (store/quizzes.py m003_quiz_score_totals)
# with them.
RESPONSE_TABLES = re.compile(
    r"\b(?:votes|vote_log|quiz_answers|quiz_totals|quiz_user_totals|replies|reply_reactions)\b")

Params = Sequence[Any]
Row = dict[str, Any]
T = TypeVar("T")


class StoreError(Exception):
    """The database cannot be used (missing directory, read-only or locked file): a message for people."""


# What SQLite says when the disk, not the statement, is the trouble (https://www.sqlite.org/rescode.html:
# SQLITE_READONLY, SQLITE_IOERR, SQLITE_FULL, SQLITE_CANTOPEN, SQLITE_BUSY after the busy timeout)
_UNAVAILABLE = ("readonly", "read-only", "disk i/o error", "disk is full", "unable to open", "locked")
_DISK_ERRNOS = {errno.EROFS, errno.ENOSPC, errno.EIO, errno.ENOENT, errno.EDQUOT, errno.EFBIG, errno.EACCES,
                errno.EPERM}


def disk_trouble(exc: BaseException) -> bool:
    """Whether `exc` means the database or its disk cannot take a write now (read-only, full, gone, I/O error),
    as opposed to a bug in a statement: such a write was not made, and nobody may be told it was."""
    if isinstance(exc, StoreError):
        return True
    if isinstance(exc, sqlite3.OperationalError):
        return any(word in str(exc).lower() for word in _UNAVAILABLE)
    if isinstance(exc, OSError):
        return exc.errno in _DISK_ERRNOS
    return False


def still_there(value: T | None, what: str) -> T:
    """`value`, read back right after a write made or changed it. None would mean the row went in between,
    which only forgetting its whole workspace does (store/teams.py `forget_team`)."""
    if value is None:
        raise LookupError(f"{what} is gone: its workspace was forgotten meanwhile")
    return value


# parameters per batch statement: inside SQLite's oldest default limit of 999, with room for a few more
PARAMETERS_PER_STATEMENT = 900


def values_chunks(items: Sequence[T], row: Callable[[T], Sequence[Any]]
                  ) -> Iterator[tuple[Sequence[T], str, list[Any]]]:
    """(items, `VALUES` placeholders, parameters) for as many of `items` as fit one statement, chunk after
    chunk: a batch read or write joins `(VALUES …) AS wanted` on the table's key (SQLite scans the whole
    table for `(a, b) IN (VALUES …)`). `row(item)` gives each item's parameters, all of one width."""
    if not items:
        return
    width = len(row(items[0]))
    placeholder = "(" + ", ".join(["?"] * width) + ")"
    per_statement = max(1, PARAMETERS_PER_STATEMENT // width)
    for start in range(0, len(items), per_statement):
        chunk = items[start:start + per_statement]
        yield chunk, ", ".join([placeholder] * len(chunk)), [part for item in chunk for part in row(item)]


def inserted_id(cursor: sqlite3.Cursor) -> int:
    """The id of the row an INSERT through `write_one` just made."""
    if cursor.lastrowid is None or not cursor.rowcount:
        raise StoreError("the statement inserted no row")
    return cursor.lastrowid


class Store:
    def __init__(self, path: str | Path, busy_timeout_ms: int = BUSY_TIMEOUT_MS,
                 settled_rows_kept: int = SETTLED_ROWS_KEPT) -> None:
        self.path = Path(path)
        self.busy_timeout_ms = busy_timeout_ms
        self._local = threading.local()
        self._write_lock = threading.RLock()  # see the module's docstring
        self._settled: OrderedDict[tuple[str, tuple[Any, ...]], Row] = OrderedDict()  # see settled_row
        self._settled_kept = settled_rows_kept
        self._settled_lock = threading.Lock()
        # set by the click journal (bot/ingest/clicks.py): applies what it holds; see `_before_read`
        self.before_reading_responses: Callable[[], object] | None = None
        self._inode: int | None = None  # the file's, once migrated: see `fault`

    # -- connections ----------------------------------------------------------------------------
    def _conn(self) -> sqlite3.Connection:
        """This thread's connection (opened on first use)."""
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._local.conn = self.open_connection()
        return conn

    def open_connection(self) -> sqlite3.Connection:
        """A new connection to the file with the store's settings, for this thread only.

        isolation_level=None: a statement outside `write()` is its own transaction, with no BEGIN and
        COMMIT calls around it (and a library's `commit()` on it does nothing)."""
        try:
            conn = sqlite3.connect(self.path, timeout=self.busy_timeout_ms / 1000, isolation_level=None)
            conn.execute(f"PRAGMA busy_timeout={int(self.busy_timeout_ms)}")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute(f"PRAGMA cache_size=-{PAGE_CACHE_KIB}")
            conn.execute("PRAGMA foreign_keys=ON")
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open database {self.path}: {exc}") from exc
        return conn

    # -- reads ----------------------------------------------------------------------------------
    def _before_read(self, conn: sqlite3.Connection, sql: str) -> None:
        """The one place where acknowledged clicks still held elsewhere (the click journal,
        bot/ingest/clicks.py) are applied before anyone reads them: a read of a table clicks land in runs
        `before_reading_responses` first, so no reader can forget to."""
        if RESPONSE_TABLES.search(sql):
            self._apply_held(conn)

    def apply_held_responses(self) -> None:
        """Before deleting responses (a person or a workspace forgotten): what the click journal holds is
        applied first, or a vote or reply acknowledged a moment ago would be written after the deletion and
        outlive it. Reads need no call (`_before_read`); a deletion runs inside its own transaction, where
        the hook cannot run, so it calls this before opening it."""
        self._apply_held(self._conn())

    def _apply_held(self, conn: sqlite3.Connection) -> None:
        """Not inside a write transaction: that is the journal's own applying (or another writer), which
        must not wait for itself."""
        hook = self.before_reading_responses
        if hook is not None and not conn.in_transaction:
            hook()

    def rows(self, sql: str, params: Params = ()) -> list[Row]:
        """Rows as dicts, straight from sqlite3 (sqlite-utils' per-query guard costs more than the read)."""
        conn = self._conn()
        self._before_read(conn, sql)
        cursor = conn.execute(sql, params)
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def stream(self, sql: str, params: Params = (), batch: int = 1000) -> Iterator[Row]:
        """Rows as dicts, `batch` at a time, on a connection of the stream's own (closed when the stream
        ends or is dropped): an export of millions of rows holds one batch in memory, and this thread's
        connection stays free for other reads while the stream is open. One read transaction: the rows
        are the database as it was when the first batch was read."""
        conn = self.open_connection()
        try:
            self._before_read(conn, sql)
            cursor = conn.execute(sql, params)
            names = [d[0] for d in cursor.description]
            while chunk := cursor.fetchmany(batch):
                for values in chunk:
                    yield dict(zip(names, values, strict=True))
        finally:
            conn.close()

    def row(self, sql: str, params: Params = ()) -> Row | None:
        found = self.rows(sql, params)
        return found[0] if found else None

    def value(self, sql: str, params: Params = ()) -> Any:
        """The first column of the first row, or None (a count, a setting)."""
        conn = self._conn()
        self._before_read(conn, sql)
        found = conn.execute(sql, params).fetchone()
        return None if found is None else found[0]

    def settled_row(self, sql: str, params: Params = ()) -> Row | None:
        """Like `row`, for a row whose message is in Slack (its `ts` column set): the caller selects only
        columns that never change after that, so the row is kept and the acknowledgement path does not
        read it again. The newest `settled_rows_kept` used are kept; a row let go is read again when
        next asked for. A row without `ts` may still be deleted (its post failed) and its id used again,
        so it is read each time."""
        key = (sql, tuple(params))
        with self._settled_lock:
            found = self._settled.get(key)
            if found is not None:
                self._settled.move_to_end(key)
                return found
        found = self.row(sql, params)
        if found is not None and found["ts"] is not None:
            with self._settled_lock:
                self._settled[key] = found
                while len(self._settled) > self._settled_kept:
                    self._settled.popitem(last=False)
        return found

    def settled_rows_kept(self) -> int:
        return len(self._settled)

    def forget_settled(self) -> None:
        """After rows were deleted whose ids may be used again (a workspace forgotten)."""
        with self._settled_lock:
            self._settled.clear()

    # -- writes ---------------------------------------------------------------------------------
    def write_one(self, sql: str, params: Params = ()) -> sqlite3.Cursor:
        """One writing statement as its own transaction (or part of the `write()` around it); its cursor
        (rowcount, lastrowid).

        For the acknowledgement path. Every call into SQLite lets go of Python's interpreter lock and has
        to win it back, which under load can take milliseconds; a transaction of several calls holds the
        write lock through each of those waits, and the other writers queue behind it. A single statement
        without RETURNING runs and commits within one call, so the lock is never held while waiting.
        """
        with self._write_lock:
            self._refuse_if_gone()
            return self._conn().execute(sql, params)

    @contextlib.contextmanager
    def write(self) -> Iterator[None]:
        """A write transaction that takes the write lock up front (BEGIN IMMEDIATE); `write_one`, `rows`
        and `row` called inside it are part of it. Nested, it joins the outer one.

        Use it whenever a step reads a value and writes based on it: a deferred transaction would let two
        processes read the same value and then one of them fail (or, worse, both succeed).
        """
        conn = self._conn()
        if conn.in_transaction:
            yield
            return
        with self._write_lock:
            self._refuse_if_gone()
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield
            except BaseException:
                conn.rollback()
                raise
            else:
                conn.commit()

    @contextlib.contextmanager
    def write_lock(self) -> Iterator[None]:
        """The write lock alone, for writes a library makes on its own connection (store/installations.py).

        Refused inside this thread's `write()`: that transaction holds SQLite's write lock, so the other
        connection's write would wait for it until the busy timeout and then fail."""
        if self._conn().in_transaction:
            raise StoreError("a write on another connection inside a store transaction would wait for itself")
        with self._write_lock:
            yield

    def fault(self) -> str | None:
        """Why the database file cannot be trusted with a write, or None. SQLite does not notice its file
        being deleted (or replaced): its open descriptors keep writing into the unlinked file, and all of it
        is gone when the process stops. So before saying a write is safe, the file is looked up by name."""
        try:
            found = os.stat(self.path)
        except OSError as exc:
            return f"the database file {self.path} is gone ({exc.strerror})"
        if self._inode is not None and found.st_ino != self._inode:
            return f"the database file {self.path} was replaced by another file while in use"
        return None

    def _refuse_if_gone(self) -> None:
        """A write into a database file deleted under the process would be lost: refused instead (a `stat`,
        about a microsecond)."""
        if self._inode is not None:
            fault = self.fault()
            if fault is not None:
                raise StoreError(fault)

    # -- schema ---------------------------------------------------------------------------------
    def migrate(self, *migration_sets: Migrations) -> Store:
        """Create the file if needed, switch it to WAL and apply every pending migration."""
        if not self.path.parent.exists():
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StoreError(f"cannot create the database directory {self.path.parent}: {exc}") from exc
        try:
            with self._write_lock:
                conn = self._conn()
                conn.execute("PRAGMA journal_mode=WAL")
                db = Database(conn)
                for migrations in migration_sets:
                    migrations.apply(db)
            self._inode = os.stat(self.path).st_ino
        except (sqlite3.DatabaseError, OSError) as exc:  # locked, read-only, or not a database at all
            raise StoreError(f"database {self.path} is not usable: {exc}") from exc
        return self

    def close(self) -> None:
        """Close this thread's connection (the next use opens another)."""
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None
