"""Votes and quiz answers: kept in a journal before the acknowledgement, applied to SQLite after it.

A click has to be durable before Slack hears "ok", and in a burst a write to SQLite on every request
thread is the costliest part of the acknowledgement (store/journal.py says why). So a listener calls
`record(kind, *fields)`, which copies the click into this process's journal, and acknowledges. Once the
requests lull (bot/ack_first.py), `settle()` applies everything held, in order, in one transaction, and
then hands each click's follow-up (a receipt, a tally redraw) to the after-ack pool.

Anything that reads the responses to act on them (closing a poll, revealing a question's answer,
results, export, the leaderboard) calls `settle()` first, so it sees every acknowledged click.

Each kind has an applier, registered by the feature that owns it: `on("vote", apply)`. An applier gets
the click's fields, writes through the store inside the batch's transaction (no Slack calls there), and
returns its follow-up (or None). Without a journal (no database directory to put it in, or the file is
full) a click is applied at once, before the acknowledgement, as a batch of one.
"""

from __future__ import annotations

import logging
import pickle
import threading
from collections.abc import Callable
from pathlib import Path

from store import Store, journal
from store.journal import Journal

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
        self._scheduled = False
        self._applied = 0
        self.journal: Journal | None = None
        if directory is not None:
            try:
                self.journal = Journal(directory)
            except OSError as exc:
                log.warning("no click journal in %s (%s): votes and answers are written before each ack",
                            directory, exc)

    def on(self, kind: str, apply: Applier) -> None:
        self._appliers[kind] = apply

    # -- before the acknowledgement ------------------------------------------------------------------
    def record(self, kind: str, *fields: object) -> None:
        """Keep one click so that it survives the process being killed from now on; call before `ack()`."""
        current = self.journal
        if current is not None:
            payload = pickle.dumps((kind, *fields), PROTOCOL)
            if current.append(payload) is not None:
                if not self._scheduled:  # one settle per burst; a race only schedules a spare one
                    self._scheduled = True
                    self._after_lull(self.settle)
                return
            self.settle()  # the file is full (or the click too long): what it holds goes first
        self._apply([(0, (kind, *fields))], journal_name=None)

    # -- after it ------------------------------------------------------------------------------------
    def settle(self) -> int:
        """Apply every click journaled and not applied yet; returns how many there were."""
        with self._settling:
            self._scheduled = False  # before reading: a click appended after this schedules a new settle
            current = self.journal
            if current is None:
                return 0
            records = current.read(self._applied)
            if records:
                self._apply([(seq, pickle.loads(payload)) for seq, payload in records], journal_name=current.name)
                self._applied = records[-1][0]
            if self._applied == current.slots:  # full and all applied: start a new file
                self._rotate(current)
            return len(records)

    def recover(self) -> int:
        """At start-up: apply what the journals of processes that died hold (without follow-ups: a receipt
        or a redraw that late would only confuse); returns how many clicks that was."""
        if self.directory is None:
            return 0
        total = 0
        for path in journal.orphans(self.directory):
            done = journal.applied(self.store, path.name)
            records = [(seq, pickle.loads(p)) for seq, p in journal.read_orphan(path) if seq > done]
            if records:
                self._apply(records, journal_name=path.name, follow_ups=False)
                log.info("applied %d clicks a stopped process had acknowledged", len(records))
            path.unlink(missing_ok=True)
            journal.forget(self.store, path.name)
            total += len(records)
        return total

    def close(self) -> None:
        """On a graceful stop: apply what is held, then remove this process's journal."""
        self.settle()
        if self.journal is not None:
            self.journal.close(delete=True)
            journal.forget(self.store, self.journal.name)
            self.journal = None

    def _rotate(self, full: Journal) -> None:
        try:
            self.journal = Journal(full.directory, full.slots)
        except OSError as exc:
            log.warning("no new click journal (%s): votes and answers are written before each ack", exc)
            self.journal = None
        self._applied = 0
        full.close(delete=True)
        journal.forget(self.store, full.name)

    def _apply(self, records: list[tuple[int, tuple]], journal_name: str | None, follow_ups: bool = True) -> None:
        """One transaction for the batch, the journal's mark with it. If it fails, each click is tried on its
        own, so one bad record is logged and skipped rather than blocking every click after it."""
        try:
            with self.store.write():
                done = [self._run(fields) for _, fields in records]
                if journal_name is not None:
                    journal.mark_applied(self.store, journal_name, records[-1][0])
        except Exception:  # noqa: BLE001 - retried one by one below
            if len(records) == 1 and journal_name is None:
                raise  # applied before the ack: the listener's error handling answers Slack
            log.exception("a batch of %d clicks failed; applying them one at a time", len(records))
            done = []
            for seq, fields in records:
                try:
                    with self.store.write():
                        done.append(self._run(fields))
                        journal.mark_applied(self.store, journal_name, seq)
                except Exception:  # noqa: BLE001 - logged with the click's kind; the rest go on
                    log.exception("a %s click could not be applied and is dropped", fields[0] if fields else "?")
                    journal.mark_applied(self.store, journal_name, seq)
        if follow_ups:
            for follow_up in done:
                if follow_up is not None:
                    self._follow_up(follow_up)

    def _run(self, fields: tuple) -> FollowUp | None:
        kind, *rest = fields
        return self._appliers[kind](*rest)
