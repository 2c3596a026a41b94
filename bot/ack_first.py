"""Acknowledgements first: work that follows an acknowledgement waits for a lull in the requests.

Slack gives each request 3 seconds and counts a late acknowledgement as a failure; the receipts, tally
redraws and posts that follow an acknowledgement have no such clock. On a small machine the two compete
for the same cores (and, in one Python process, for the same interpreter lock), so during a burst of
clicks the follow-up work would slow every acknowledgement behind it. `AckFirst` counts the requests in
flight and notes when the last one arrived. A piece of follow-up work starts once none is in flight and
none arrived for `quiet` seconds (a burst's requests come closer together than that), or after
`max_wait` seconds at the latest, so a steady stream of requests delays it by at most that and never
starves it.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterator


class AckFirst:
    def __init__(self, quiet: float = 0.02, max_wait: float = 1.0, monotonic: Callable[[], float] = time.monotonic):
        self.quiet = quiet
        self.max_wait = max_wait
        self._monotonic = monotonic
        self._in_flight = 0
        self._last_arrival = float("-inf")
        self._changed = threading.Condition()

    @contextlib.contextmanager
    def handling(self) -> Iterator[None]:
        """Around the handling of one request, from its arrival to its acknowledgement."""
        with self._changed:
            self._in_flight += 1
            self._last_arrival = self._monotonic()
        try:
            yield
        finally:
            with self._changed:
                self._in_flight -= 1
                if self._in_flight == 0:
                    self._changed.notify_all()

    def wait_for_gap(self) -> bool:
        """Block until the requests lull (True) or `max_wait` passed (False)."""
        deadline = self._monotonic() + self.max_wait
        with self._changed:
            while True:
                now = self._monotonic()
                if now >= deadline:
                    return False
                if self._in_flight == 0:
                    quiet_left = self._last_arrival + self.quiet - now
                    if quiet_left <= 0:
                        return True
                    self._changed.wait(min(quiet_left, deadline - now))
                else:
                    self._changed.wait(deadline - now)
