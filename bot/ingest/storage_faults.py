"""When the disk cannot take a write: refuse honestly, say so once, and keep trying without a hot loop.

A vote, an answer or a command's change is acknowledged only once it is on disk (in the click journal or
in SQLite). When neither can take it (the file system went read-only, the data directory was deleted,
the disk is full and the journal has no room either), the person gets a private "not saved, try again"
and no "ok": `NotSaved` carries that from the store to the listener, `reply_not_saved` sends it.

The operator gets one ERROR line naming the path and the cause when the trouble starts, and again only
as it goes on, at growing gaps (`DiskTrouble`): not a line per click or per retry. Clicks already in the
journal wait there and are applied once the database takes writes again, retried at growing intervals
(`Backoff`), not 200 times a second.
"""

from __future__ import annotations

import contextvars
import logging
import threading
import time
from collections.abc import Callable

from bot.domain.i18n import t

log = logging.getLogger(__name__)

FIRST_GAP_S = 1.0
LONGEST_GAP_S = 300.0  # a trouble that lasts is still named every 5 minutes

# the response_url of the request being handled (set by the app's middleware): where a private
# "not saved" goes when work after the acknowledgement finds the disk refusing
reply_url: contextvars.ContextVar[str] = contextvars.ContextVar("reply_url", default="")


class NotSaved(Exception):
    """A write the disk refused: nothing was stored, and nobody may be told it was."""

    def __init__(self, path: str, cause: str):
        super().__init__(f"{path}: {cause}")
        self.path, self.cause = path, cause


class DiskTrouble:
    """The one ERROR line per trouble: when a (path, cause) is first seen, then at doubling gaps while it
    lasts (1 s, 2 s, 4 s ... 5 minutes), each saying how many refusals were not logged since the last."""

    def __init__(self, monotonic: Callable[[], float] = time.monotonic):
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._current: tuple[str, str] | None = None
        self._gap = FIRST_GAP_S
        self._next_line = 0.0
        self._unlogged = 0
        self.lines = 0  # ERROR lines written (for tests and the bench)

    @property
    def failing(self) -> bool:
        return self._current is not None

    def report(self, path: str, cause: str) -> None:
        with self._lock:
            now = self._monotonic()
            if (path, cause) != self._current:
                self._current, self._gap, self._unlogged = (path, cause), FIRST_GAP_S, 0
            elif now < self._next_line:
                self._unlogged += 1
                return
            else:
                self._gap = min(self._gap * 2, LONGEST_GAP_S)
            unlogged, self._unlogged = self._unlogged, 0
            self._next_line = now + self._gap
            self.lines += 1
        log.error("cannot write %s: %s; votes, answers and changes are refused with 'not saved, try again' "
                  "until it can%s", path, cause, f" ({unlogged} refusals since the last line)" if unlogged else "")

    def cleared(self, what: str) -> None:
        with self._lock:
            if self._current is None:
                return
            path, self._current = self._current[0], None
        log.warning("%s can be written again: %s", path, what)


class Backoff:
    """Retries of work the disk refused: the first at once, then one timer at a time, at doubling delays
    (0.5 s ... 30 s)."""

    def __init__(self, run: Callable[[], object], first: float = 0.5, longest: float = 30.0):
        self._run, self._first, self._longest = run, first, longest
        self._delay = 0.0
        self._timer: threading.Timer | None = None
        self._lock = threading.Lock()

    def again_later(self) -> None:
        """The first retry after a success runs now (a lock that was busy a moment), the next ones later."""
        with self._lock:
            if self._timer is not None:
                return
            delay, self._delay = self._delay, min(max(self._delay * 2, self._first), self._longest)
            if delay > 0:
                self._timer = threading.Timer(delay, self._fire)
                self._timer.daemon = True
                self._timer.start()
                return
        self._run()

    def succeeded(self) -> None:
        self._delay = 0.0

    def _fire(self) -> None:
        with self._lock:
            self._timer = None
        self._run()

    def cancel(self) -> None:
        with self._lock:
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None


def not_saved_text(language: str = "en") -> str:
    return t(language, "storage_not_saved")


def reply_not_saved(response_url: str, language: str = "en") -> None:
    """The private "not saved, try again" through the request's response_url (never logged)."""
    if not response_url:
        return
    from bot.flows.polls import note_through  # the flows import the ingest layer, not the other way round

    note_through(response_url, not_saved_text(language))
