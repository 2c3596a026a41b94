"""The coalescing rule for live `chat.update`s, as a pure object with the time passed in.

A message whose state changes often (a quiz question's "N answered", a poll's tally) is redrawn at most
once per `interval` and the last change is always drawn: the first change to a quiet message is drawn at
once; later changes within the interval only mark it dirty, and `due(now)` hands it out once the interval
has passed. `done(key)` ends a draw; a message is never drawn twice at the same time.

`chat.update` is Tier 3: about 50 a minute per workspace, whatever the message. So a message may also
belong to a group (its workspace), and a group's draws come out of a bucket that refills at
`per_minute` and holds `burst`. One busy poll is redrawn every 1.1 s until the burst is spent, then
about every 1.2 s; three busy polls in one workspace take turns (the least recently drawn first)
instead of drawing 429s. In any minute a group gets at most `per_minute + burst` draws.

Nothing here reads a clock or talks to Slack, so the rule is tested with plain numbers
(tests/test_quiz_coalesce.py). `bot.live_updates.LiveUpdates` runs it against the real clock.
"""

from __future__ import annotations

import threading
from collections.abc import Hashable

EPSILON = 1e-6  # clock readings are floats: an interval measured as 1.0999999 s has passed


class Coalescer:
    def __init__(self, interval: float = 1.1, per_minute: float | None = None, burst: int = 5):
        self.interval = interval
        self._refill = per_minute / 60 if per_minute else None  # a group's draws per second, on average
        self._burst = burst
        self._last_sent: dict[Hashable, float] = {}
        self._dirty: set[Hashable] = set()
        self._in_flight: set[Hashable] = set()
        self._group: dict[Hashable, Hashable] = {}
        self._buckets: dict[Hashable, tuple[float, float]] = {}  # group -> (draws in hand, as of when)
        self._lock = threading.Lock()

    def offer(self, key: Hashable, now: float, group: Hashable | None = None) -> bool:
        """A change to `key` (a message of `group`): True means draw it now (and call `done` after); False
        means it is queued, and `due` hands it out once its interval has passed and its group has budget."""
        with self._lock:
            self._group[key] = group
            if (key not in self._in_flight and self._interval_passed(key, now) and not self._others_waiting(key, group)
                    and self._take(group, now)):
                self._start(key, now)
                return True
            self._dirty.add(key)
            return False

    def due(self, now: float) -> list[Hashable]:
        """Queued keys whose interval has passed, least recently drawn first, as far as their group's
        budget goes; each is handed out once (call `done` after drawing)."""
        with self._lock:
            waiting = [k for k in self._dirty if k not in self._in_flight and self._interval_passed(k, now)]
            waiting.sort(key=lambda k: self._last_sent.get(k, float("-inf")))
            ready = [k for k in waiting if self._take(self._group.get(k), now)]
            for key in ready:
                self._start(key, now)
            return ready

    def done(self, key: Hashable) -> None:
        with self._lock:
            self._in_flight.discard(key)

    def pending(self) -> int:
        with self._lock:
            return len(self._dirty) + len(self._in_flight)

    def _others_waiting(self, key: Hashable, group: Hashable | None) -> bool:
        """Another message of the group is queued: it goes first (`due`, least recently drawn first)."""
        return group is not None and self._refill is not None and any(
            k != key and self._group.get(k) == group for k in self._dirty)

    def _take(self, group: Hashable | None, now: float) -> bool:
        """One draw from the group's bucket, if it holds one (always, for no group or no budget)."""
        if group is None or self._refill is None:
            return True
        held, since = self._buckets.get(group, (float(self._burst), now))
        held = min(float(self._burst), held + (now - since) * self._refill)
        if held < 1 - EPSILON:
            self._buckets[group] = (held, now)
            return False
        self._buckets[group] = (held - 1, now)
        return True

    def _interval_passed(self, key: Hashable, now: float) -> bool:
        last = self._last_sent.get(key)
        return last is None or now - last >= self.interval - EPSILON

    def _start(self, key: Hashable, now: float) -> None:
        self._last_sent[key] = now
        self._in_flight.add(key)
        self._dirty.discard(key)
