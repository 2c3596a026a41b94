"""The coalescing rule behind a live poll's tally and a live question's "N answered" (bot/slack/coalesce.py),
without Slack or a clock."""

import threading
from itertools import pairwise

from hypothesis import given
from hypothesis import strategies as st

from bot.slack.coalesce import EPSILON, Coalescer
from bot.slack.live_updates import LiveUpdates


def test_a_quiet_message_is_drawn_at_once_and_a_busy_one_once_a_second():
    c = Coalescer(interval=1.0)
    assert c.offer("q1", 10.0) is True
    c.done("q1")
    assert [c.offer("q1", t) for t in (10.2, 10.4, 10.9)] == [False, False, False]
    assert c.due(10.99) == []
    assert c.due(11.0) == ["q1"]             # three changes, one update
    c.done("q1")
    assert c.due(20.0) == []                 # nothing queued: no extra draw
    assert c.offer("q2", 10.5) is True       # each message has its own interval


def test_a_change_during_a_draw_is_drawn_after_it_not_alongside_it():
    c = Coalescer(interval=1.0)
    assert c.offer("q", 0.0) is True
    assert c.offer("q", 2.0) is False        # the first draw is still in flight
    assert c.due(3.0) == []                  # never two draws of one message at once
    c.done("q")
    assert c.due(3.0) == ["q"]


offers = st.lists(st.tuples(st.sampled_from(["q1", "q2", "q3"]), st.floats(0, 0.5, allow_nan=False)),
                  min_size=1, max_size=300)


@given(offers)
def test_at_most_one_update_per_second_per_message_and_every_last_change_drawn(steps):
    """Answers arrive at random gaps on three questions: no message is updated twice within the interval,
    and each message's final update comes after its last change (so the final count is shown)."""
    c = Coalescer(interval=1.0)
    now, draws, last_change = 0.0, {}, {}

    def draw(key):
        draws.setdefault(key, []).append(now)
        c.done(key)

    for key, gap in steps:
        now += gap
        for ready in c.due(now):
            draw(ready)
        last_change[key] = now
        if c.offer(key, now):
            draw(key)
    now += 5.0
    for ready in c.due(now):
        draw(ready)
    for times in draws.values():
        assert all(b - a >= 1.0 - 1e-6 for a, b in pairwise(times))
    for key, changed_at in last_change.items():
        assert draws[key][-1] >= changed_at
    assert c.pending() == 0


def test_a_final_version_waits_for_a_draw_in_flight():
    """The reveal takes `exclusive(key)`: while a count update is being sent, the reveal cannot start, so
    the count can never arrive at Slack after the reveal and put the buttons back."""
    live = LiveUpdates(interval=1.0, monotonic=lambda: 0.0, background=False,
                       run=lambda fn: threading.Thread(target=fn).start())
    drawing, release = threading.Event(), threading.Event()

    def slow_draw():
        drawing.set()
        release.wait(5)

    live.changed("q", slow_draw)
    assert drawing.wait(5)
    lock = live.exclusive("q")
    assert lock.acquire(blocking=False) is False  # the reveal would wait here
    release.set()
    assert lock.acquire(timeout=5) is True
    lock.release()


def test_busy_messages_in_one_workspace_share_its_chat_update_budget_and_another_workspace_keeps_its_pace():
    """`chat.update` is Tier 3, about 50 a minute per workspace. Three polls voted on non-stop in one
    workspace are redrawn about 50 times a minute between them, not 3 × 54, each in its turn and each
    with its last change drawn; a poll in another workspace is still redrawn once per interval."""
    c = Coalescer(interval=1.1, per_minute=50, burst=5)
    keys = [("T1", "p1"), ("T1", "p2"), ("T1", "p3"), ("T2", "p4")]
    draws = {k: [] for k in keys}
    tick = 0

    def draw(key):
        draws[key].append(tick / 10)
        c.done(key)

    while tick < 1200:  # two minutes of changes to every message, every 0.1 s
        for key in keys:
            if c.offer(key, tick / 10, key[0]):
                draw(key)
        for key in c.due(tick / 10):
            draw(key)
        tick += 1
    assert c.offer(("T3", "p5"), tick / 10, "T3") is True  # a quiet workspace's message: drawn at once
    c.done(("T3", "p5"))
    last_change = (tick - 1) / 10
    while tick < 2000:
        for key in c.due(tick / 10):
            draw(key)
        tick += 1

    busy = sorted(t for key in keys[:3] for t in draws[key])
    assert max(sum(start <= t < start + 60 for t in busy) for start in range(0, 200)) <= 50 + 5
    assert len(busy) >= 100  # the budget is used, not left idle
    assert min(len(draws[key]) for key in keys[:3]) >= 30  # shared fairly
    assert len(draws[("T2", "p4")]) >= 100  # 120 s at one per 1.1–1.2 s
    assert all(draws[key][-1] >= last_change for key in keys)  # the final state is always shown


def test_coalescer_draws_at_once_then_at_most_once_per_interval_and_always_the_last_change():
    c = Coalescer(interval=1.0)
    assert c.offer("m", 0.0) is True          # quiet message: draw now
    assert c.offer("m", 0.1) is False         # in flight: queued
    c.done("m")
    assert c.offer("m", 0.5) is False         # within the interval: queued
    assert c.due(0.9) == []                   # not yet
    assert c.due(1.0) == ["m"]                # one draw for everything queued
    c.done("m")
    assert c.due(5.0) == []                   # nothing left: no extra draws
    assert c.offer("other", 0.2) is True      # messages are independent


@given(st.lists(st.floats(min_value=0, max_value=30, allow_nan=False), min_size=1, max_size=200))
def test_coalesced_draws_are_a_second_apart_and_the_final_state_is_drawn(times):
    now = [0.0]
    draws = []
    live = LiveUpdates(interval=1.0, monotonic=lambda: now[0], background=False)
    state = {"votes": 0}

    def draw():
        draws.append((now[0], state["votes"]))

    for t in sorted(times):
        now[0] = t
        live.flush()
        state["votes"] += 1
        live.changed("poll", draw)
    now[0] = 1000.0
    live.flush()
    gaps = [b[0] - a[0] for a, b in pairwise(draws)]
    assert all(gap >= 1.0 - EPSILON for gap in gaps)  # float clock readings: 0.9999999 s counts as 1 s
    assert draws[-1][1] == len(times)  # the last draw shows every vote
