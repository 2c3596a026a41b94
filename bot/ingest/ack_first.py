"""Acknowledgements first: work that follows an acknowledgement waits for a lull in the requests.

Slack gives each request 3 seconds and counts a late acknowledgement as a failure; the receipts, tally
redraws and posts that follow an acknowledgement have no such clock. On a small machine the two compete
for the same cores (and, in one Python process, for the same interpreter lock), so during a burst of
clicks the follow-up work would slow every acknowledgement behind it. `AckFirst` counts the requests in
flight and notes when the last one arrived. A piece of follow-up work starts once none is in flight and
none arrived for `quiet` seconds (a burst's requests come closer together than that), or after
`max_wait` seconds at the latest, so a steady stream of requests delays it by at most that and never
starves it.

`defer(task)` holds tasks back the same way without a thread per task: one dispatcher thread waits for
the lull and then lets everything held go at once. A request only appends to a list, so a burst of
clicks does not wake a worker thread per click (each wake-up costs the acknowledging threads a turn at
the interpreter lock).
"""

from __future__ import annotations

import collections
import contextlib
import logging
import threading
import time
from collections.abc import Callable, Iterator

log = logging.getLogger(__name__)


class AckFirst:
    def __init__(self, quiet: float = 0.02, max_wait: float = 2.0, monotonic: Callable[[], float] = time.monotonic):
        self.quiet = quiet
        self.max_wait = max_wait
        self._monotonic = monotonic
        # one entry per request being handled: append and pop on a deque are atomic under the interpreter
        # lock, so counting a request takes no lock (a contended one would cost it a thread switch)
        self._in_flight: collections.deque[None] = collections.deque()
        self._last_arrival = float("-inf")
        self._changed = threading.Condition()
        # one piece of work watches for the lull; the rest queue behind it without waking up
        self._turn = threading.Lock()
        self._held: collections.deque[Callable[[], object]] = collections.deque()
        self._dispatcher_idle = False
        self._dispatcher: threading.Thread | None = None

    def arrived(self) -> None:
        """A request is being handled; call `left()` once it is acknowledged."""
        self._in_flight.append(None)
        self._last_arrival = self._monotonic()

    def left(self) -> None:
        self._in_flight.pop()

    @contextlib.contextmanager
    def handling(self) -> Iterator[None]:
        """Around the handling of one request, from its arrival to its acknowledgement."""
        self.arrived()
        try:
            yield
        finally:
            self.left()

    def deadline(self) -> float:
        """When work held from now on must start at the latest."""
        return self._monotonic() + self.max_wait

    def wait_for_gap(self, until: float | None = None) -> bool:
        """Block until the requests lull (True) or `until` (default: `max_wait` from now) passed (False).

        Requests are not made to signal the waiters (at hundreds a second that would wake every waiting
        thread each time): the one watching looks again every `quiet` seconds at most.
        """
        deadline = self.deadline() if until is None else until
        if not self._turn.acquire(timeout=max(0.0, deadline - self._monotonic())):
            return False
        try:
            with self._changed:
                while True:
                    now = self._monotonic()
                    if now >= deadline:
                        return False
                    quiet_left = self._last_arrival + self.quiet - now if not self._in_flight else self.quiet
                    if quiet_left <= 0:
                        return True
                    self._changed.wait(min(quiet_left, deadline - now))
        finally:
            self._turn.release()

    def defer(self, task: Callable[[], object]) -> None:
        """Run `task()` (which should be quick: it hands work to a pool) once the requests lull.

        While the dispatcher is busy watching for the lull (all through a burst) this is an append to a
        deque and takes no lock; only an idle dispatcher is woken. It marks itself idle before it looks
        at the deque, so a task appended after that look always finds it marked and wakes it.
        """
        self._held.append(task)
        if self._dispatcher is None:
            with self._changed:
                if self._dispatcher is None:
                    self._dispatcher = threading.Thread(target=self._dispatch, name="ack-first", daemon=True)
                    self._dispatcher.start()
        if self._dispatcher_idle:
            with self._changed:
                self._changed.notify_all()

    def _dispatch(self) -> None:
        while True:
            with self._changed:
                self._dispatcher_idle = True
                while not self._held:
                    self._changed.wait()
                self._dispatcher_idle = False
            self.wait_for_gap()
            tasks = []
            while self._held:  # popleft, not a new deque: `defer` may be appending to this one right now
                tasks.append(self._held.popleft())
            for task in tasks:
                try:
                    task()
                except Exception:  # noqa: BLE001 - one failed hand-over must not stop the ones after it
                    log.exception("work held for a lull could not be started")
