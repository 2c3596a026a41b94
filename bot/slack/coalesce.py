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

A draw Slack refused is not lost: `failed(key, now)` marks the message dirty again and holds it back
for a backoff (2 s, 4 s, 8 s, ... at most a minute, or longer if Slack said `Retry-After`), after which
`due` hands it out like any other change, out of the same budget. So the last state is drawn once Slack
takes it. An error that will repeat (the message or channel is gone, the token revoked) is tried a few
times and then the message is forgotten; one that passes (5xx, timeouts, rate limits) for about an hour.
A message that is drawn, clean and past its interval is forgotten too (`prune`): the maps hold only the
messages that are busy now.

Nothing here reads a clock or talks to Slack, so the rule is tested with plain numbers
(tests/test_quiz_coalesce.py). `bot.slack.live_updates.LiveUpdates` runs it against the real clock.
"""

from __future__ import annotations

import threading
from collections.abc import Hashable

EPSILON = 1e-6  # clock readings are floats: an interval measured as 1.0999999 s has passed


RETRY_FIRST = 2.0  # seconds before the first retry of a refused draw; doubled for each one after
RETRY_CAP = 60.0  # never more than a minute apart (unless Slack's Retry-After asks for longer)
PERMANENT_ATTEMPTS = 3  # draws of a message whose error will repeat (message_not_found, invalid_auth)
TRANSIENT_ATTEMPTS = 60  # draws while Slack fails in passing: about an hour at the cap


class Coalescer:
    def __init__(self, interval: float = 1.1, per_minute: float | None = None, burst: int = 5, *,
                 retry_first: float = RETRY_FIRST, retry_cap: float = RETRY_CAP,
                 permanent_attempts: int = PERMANENT_ATTEMPTS, transient_attempts: int = TRANSIENT_ATTEMPTS):
        self.interval = interval
        self.retry_first, self.retry_cap = retry_first, retry_cap
        self.permanent_attempts, self.transient_attempts = permanent_attempts, transient_attempts
        self._refill = per_minute / 60 if per_minute else None  # a group's draws per second, on average
        self._burst = burst
        self._last_sent: dict[Hashable, float] = {}
        self._dirty: set[Hashable] = set()
        self._in_flight: set[Hashable] = set()
        self._group: dict[Hashable, Hashable] = {}
        self._buckets: dict[Hashable, tuple[float, float]] = {}  # group -> (draws in hand, as of when)
        self._failures: dict[Hashable, int] = {}  # key -> draws refused in a row
        self._retry_at: dict[Hashable, float] = {}  # key -> not drawn again before this
        self._lock = threading.Lock()

    def offer(self, key: Hashable, now: float, group: Hashable | None = None) -> bool:
        """A change to `key` (a message of `group`): True means draw it now (and call `done` after); False
        means it is queued, and `due` hands it out once its interval has passed and its group has budget."""
        with self._lock:
            self._group[key] = group
            if (self._ready(key, now) and not self._others_waiting(key, group, now)
                    and self._take(group, now)):
                self._start(key, now)
                return True
            self._dirty.add(key)
            return False

    def due(self, now: float) -> list[Hashable]:
        """Queued keys whose interval has passed, least recently drawn first, as far as their group's
        budget goes; each is handed out once (call `done` after drawing)."""
        with self._lock:
            waiting = [k for k in self._dirty if self._ready(k, now)]
            waiting.sort(key=lambda k: self._last_sent.get(k, float("-inf")))
            ready = [k for k in waiting if self._take(self._group.get(k), now)]
            for key in ready:
                self._start(key, now)
            return ready

    def done(self, key: Hashable) -> None:
        """The draw of `key` reached Slack."""
        with self._lock:
            self._in_flight.discard(key)
            self._failures.pop(key, None)
            self._retry_at.pop(key, None)

    def failed(self, key: Hashable, now: float, *, permanent: bool = False, retry_after: float = 0.0) -> float | None:
        """The draw of `key` started before `now` was refused. Returns when it will be drawn again (`due`
        hands it out then, budget allowing), or None: it was tried often enough and is forgotten."""
        with self._lock:
            self._in_flight.discard(key)
            failures = self._failures.get(key, 0) + 1
            if failures >= (self.permanent_attempts if permanent else self.transient_attempts):
                self._forget(key)
                return None
            self._failures[key] = failures
            backoff = min(self.retry_cap, self.retry_first * 2 ** (failures - 1))
            self._retry_at[key] = now + max(backoff, retry_after)
            self._dirty.add(key)
            return self._retry_at[key]

    def prune(self, now: float) -> list[Hashable]:
        """Forget every message that is drawn, clean and past its interval (a change to it now would be
        drawn at once, as if it had never been seen), and every group whose bucket is full again.
        Returns the keys forgotten."""
        with self._lock:
            idle = [k for k in self._group if k not in self._dirty and k not in self._in_flight
                    and k not in self._failures and self._interval_passed(k, now)]
            for key in idle:
                self._forget(key)
            busy_groups = set(self._group.values())
            for group in [g for g in self._buckets if g not in busy_groups and self._bucket_full(g, now)]:
                del self._buckets[group]
            return idle

    def knows(self, key: Hashable) -> bool:
        """Whether `key` has any state here (queued, in flight, backing off, or within its interval)."""
        with self._lock:
            return key in self._group

    def sizes(self) -> dict[str, int]:
        """How many entries each map holds (for tests: nothing may grow for ever)."""
        with self._lock:
            return {"last_sent": len(self._last_sent), "group": len(self._group), "dirty": len(self._dirty),
                    "in_flight": len(self._in_flight), "failures": len(self._failures),
                    "retry_at": len(self._retry_at), "buckets": len(self._buckets)}

    def pending(self) -> int:
        with self._lock:
            return len(self._dirty) + len(self._in_flight)

    def _ready(self, key: Hashable, now: float) -> bool:
        """Not being drawn, its interval passed, and not holding back after a refused draw."""
        return (key not in self._in_flight and self._interval_passed(key, now)
                and now >= self._retry_at.get(key, now) - EPSILON)

    def _others_waiting(self, key: Hashable, group: Hashable | None, now: float) -> bool:
        """Another message of the group is queued: it goes first (`due`, least recently drawn first). One
        holding back after a refused draw does not wait in the queue until its retry time."""
        return group is not None and self._refill is not None and any(
            k != key and self._group.get(k) == group and now >= self._retry_at.get(k, now) - EPSILON
            for k in self._dirty)

    def _forget(self, key: Hashable) -> None:
        for table in (self._last_sent, self._group, self._failures, self._retry_at):
            table.pop(key, None)
        self._dirty.discard(key)
        self._in_flight.discard(key)

    def _bucket_full(self, group: Hashable, now: float) -> bool:
        held, since = self._buckets[group]
        return self._refill is None or held + (now - since) * self._refill >= self._burst - EPSILON

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
