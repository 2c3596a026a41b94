"""Votes and quiz answers: kept in a journal before the acknowledgement, applied to SQLite after it.

A click has to be durable before Slack hears "ok", and in a burst a write to SQLite on every request
thread is the costliest part of the acknowledgement (store/journal.py says why). So a listener calls
`record(kind, *fields)`, which copies the click into this process's journal, and acknowledges. Once the
requests lull (bot/ingest/ack_first.py), `settle()` applies everything held, in order, in one transaction, and
then hands each click's follow-up (a receipt, a tally redraw) to the after-ack pool.

Each click is judged by the moment it was made, not the moment it is applied. Nobody calls `settle()` to
read: the store runs it before any read of votes or answers (`Store.before_reading_responses`, outside
write transactions), so results, scores, Home and export always see every acknowledged click, and a poll
closed, a question revealed or a quiz stopped (each closes first, then reads) counts a click made before
the close however late it is applied. Only this process's journal is settled so: another process's clicks
arrive when it settles them.

Each kind has an applier, registered by the feature that owns it: `on("vote", apply)`. An applier gets
the click's fields, writes through the store inside the batch's transaction (no Slack calls there), and
returns its follow-up (or None). Without a journal (no database directory to put it in, or the file is
full) a click is applied at once, before the acknowledgement, as a batch of one.

When the disk refuses (bot/ingest/storage_faults.py): a click neither the journal nor the database can
take raises `NotSaved` and is never acknowledged as saved; what the journal holds waits, in its file
and in memory, and settling retries at growing intervals. Nothing is applied to a database file that
was deleted or replaced under the running process (`Store.fault`): SQLite would write into the unlinked
file and lose it all when the process stops.
"""

from __future__ import annotations

import logging
import pickle
import threading
from collections.abc import Callable
from pathlib import Path

from bot.ingest.storage_faults import Backoff, DiskTrouble, NotSaved
from store import Store, journal
from store.db import disk_trouble
from store.journal import Journal, JournalUnavailable

log = logging.getLogger(__name__)

# A click is a tuple of str, int and float: pickle encodes it in C, several times faster than JSON on the
# acknowledgement path, and its protocol 5 is read by every Python since 3.8. The journal is a 0600 file
# of this process's own, beside the database: whoever could write it could write the database too.
PROTOCOL = 5

FollowUp = Callable[[], object]
Applier = Callable[..., FollowUp | None]


def journal_directory(database_path: str | Path) -> Path:
    """Where the journals live: beside the database (`bot.db` → `bot.db-clicks/`)."""
    path = Path(database_path)
    return path.with_name(path.name + "-clicks")


class Clicks:
    def __init__(self, store: Store, *, after_lull: Callable[[FollowUp], object],
                 follow_up: Callable[[FollowUp], object], directory: Path | None = None):
        """`after_lull(fn)` runs `fn` once the requests lull; `follow_up(fn)` runs it soon, off this thread."""
        self.store = store
        self.directory = directory
        self._after_lull = after_lull
        self._follow_up = follow_up
        self._appliers: dict[str, Applier] = {}
        self._settling = threading.Lock()
        self._rotating = threading.Lock()
        self._scheduled = False
        self._applied: dict[str, int] = {}  # journal name -> last sequence number applied
        self._older: list[Journal] = []  # full (or closed) journals still to drain, oldest first
        self.journal: Journal | None = None
        self.trouble = DiskTrouble()
        self._retry = Backoff(lambda: self._after_lull(self.settle))
        self.database = journal.database_id(store) if directory is not None else None
        if directory is not None:
            # every read of votes or answers applies what is journaled first: no reader can forget it
            store.before_reading_responses = self.settle
            try:
                self.journal = Journal(directory, database=self.database.id)
            except OSError as exc:
                log.warning("no click journal in %s (%s): votes and answers are written before each ack",
                            directory, exc)

    def on(self, kind: str, apply: Applier) -> None:
        self._appliers[kind] = apply

    # -- before the acknowledgement ------------------------------------------------------------------
    def record(self, kind: str, *fields: object) -> None:
        """Keep one click so that it survives the process being killed from now on; call before `ack()`.
        Raises NotSaved when no disk takes it: the click must then not be acknowledged as saved."""
        current = self.journal
        if current is not None:
            payload = pickle.dumps((kind, *fields), PROTOCOL)
            if current.fits(len(payload)):
                try:
                    seq = current.append(payload)
                    if seq is None:  # full: a new file takes this click; the full one drains first
                        current = self._rotate(current)
                        seq = current.append(payload) if current is not None else None
                except JournalUnavailable as exc:
                    self.trouble.report(str(exc.filename), exc.strerror or str(exc))
                    raise NotSaved(str(exc.filename), exc.strerror or str(exc)) from exc
                if seq is not None:
                    if not self._scheduled:  # one settle per burst; a race only schedules a spare one
                        self._scheduled = True
                        self._after_lull(self.settle)
                    return
            self.settle()  # too long for any journal (or no journal): what is held goes first
        fault = self.store.fault()
        if fault is not None:
            self.trouble.report(str(self.store.path), fault)
            raise NotSaved(str(self.store.path), fault)
        try:
            self._apply([(0, (kind, *fields))], journal_name=None)
        except Exception as exc:
            if not disk_trouble(exc):
                raise
            self.trouble.report(str(self.store.path), str(exc))
            raise NotSaved(str(self.store.path), str(exc)) from exc

    def _rotate(self, full: Journal) -> Journal | None:
        with self._rotating:
            if self.journal is full:  # the first thread to find it full starts the next one
                self._older.append(full)
                try:
                    self.journal = Journal(full.directory, full.slots, full.database)
                except OSError as exc:
                    log.warning("no new click journal (%s): votes and answers are written before each ack", exc)
                    self.journal = None
            return self.journal

    # -- after it ------------------------------------------------------------------------------------
    def settle(self) -> int:
        """Apply every click journaled and not applied yet, oldest file first; returns how many."""
        with self._settling:
            self._scheduled = False  # before reading: a click appended after this schedules a new settle
            if not self._holds_anything():
                return 0  # nothing held: the common case of a read, with no look at the disk
            fault = self.store.fault()
            if fault is not None:  # kept in the journal (and in memory) until the database is back
                self.trouble.report(str(self.store.path), fault)
                self._retry.again_later()
                return 0
            total = 0
            for older in list(self._older):
                count, complete = self._drain(older)
                total += count
                if not complete:
                    return total  # a slot of it is still being written: newer clicks wait behind it
                self._older.remove(older)
                older.close(delete=True)
                journal.forget(self.store, older.name)
                self._applied.pop(older.name, None)
            current = self.journal
            if current is not None:
                total += self._drain(current)[0]
            return total

    def _holds_anything(self) -> bool:
        current = self.journal
        if self._older:
            return True
        if current is None:
            return False
        done = self._applied.get(current.name, 0)
        return done < current.slots and bool(current.read(done)[:1])

    def _drain(self, source: Journal) -> tuple[int, bool]:
        """Apply what `source` holds past its mark; (how many, whether every slot of it is now applied)."""
        records = source.read(self._applied.get(source.name, 0))
        clicks = [(seq, pickle.loads(payload)) for seq, payload in records if payload]  # b"": a refused slot
        if clicks:
            self._applied[source.name] = self._apply(clicks, journal_name=source.name)
            if self._applied[source.name] != clicks[-1][0]:
                return 0, False  # the database refused: they wait for the retry
        if records:
            self._applied[source.name] = records[-1][0]
        return len(clicks), self._applied.get(source.name, 0) == source.slots

    def recover(self) -> int:
        """At start-up: apply what the journals of processes that died hold (without follow-ups: a receipt
        or a redraw that late would only confuse); returns how many clicks that was."""
        if self.directory is None:
            return 0
        total = 0
        for path in journal.orphans(self.directory):
            if not journal.belongs_to(path, self.database):
                log.warning("click journal %s was written for another database; it is left as it is (delete it "
                            "if that database is gone for good)", path.name)
                continue
            done = journal.applied(self.store, path.name)
            records = [(seq, pickle.loads(p)) for seq, p in journal.read_orphan(path) if seq > done and p]
            if records and self._apply(records, journal_name=path.name, follow_ups=False) != records[-1][0]:
                continue  # the database refused for now: the file stays for the next start
            if records:
                log.info("applied %d clicks a stopped process had acknowledged", len(records))
            path.unlink(missing_ok=True)
            journal.forget(self.store, path.name)
            total += len(records)
        return total

    def close(self) -> None:
        """On a graceful stop: apply what is held. A click a request thread appends after this (a worker
        stopped mid-request) stays in the file, which the next start applies and removes."""
        with self._rotating:
            if self.journal is not None:
                self._older.append(self.journal)
                self.journal = None  # from now on a click is written at once
        self.settle()

    def _apply(self, records: list[tuple[int, tuple]], journal_name: str | None, follow_ups: bool = True) -> int:
        """One transaction for the batch, the journal's mark with it; returns the last sequence number
        applied. If the batch fails, each click is tried on its own: one that fails is logged and skipped
        rather than blocking every click after it, unless the database itself is unavailable (locked,
        read-only, disk full), in which case the rest wait for the next settle."""
        try:
            with self.store.write():
                done = [self._run(fields) for _, fields in records]
                if journal_name is not None:
                    journal.mark_applied(self.store, journal_name, records[-1][0])
            last = records[-1][0]
        except Exception as exc:  # noqa: BLE001 - retried one by one below
            if journal_name is None:
                raise  # applied before the ack: the listener's error handling answers Slack
            if disk_trouble(exc):
                self.trouble.report(str(self.store.path), str(exc))
            else:
                log.exception("a batch of %d clicks failed; applying them one at a time", len(records))
            done, last = [], records[0][0] - 1
            for seq, fields in records:
                try:
                    with self.store.write():
                        done.append(self._run(fields))
                        journal.mark_applied(self.store, journal_name, seq)
                except Exception as one:  # noqa: BLE001 - logged with the click's kind; the rest go on
                    if disk_trouble(one):
                        self.trouble.report(str(self.store.path), str(one))
                        self._retry.again_later()
                        break
                    log.exception("a %s click could not be applied and is dropped", fields[0] if fields else "?")
                    journal.mark_applied(self.store, journal_name, seq)
                last = seq
        if last == records[-1][0] and journal_name is not None:
            self._retry.succeeded()
            self.trouble.cleared(f"{len(records)} held clicks applied")
        if follow_ups:
            for follow_up in done:
                if follow_up is not None:
                    self._follow_up(follow_up)
        return last

    def _run(self, fields: tuple) -> FollowUp | None:
        kind, *rest = fields
        return self._appliers[kind](*rest)
