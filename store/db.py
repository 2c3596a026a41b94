"""The SQLite connection: one file, WAL, one connection per thread.

Bolt runs listeners on its own thread pool and APScheduler runs jobs on another, so a single connection
(which sqlite3 pins to the thread that opened it) would not do. Each thread gets its own connection to
the same file; WAL lets readers carry on while one writer commits, and `busy_timeout` makes a second
writer wait its turn instead of failing. Read-then-write steps use `write()` (BEGIN IMMEDIATE) so two
processes can never both read the same "next" value before either writes.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

BUSY_TIMEOUT_MS = 15_000


class StoreError(Exception):
    """The database cannot be used (missing directory, read-only or locked file): a message for people."""


class Store:
    def __init__(self, path: str | Path, busy_timeout_ms: int = BUSY_TIMEOUT_MS):
        self.path = Path(path)
        self.busy_timeout_ms = busy_timeout_ms
        self._local = threading.local()
        # Threads of this process queue here for the write lock: SQLite's own busy handler waits by
        # sleeping in growing steps, which under contention costs far more than the writes themselves.
        self._write_lock = threading.RLock()
        self._settled: dict[tuple, dict] = {}  # see settled_row

    # -- connections ----------------------------------------------------------------------------
    @property
    def db(self) -> Database:
        """This thread's connection (opened on first use)."""
        db = getattr(self._local, "db", None)
        if db is None:
            db = self._local.db = Database(self._connect())
        return db

    def _connect(self) -> sqlite3.Connection:
        try:
            # isolation_level=None: a statement outside `write()` is its own transaction, with no BEGIN
            # and COMMIT calls around it (as sqlite-utils' own writes behave in either mode)
            conn = sqlite3.connect(self.path, timeout=self.busy_timeout_ms / 1000, isolation_level=None)
            conn.execute(f"PRAGMA busy_timeout={self.busy_timeout_ms}")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA foreign_keys=ON")
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open database {self.path}: {exc}") from exc
        return conn

    def rows(self, sql: str, params: list | tuple = ()) -> list[dict]:
        """Rows as dicts, straight from sqlite3: reads on the acknowledgement path skip sqlite-utils'
        per-query savepoint, which costs more than the read itself."""
        cursor = self.db.conn.execute(sql, params)
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row)) for row in cursor.fetchall()]

    def row(self, sql: str, params: list | tuple = ()) -> dict | None:
        found = self.rows(sql, params)
        return found[0] if found else None

    def settled_row(self, sql: str, params: list | tuple = ()) -> dict | None:
        """Like `row`, for a row whose message is in Slack (its `ts` column set): the caller selects only
        columns that never change after that, so from then on the row is kept for the life of the process
        and the acknowledgement path does not read it again. A row without `ts` may still be deleted (its
        post failed) and its id used again, so it is read each time."""
        key = (sql, tuple(params))
        found = self._settled.get(key)
        if found is None:
            found = self.row(sql, params)
            if found is not None and found["ts"] is not None:
                self._settled[key] = found
        return found

    def write_one(self, sql: str, params: list | tuple = ()) -> sqlite3.Cursor:
        """One writing statement as its own transaction; its cursor (rowcount, lastrowid).

        For the acknowledgement path. Every call into SQLite lets go of Python's interpreter lock and has
        to win it back, which under load can take milliseconds; a transaction of several calls holds the
        write lock through each of those waits, and the other writers queue behind it. A single statement
        without RETURNING runs and commits within one call, so the lock is never held while waiting.
        """
        with self._write_lock:
            return self.db.conn.execute(sql, params)

    @contextlib.contextmanager
    def write(self) -> Iterator[Database]:
        """A write transaction that takes the write lock up front (BEGIN IMMEDIATE).

        Use it whenever a step reads a value and writes based on it: a deferred transaction would let two
        processes read the same value and then one of them fail (or, worse, both succeed).
        """
        db = self.db
        if db.conn.in_transaction:  # nested: join the outer transaction
            yield db
            return
        with self._write_lock:
            db.conn.execute("BEGIN IMMEDIATE")
            try:
                yield db
            except BaseException:
                db.conn.rollback()
                raise
            else:
                db.conn.commit()

    # -- schema ---------------------------------------------------------------------------------
    def migrate(self, *migration_sets: Migrations) -> Store:
        """Create the file if needed, switch it to WAL and apply every pending migration."""
        if not self.path.parent.exists():
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StoreError(f"cannot create the database directory {self.path.parent}: {exc}") from exc
        try:
            db = self.db
            db.execute("PRAGMA journal_mode=WAL")
            for migrations in migration_sets:
                migrations.apply(db)
        except sqlite3.DatabaseError as exc:  # locked, read-only, or not a database at all
            raise StoreError(f"database {self.path} is not usable: {exc}") from exc
        return self

    def close(self) -> None:
        db = getattr(self._local, "db", None)
        if db is not None:
            db.conn.close()
            self._local.db = None
