"""Coalesced live updates: at most one `chat.update` per message per interval, and the last state always shown.

`chat.update` is Tier 3 (about 50 a minute per workspace), so a burst of votes must not become a burst of
updates. The interval is 1.1 s rather than 1 s so that network jitter can never put two updates of one
message inside the same second at Slack's end. The first change to a quiet message is drawn at once; changes that arrive within the interval
mark the message dirty and are drawn together when the interval has passed. Each update reads the state
at the moment it is drawn, so the final state is always what the channel ends up seeing.

`Coalescer` is the pure rule (time passed in); `LiveUpdates` runs it: on a daemon thread in the app, or by
`flush(now)` calls in tests and the console.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Hashable

log = logging.getLogger(__name__)
EPSILON = 1e-6  # clock readings are floats: an interval measured as 1.0999999 s has passed


class Coalescer:
    def __init__(self, interval: float = 1.1):
        self.interval = interval
        self._last_sent: dict[Hashable, float] = {}
        self._dirty: set[Hashable] = set()
        self._in_flight: set[Hashable] = set()
        self._lock = threading.Lock()

    def offer(self, key: Hashable, now: float) -> bool:
        """A change to `key`: True means draw it now (and call `done` after); False means it is queued."""
        with self._lock:
            last = self._last_sent.get(key)
            if key not in self._in_flight and (last is None or now - last >= self.interval - EPSILON):
                self._last_sent[key] = now
                self._in_flight.add(key)
                self._dirty.discard(key)
                return True
            self._dirty.add(key)
            return False

    def due(self, now: float) -> list[Hashable]:
        """Queued keys whose interval has passed; each is handed out once (call `done` after drawing)."""
        with self._lock:
            ready = [k for k in self._dirty
                     if k not in self._in_flight and now - self._last_sent.get(k, float("-inf")) >= self.interval - EPSILON]
            for key in ready:
                self._dirty.discard(key)
                self._in_flight.add(key)
                self._last_sent[key] = now
            return ready

    def done(self, key: Hashable) -> None:
        with self._lock:
            self._in_flight.discard(key)

    def pending(self) -> int:
        with self._lock:
            return len(self._dirty) + len(self._in_flight)


class LiveUpdates:
    """Runs a Coalescer: `changed(key, draw)` whenever state behind a message changes."""

    def __init__(self, interval: float = 1.1, monotonic: Callable[[], float] = time.monotonic,
                 run: Callable[[Callable[[], None]], object] | None = None, background: bool = True):
        self.coalescer = Coalescer(interval)
        self._monotonic = monotonic
        self._draw: dict[Hashable, Callable[[], None]] = {}
        self._run = run or (lambda fn: fn())
        self._stop = threading.Event()
        if background:
            threading.Thread(target=self._loop, name="live-updates", daemon=True).start()

    def changed(self, key: Hashable, draw: Callable[[], None]) -> None:
        self._draw[key] = draw
        if self.coalescer.offer(key, self._monotonic()):
            self._run(lambda: self._draw_once(key))

    def flush(self, now: float | None = None) -> int:
        """Draw every queued message whose interval has passed; returns how many were drawn."""
        keys = self.coalescer.due(self._monotonic() if now is None else now)
        for key in keys:
            self._run(lambda key=key: self._draw_once(key))
        return len(keys)

    def _draw_once(self, key: Hashable) -> None:
        try:
            self._draw[key]()
        except Exception:  # noqa: BLE001 - a failed update is retried by the next change; never crash the loop
            log.warning("live update of %s failed", key, exc_info=True)
        finally:
            self.coalescer.done(key)

    def _loop(self) -> None:
        while not self._stop.wait(0.1):
            self.flush()

    def stop(self) -> None:
        self._stop.set()
