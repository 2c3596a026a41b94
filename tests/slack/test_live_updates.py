"""Live updates in the app (bot/slack/live_updates.py, `background=True`): a listener reporting a change never
draws the message itself, so its acknowledgement is not held up by a `chat.update`; stopping lets the
draws already under way finish."""

import threading

import pytest

from bot.slack.live_updates import LiveUpdates

ENOUGH = 5.0  # seconds: only reached when something is broken


@pytest.fixture
def live():
    live = LiveUpdates(interval=60.0)  # as in the app: background=True
    yield live
    live.stop()


class SlowDraw:
    """A draw that notes the thread it ran on and then holds until released, as a slow chat.update would."""

    def __init__(self):
        self.started, self.release, self.finished = threading.Event(), threading.Event(), threading.Event()
        self.thread_ids: list[int] = []

    def __call__(self):
        self.thread_ids.append(threading.get_ident())
        self.started.set()
        self.release.wait(ENOUGH)
        self.finished.set()


def test_a_change_is_drawn_on_another_thread_and_the_caller_does_not_wait_for_it(live):
    draw = SlowDraw()
    live.changed(("poll", 1), draw)
    assert not draw.finished.is_set()  # changed() came back while the draw is still to finish
    assert draw.started.wait(ENOUGH)  # the draw did run, right away (a quiet message is drawn at once)
    assert draw.thread_ids and draw.thread_ids[0] != threading.get_ident()
    draw.release.set()
    assert draw.finished.wait(ENOUGH)


def test_reporting_changes_from_many_threads_never_draws_on_any_of_them(live):
    # Thread objects, not idents: an ident is reused once its thread has ended
    callers: list[threading.Thread] = []
    drawn_on: list[threading.Thread] = []

    def draw():
        drawn_on.append(threading.current_thread())

    def report(n):
        callers.append(threading.current_thread())
        live.changed(("poll", n), draw)

    threads = [threading.Thread(target=report, args=(n,)) for n in range(8)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    live.stop()  # waits for the draws under way
    assert len(drawn_on) == 8  # one draw for each message
    assert not any(t in callers or t is threading.current_thread() for t in drawn_on)


def test_stop_waits_for_a_draw_under_way(live):
    draw = SlowDraw()
    live.changed(("quiz", 7), draw)
    assert draw.started.wait(ENOUGH)
    order: list[str] = []
    stopped = threading.Event()

    def stop():
        live.stop()
        order.append("stop returned")
        stopped.set()

    stopper = threading.Thread(target=stop)
    stopper.start()
    assert not stopped.wait(0.1), "stop() returned while a draw was still under way"
    order.append("draw released")
    draw.release.set()
    assert stopped.wait(ENOUGH)
    stopper.join()
    assert draw.finished.is_set()
    assert order == ["draw released", "stop returned"]


def test_a_thousand_messages_drawn_and_idle_leave_nothing_behind():
    """Every per-message map (the draws, the locks, the coalescer's) empties once each message is idle."""
    now = [0.0]
    live = LiveUpdates(interval=1.1, monotonic=lambda: now[0], background=False)
    drawn: list[object] = []
    for _burst in range(3):  # three changes to each message, in ten workspaces: drawn, queued, queued
        for n in range(1000):
            key = ("poll", n)
            live.changed(key, lambda key=key: drawn.append(key), f"T{n % 10}")
    with live.exclusive(("poll", 3)):  # a closing edit takes the message's lock
        assert live.sizes()["locks"] == 1
    while live.coalescer.pending():
        now[0] += 1.0
        live.flush()
    now[0] += 60.0
    live.flush()
    assert set(drawn) == {("poll", n) for n in range(1000)}
    assert {name: size for name, size in live.sizes().items() if size} == {}
