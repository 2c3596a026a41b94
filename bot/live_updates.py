"""Coalesced live updates: at most one `chat.update` per message per interval, and the last state always shown.

`chat.update` is Tier 3 (about 50 a minute per workspace), so a burst of votes must not become a burst of
updates. The interval is 1.1 s rather than 1 s so that network jitter can never put two updates of one
message inside the same second at Slack's end. The first change to a quiet message is drawn at once; changes that arrive within the interval
mark the message dirty and are drawn together when the interval has passed. Each update reads the state
at the moment it is drawn, so the final state is always what the channel ends up seeing.

`Coalescer` (bot/coalesce.py) is the pure rule, time passed in; `LiveUpdates` runs it: on a daemon thread in
the app, or by `flush(now)` calls in tests and the console. In the app `changed()` never draws on the
caller's thread (draws go to four threads of their own), so a listener can report a change before it
acknowledges at the cost of a dictionary write. `exclusive(key)` lets the code that replaces a
live message for good (a quiz reveal) wait for a draw in flight, so a late count can never land on top of it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Hashable
from concurrent.futures import ThreadPoolExecutor

from bot.coalesce import Coalescer
from bot.keyed_locks import KeyedLocks

log = logging.getLogger(__name__)

# Slack's Tier 3 (chat.update): "50+ per minute" per workspace. Live redraws average at most 50 a minute
# per workspace in this process (55 in any one minute, with the burst); a poll's closing edit and a
# quiz's reveal are not counted.
UPDATES_PER_WORKSPACE_PER_MINUTE = 50


class LiveUpdates:
    """Runs a Coalescer: `changed(key, draw)` whenever state behind a message changes."""

    def __init__(self, interval: float = 1.1, monotonic: Callable[[], float] = time.monotonic,
                 run: Callable[[Callable[[], None]], object] | None = None, background: bool = True,
                 per_workspace_per_minute: float | None = UPDATES_PER_WORKSPACE_PER_MINUTE):
        self.coalescer = Coalescer(interval, per_minute=per_workspace_per_minute)
        self._monotonic = monotonic
        self._draw: dict[Hashable, Callable[[], None]] = {}
        self._pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="live-draw") if background else None
        self._run = run or (self._pool.submit if self._pool is not None else (lambda fn: fn()))
        self._stop = threading.Event()
        self._locks = KeyedLocks(threading.RLock)
        if background:
            threading.Thread(target=self._loop, name="live-updates", daemon=True).start()

    def changed(self, key: Hashable, draw: Callable[[], None], workspace: str | None = None) -> None:
        """The state behind message `key` (in `workspace`, whose `chat.update` budget it shares) changed."""
        self._draw[key] = draw
        if self.coalescer.offer(key, self._monotonic(), workspace):
            self._start(key)

    def flush(self, now: float | None = None) -> int:
        """Draw every queued message whose interval has passed; returns how many were drawn."""
        keys = self.coalescer.due(self._monotonic() if now is None else now)
        for key in keys:
            self._start(key)
        return len(keys)

    def _start(self, key: Hashable) -> None:
        if not self._stop.is_set():
            try:
                self._run(lambda: self._draw_once(key))
                return
            except RuntimeError:  # the draw threads stopped between the check and the hand-over
                pass
        self.coalescer.done(key)  # shutting down: the state is stored, and the next change redraws it

    def exclusive(self, key: Hashable) -> threading.RLock:
        """The lock every draw of `key` holds: `with live.exclusive(key):` waits for a draw in flight and
        keeps the next one out, so a final version drawn inside it is the last thing Slack receives."""
        return self._locks(key)

    def _draw_once(self, key: Hashable) -> None:
        try:
            with self.exclusive(key):
                self._draw[key]()
        except Exception:  # noqa: BLE001 - a failed update is retried by the next change; never crash the loop
            log.warning("live update of %s failed", key, exc_info=True)
        finally:
            self.coalescer.done(key)

    def _loop(self) -> None:
        while not self._stop.wait(0.1):
            self.flush()

    def stop(self) -> None:
        """No more draws are queued; the ones in flight finish."""
        self._stop.set()
        if self._pool is not None:
            self._pool.shutdown(wait=True)
