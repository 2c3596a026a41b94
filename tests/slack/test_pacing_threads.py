"""One busy channel never delays another: pacing waits for a channel's slot without holding a thread
(faults.md D10), on an injected clock."""

from __future__ import annotations

import threading

from bot.slack.posting import ChannelPacer
from tests.support.clock import FakeClock


def test_channel_b_is_not_delayed_behind_thirty_posts_in_channel_a(clock: FakeClock):
    pacer = ChannelPacer(monotonic=lambda: clock.now().timestamp(), sleep=lambda s: None, timer=False)
    posted: list[tuple[str, float]] = []
    pool_threads_busy = threading.BoundedSemaphore(1)  # one worker thread: whatever sleeps on it blocks the rest

    def one_thread_pool(run):
        with pool_threads_busy:
            run()

    def post(channel: str):
        def work():
            pacer.wait_turn(channel)
            posted.append((channel, clock.now().timestamp()))
        return work

    start = clock.now().timestamp()
    for _ in range(30):
        pacer.hand_over("CA", one_thread_pool, post("CA"))
    pacer.hand_over("CB", one_thread_pool, post("CB"))

    assert posted == [("CA", start), ("CB", start)]  # B at once, beside A's first; A's others are booked
    for second in range(1, 30):
        clock.advance(seconds=1)
        assert pacer.run_due() == 1
        assert posted[-1] == ("CA", start + second)
    assert pacer.run_due() == 0
    assert len(posted) == 31


def test_a_second_post_in_the_same_work_books_its_own_slot(clock: FakeClock):
    waits: list[float] = []
    pacer = ChannelPacer(monotonic=lambda: clock.now().timestamp(), sleep=waits.append, timer=False)

    def work():
        pacer.wait_turn("CA")  # the slot handed over
        pacer.wait_turn("CA")  # another post: a second later

    pacer.hand_over("CA", lambda run: run(), work)
    assert waits == [1.0]
