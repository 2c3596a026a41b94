"""Acknowledgements first: work that follows an acknowledgement waits for a gap in the requests.

Slack gives each request 3 seconds and counts a late acknowledgement as a failure; the receipts, tally
redraws and posts that follow an acknowledgement have no such clock. On a small machine the two compete
for the same cores (and, in one Python process, for the same interpreter lock), so during a burst of
clicks the follow-up work would slow every acknowledgement behind it. `AckFirst` counts the requests in
flight; a piece of follow-up work starts when none is, or after `max_wait` seconds at the latest, so a
steady stream of requests delays it by at most that much and never starves it.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator


class AckFirst:
    def __init__(self, max_wait: float = 1.0):
        self.max_wait = max_wait
        self._in_flight = 0
        self._quiet = threading.Condition()

    @contextlib.contextmanager
    def handling(self) -> Iterator[None]:
        """Around the handling of one request, from its arrival to its acknowledgement."""
        with self._quiet:
            self._in_flight += 1
        try:
            yield
        finally:
            with self._quiet:
                self._in_flight -= 1
                if self._in_flight == 0:
                    self._quiet.notify_all()

    def wait_for_gap(self) -> bool:
        """Block until no request is being handled (True) or `max_wait` passed (False)."""
        with self._quiet:
            return self._quiet.wait_for(lambda: self._in_flight == 0, timeout=self.max_wait)
