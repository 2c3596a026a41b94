"""The coalescing rule for live `chat.update`s, as a pure object with the time passed in.

A message whose state changes often (a quiz question's "N answered", a poll's tally) is redrawn at most
once per `interval` and the last change is always drawn: the first change to a quiet message is drawn at
once; later changes within the interval only mark it dirty, and `due(now)` hands it out once the interval
has passed. `done(key)` ends a draw; a message is never drawn twice at the same time.

Nothing here reads a clock or talks to Slack, so the rule is tested with plain numbers
(tests/test_quiz_coalesce.py). `bot.live_updates.LiveUpdates` runs it against the real clock.
"""

from __future__ import annotations

import threading
from collections.abc import Hashable

EPSILON = 1e-6  # clock readings are floats: an interval measured as 1.0999999 s has passed


class Coalescer:
    def __init__(self, interval: float = 1.1):
        self.interval = interval
        self._last_sent: dict[Hashable, float] = {}
        self._dirty: set[Hashable] = set()
        self._in_flight: set[Hashable] = set()
        self._lock = threading.Lock()

    def offer(self, key: Hashable, now: float) -> bool:
        """A change to `key`: True means draw it now (and call `done` after); False means it is queued
        (`when(key)` says from what time `due` will hand it out)."""
        with self._lock:
            if key not in self._in_flight and self._interval_passed(key, now):
                self._start(key, now)
                return True
            self._dirty.add(key)
            return False

    def due(self, now: float) -> list[Hashable]:
        """Queued keys whose interval has passed; each is handed out once (call `done` after drawing)."""
        with self._lock:
            ready = [k for k in self._dirty if k not in self._in_flight and self._interval_passed(k, now)]
            for key in ready:
                self._start(key, now)
            return ready

    def done(self, key: Hashable) -> None:
        with self._lock:
            self._in_flight.discard(key)

    def pending(self) -> int:
        with self._lock:
            return len(self._dirty) + len(self._in_flight)

    def _interval_passed(self, key: Hashable, now: float) -> bool:
        last = self._last_sent.get(key)
        return last is None or now - last >= self.interval - EPSILON

    def _start(self, key: Hashable, now: float) -> None:
        self._last_sent[key] = now
        self._in_flight.add(key)
        self._dirty.discard(key)
