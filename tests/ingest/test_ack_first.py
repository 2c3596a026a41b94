"""Acknowledgements first (bot/ingest/ack_first.py): follow-up work waits while requests are being handled.

The rule on its own, then through the app's real HTTP endpoint: a `/digest next` acknowledged while
another request is still being handled posts once that request is done, and a burst of them loses none.
"""

import contextlib
import threading
import time

from bot.ingest.ack_first import AckFirst
from store import plans
from tests.conftest import TEAM, HttpApp

ENOUGH = 5.0  # seconds: only reached when something is broken


def start_waiting(acks: AckFirst, order: list[str]) -> tuple[threading.Thread, threading.Event, list[bool]]:
    """A piece of follow-up work on a thread of its own: it waits for a gap, then notes that it went ahead."""
    went_ahead, result = threading.Event(), []

    def work():
        result.append(acks.wait_for_gap())
        order.append("work")
        went_ahead.set()

    thread = threading.Thread(target=work)
    thread.start()
    return thread, went_ahead, result


def test_with_nothing_in_flight_work_goes_ahead_at_once():
    acks = AckFirst(max_wait=30.0)
    started = time.monotonic()
    assert acks.wait_for_gap() is True
    assert time.monotonic() - started < 5.0  # not the 30 s fallback


def test_work_waits_until_the_request_being_handled_ends():
    acks = AckFirst(max_wait=30.0)
    order: list[str] = []
    with acks.handling():
        thread, went_ahead, result = start_waiting(acks, order)
        assert not went_ahead.wait(0.1), "the work went ahead while a request was being handled"
        order.append("request acknowledged")
    assert went_ahead.wait(ENOUGH)
    thread.join()
    assert order == ["request acknowledged", "work"]
    assert result == [True]  # it found a gap; the fallback did not have to release it


def test_work_waits_for_every_overlapping_request_not_just_the_first_to_end():
    acks = AckFirst(max_wait=30.0)
    order: list[str] = []
    with contextlib.ExitStack() as second:
        with acks.handling():
            second.enter_context(acks.handling())
            thread, went_ahead, result = start_waiting(acks, order)
            order.append("first acknowledged")
        assert not went_ahead.wait(0.1), "the work went ahead while the second request was being handled"
        order.append("second acknowledged")
    assert went_ahead.wait(ENOUGH)
    thread.join()
    assert order == ["first acknowledged", "second acknowledged", "work"]
    assert result == [True]


def test_requests_that_never_stop_hold_work_back_for_max_wait_at_most():
    acks = AckFirst(max_wait=0.05)
    with acks.handling():
        assert acks.wait_for_gap() is False  # gave up waiting: the work goes ahead anyway
        assert acks.wait_for_gap() is False  # and every later piece of work too, none starves


# -- through the app's HTTP endpoint ---------------------------------------------------------------
def test_tasks_deferred_from_many_threads_at_once_each_run_once():
    """`defer` takes no lock while the dispatcher is busy, and the dispatcher goes idle and busy again
    hundreds of times here (no lull to wait for): no task may be lost or run twice, and none may sit
    waiting for a wake-up that never comes."""
    acks = AckFirst(quiet=0.0, max_wait=ENOUGH)
    ran, lock, all_ran = [], threading.Lock(), threading.Event()
    threads, per_thread = 8, 500

    def task(n):
        with lock:
            ran.append(n)
            if len(ran) == threads * per_thread:
                all_ran.set()

    def deferring(t):
        for i in range(per_thread):
            acks.defer(lambda n=(t, i): task(n))

    workers = [threading.Thread(target=deferring, args=(t,)) for t in range(threads)]
    [w.start() for w in workers]
    [w.join() for w in workers]
    assert all_ran.wait(ENOUGH), f"{threads * per_thread - len(ran)} tasks never ran"
    assert len(set(ran)) == len(ran) == threads * per_thread


class SteppedMonotonic:
    """A monotonic clock for `AckFirst` that moves only when the test moves it, and counts its readings: the
    gate's quiet time passes when the test says, and the test can see that the gate has looked since."""

    def __init__(self) -> None:
        self.now, self.readings = 0.0, 0
        self._changed = threading.Condition()

    def __call__(self) -> float:
        with self._changed:
            self.readings += 1
            self._changed.notify_all()
            return self.now

    def advance(self, seconds: float) -> int:
        """Move on; returns the readings so far, for `wait_for_readings`."""
        with self._changed:
            self.now += seconds
            return self.readings

    def wait_for_readings(self, after: int, count: int) -> bool:
        with self._changed:
            return self._changed.wait_for(lambda: self.readings >= after + count, ENOUGH)


def test_a_digest_acknowledged_during_another_request_posts_once_that_request_is_done(services, stub):
    gate_clock = SteppedMonotonic()
    services.runtime.acks = AckFirst(quiet=0.02, max_wait=30.0, monotonic=gate_clock)  # the lull, never the fallback
    http_app = HttpApp(services, stub)
    list_arrived, list_may_finish = threading.Event(), threading.Event()
    at_the_gate, gate_opened = threading.Event(), []  # per opening: (found a lull, the slow request was let go)
    wait_for_gap = services.acks.wait_for_gap

    def watched_wait_for_gap(*args, **kwargs):  # the real gate, seen from outside
        at_the_gate.set()
        found = wait_for_gap(*args, **kwargs)
        gate_opened.append((found, list_may_finish.is_set()))
        return found

    services.acks.wait_for_gap = watched_wait_for_gap

    @http_app.app.middleware
    def hold_the_list_request(body, next_):  # a slow request still being handled at the endpoint
        if body.get("text") == "list":
            list_arrived.set()
            list_may_finish.wait(ENOUGH)
        return next_()

    slow = threading.Thread(target=http_app.command, args=("/digest", "list"), kwargs={"channel_id": "COTHER"})
    try:
        slow.start()
        assert list_arrived.wait(ENOUGH)

        response = http_app.command("/digest", "next", user_id="UOWNER")
        assert (response.status, response.body) == (200, "")  # acknowledged at once
        assert at_the_gate.wait(ENOUGH), "the work after the acknowledgement never waited for a lull"
        # the quiet time passes while the slow request is still being handled, and the gate looks again
        # (two readings: it decided once on the new time): a gate that ignored the request would open now
        looked = gate_clock.wait_for_readings(gate_clock.advance(1.0), count=2)
        assert looked, f"the gate stopped looking: {gate_opened}"
        assert gate_opened == [] and stub.calls("users.info") == [] and stub.calls("chat.postMessage") == []

        list_may_finish.set()
        slow.join(ENOUGH)
        post = stub.wait_for("chat.postMessage")[0]
        assert post.params["channel"] == "C0CHAN" and "Introduction" in str(post.params["blocks"])
        assert "Posted part 1" in stub.wait_for_response()[0].params["text"]
        assert gate_opened and all(opening == (True, True) for opening in gate_opened), gate_opened
    finally:
        list_may_finish.set()
        http_app.close()


def test_a_burst_of_digest_next_in_many_channels_posts_every_one_once(http_app, stub, services):
    channels = [f"CBURST{n:02d}" for n in range(12)]
    barrier = threading.Barrier(len(channels))
    statuses: list[int] = []

    def ask(channel):
        barrier.wait()
        statuses.append(http_app.command("/digest", "next", user_id="UOWNER", channel_id=channel).status)

    threads = [threading.Thread(target=ask, args=(c,)) for c in channels]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert statuses == [200] * len(channels)

    stub.wait_for("chat.postMessage", count=len(channels), timeout=15)
    services.wait_idle()
    posts = stub.calls("chat.postMessage")
    assert sorted(p.params["channel"] for p in posts) == channels  # every channel once, none twice
    assert all("Introduction" in str(p.params["blocks"]) for p in posts)
    replies = stub.wait_for_response(count=len(channels))
    assert all("Posted part 1" in r.params["text"] for r in replies)
    assert [plans.get(services.store, TEAM, c).next_index for c in channels] == [1] * len(channels)
