"""A clock the tests move by hand: the app reads time only through `Clock.now()`."""

import datetime as dt
import threading


class FakeClock:
    def __init__(self, start: dt.datetime):
        assert start.tzinfo is not None
        self._now = start
        self._lock = threading.Lock()

    def now(self) -> dt.datetime:
        with self._lock:
            return self._now

    def set(self, moment: dt.datetime) -> None:
        with self._lock:
            self._now = moment

    def advance(self, **delta) -> dt.datetime:
        with self._lock:
            self._now += dt.timedelta(**delta)
            return self._now
