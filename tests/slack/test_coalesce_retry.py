"""A refused live update is drawn again (bot/slack/coalesce.py `failed`), without Slack or a clock: the last state
always reaches the channel, within the workspace's chat.update budget, and nothing is remembered for ever."""

from itertools import pairwise

from hypothesis import given
from hypothesis import strategies as st

from bot.slack.coalesce import Coalescer

EMPTY = {"last_sent": 0, "group": 0, "dirty": 0, "in_flight": 0, "failures": 0, "retry_at": 0, "buckets": 0}


def test_a_refused_draw_is_drawn_again_after_2_4_8_s_and_then_forgotten():
    c = Coalescer(interval=1.1)
    assert c.offer("p", 0.0) is True
    assert c.failed("p", 0.2) == 2.2  # the first retry 2 s after the refusal
    assert c.due(2.1) == []
    assert c.due(2.2) == ["p"]
    assert c.failed("p", 2.3) == 6.3  # then 4 s
    assert c.due(6.2) == []
    assert c.due(6.3) == ["p"]
    assert c.failed("p", 6.4) == 14.4  # then 8 s
    assert c.due(14.4) == ["p"]
    c.done("p")  # Slack took it
    assert c.pending() == 0
    assert c.prune(14.5) == []  # still within its interval: a change now must wait
    assert c.prune(15.5) == ["p"]
    assert c.sizes() == EMPTY
    assert c.offer("p", 15.6) is True  # a later change is drawn at once, with a fresh backoff
    assert c.failed("p", 15.7) == 17.7


def test_changes_while_a_refused_draw_waits_are_drawn_by_the_retry_not_before():
    c = Coalescer(interval=1.1)
    assert c.offer("p", 0.0) is True
    c.failed("p", 0.1)
    assert [c.offer("p", t) for t in (0.5, 1.5, 2.0)] == [False, False, False]  # held back: 2 s from the refusal
    assert c.due(1.9) == []
    assert c.due(2.1) == ["p"]  # one draw carries all three changes
    c.done("p")
    assert c.due(10.0) == []


def test_the_backoff_is_capped_and_slack_retry_after_is_respected():
    c = Coalescer(interval=1.1, retry_first=2.0, retry_cap=60.0, transient_attempts=100)
    now = 0.0
    assert c.offer("p", now)
    waits = []
    for _ in range(8):
        retry_at = c.failed("p", now)
        waits.append(retry_at - now)
        now = retry_at
        assert c.due(now) == ["p"]
    assert waits == [2, 4, 8, 16, 32, 60, 60, 60]
    assert c.failed("p", now, retry_after=90.0) == now + 90  # a 429's Retry-After longer than the backoff


def test_an_error_that_repeats_is_tried_three_times_then_the_message_is_forgotten():
    c = Coalescer(interval=1.1, per_minute=50)
    assert c.offer("gone", 0.0, "T1") is True
    assert c.failed("gone", 0.1, permanent=True) is not None
    assert c.due(2.1) == ["gone"]
    assert c.failed("gone", 2.2, permanent=True) is not None
    assert c.due(6.2) == ["gone"]
    assert c.failed("gone", 6.3, permanent=True) is None  # third refusal: given up
    assert c.due(100.0) == [] and c.pending() == 0 and not c.knows("gone")
    c.prune(100.0)
    assert c.sizes() == EMPTY  # its workspace's bucket went with it, full again


def test_failures_that_pass_are_tried_for_about_an_hour():
    c = Coalescer(interval=1.1)
    now, draws = 0.0, 1
    assert c.offer("p", now)
    while (retry_at := c.failed("p", now)) is not None:
        now = retry_at
        assert c.due(now) == ["p"]
        draws += 1
    assert draws == 60 and 50 * 60 < now < 60 * 60


def test_a_message_waiting_to_retry_does_not_hold_up_others_of_its_workspace():
    c = Coalescer(interval=1.1, per_minute=50)
    assert c.offer("p1", 0.0, "T1") is True
    c.failed("p1", 0.1)
    assert c.offer("p2", 0.5, "T1") is True  # drawn at once: p1 is not queued before its retry time


def test_retries_come_out_of_the_workspace_budget():
    """Three polls in one workspace, every other update refused: draws and retries together stay within
    about 50 a minute (55 in any minute, with the burst), and every poll's last change is drawn."""
    c = Coalescer(interval=1.1, per_minute=50, burst=5)
    keys = [("T1", n) for n in range(3)]
    calls: list[float] = []
    drawn: dict = {k: [] for k in keys}
    tick = 0

    def draw(key):
        now = tick / 10
        calls.append(now)
        if len(calls) % 2:
            c.failed(key, now)
        else:
            drawn[key].append(now)
            c.done(key)

    while tick < 1200:  # two minutes of changes to every poll, every 0.1 s
        for key in keys:
            if c.offer(key, tick / 10, "T1"):
                draw(key)
        for key in c.due(tick / 10):
            draw(key)
        tick += 1
    last_change = (tick - 1) / 10
    while tick < 6000 and c.pending():
        for key in c.due(tick / 10):
            draw(key)
        tick += 1
    assert max(sum(start <= t < start + 60 for t in calls) for start in range(0, 600)) <= 55
    assert len(calls) >= 100  # the budget is used
    assert all(drawn[key] and drawn[key][-1] >= last_change for key in keys)


steps = st.lists(st.tuples(st.sampled_from(["p1", "p2", "p3"]), st.floats(0, 3, allow_nan=False),
                           st.booleans()), min_size=1, max_size=200)


@given(steps)
def test_whatever_slack_refuses_on_the_way_the_last_change_is_drawn_and_nothing_is_kept(plan):
    """Changes at random gaps on three messages, each draw refused or taken at random, then Slack takes
    everything: each message's last successful draw comes after its last change, no message is drawn twice
    within the interval, and once all is quiet the coalescer holds nothing."""
    c = Coalescer(interval=1.1, per_minute=50)
    now, taken, started, last_change = 0.0, {}, {}, {}
    refuse = False

    def draw(key):
        started.setdefault(key, []).append(now)
        if refuse:  # Slack's answer to this draw
            c.failed(key, now)
        else:
            taken.setdefault(key, []).append(now)
            c.done(key)

    for key, gap, refused in plan:
        refuse = refused
        now += gap
        for ready in c.due(now):
            draw(ready)
        last_change[key] = now
        if c.offer(key, now, "T1"):
            draw(key)
        c.prune(now)
    refuse = False
    for _ in range(200):
        now += 1.0
        for ready in c.due(now):
            draw(ready)
        c.prune(now)
    for key, changed_at in last_change.items():
        assert taken[key][-1] >= changed_at
    for times in started.values():
        assert all(b - a >= 1.1 - 1e-6 for a, b in pairwise(times))
    assert c.sizes() == EMPTY
