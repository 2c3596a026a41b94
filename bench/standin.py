"""The Web API stand-in in a process of its own, as Slack's servers are not on the machine under test.

The tests run `SlackStub` on a thread of the test process, which is right for them. In the benchmark that
would put the stand-in's request handling on the load generator's interpreter lock, so every Web API call
the app makes after an acknowledgement would also slow the clients firing the next requests: the app
would be charged twice for its Slack traffic and bare Bolt (which makes none) not at all. A
`multiprocessing` manager serves the same `SlackStub` from its own process; the benchmark reads the calls
it recorded through the manager's proxy.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from multiprocessing.managers import BaseManager
from types import SimpleNamespace

from tests.support.slack_stub import SlackStub


class _ServedStub(SlackStub):
    """What the proxy can reach: plain values in and out (a `Call` holds a lock-free dict, so it pickles)."""

    def serve(self, rate_limit_per_channel: bool = False) -> str:
        self.start()
        if rate_limit_per_channel:
            self.rate_limit_per_channel(per_seconds=1.0, retry_after=1)
        return self.base_url

    def activity(self) -> int:
        """Requests received so far (Web API calls and response_url posts)."""
        with self._cond:
            return len(self._calls) + len(self.response_posts)

    def responses(self) -> int:
        """POSTs received at response_urls (replies and receipts)."""
        with self._cond:
            return len(self.response_posts)

    def recorded(self, method: str) -> list[tuple[dict, float, int | None]]:
        return [(c.params, c.at, c.status) for c in self.calls(method)]


class _Manager(BaseManager):
    pass


_Manager.register("Stub", _ServedStub, exposed=("serve", "recorded", "activity", "responses", "response_url", "stop"))


class StandIn:
    """The bench's view of the stand-in process: the same queries the benchmark needs from `SlackStub`."""

    def __init__(self, proxy, base_url: str):
        self._proxy = proxy
        self.base_url = base_url

    def response_url(self) -> str:
        return self._proxy.response_url()

    def calls(self, method: str) -> list[SimpleNamespace]:
        return [SimpleNamespace(params=p, at=at, status=status) for p, at, status in self._proxy.recorded(method)]

    def responses(self) -> int:
        return self._proxy.responses()

    def wait_until_quiet(self, quiet_for: float = 0.5, limit: float = 30.0) -> float:
        """Until no request arrived for `quiet_for` seconds (the app's follow-up work has finished); returns
        the seconds from the call to the last request seen."""
        started = time.monotonic()
        deadline = started + limit
        seen, since = self._proxy.activity(), started
        while time.monotonic() < deadline and time.monotonic() - since < quiet_for:
            time.sleep(0.05)
            now_seen = self._proxy.activity()
            if now_seen != seen:
                seen, since = now_seen, time.monotonic()
        return since - started

    def wait_for(self, method: str, where: Callable[[SimpleNamespace], bool], timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while not any(where(c) for c in self.calls(method)):
            if time.monotonic() > deadline:
                raise AssertionError(f"the stand-in saw no matching {method} within {timeout} s")
            time.sleep(0.05)


@contextlib.contextmanager
def standin_process(*, rate_limit_per_channel: bool = False) -> Iterator[StandIn]:
    with _Manager() as manager:
        proxy = manager.Stub()
        try:
            yield StandIn(proxy, proxy.serve(rate_limit_per_channel))
        finally:
            proxy.stop()
