"""How many threads the app runs, counted in a running one (README, Performance): the runtime's pools at
their fullest, and no pool of draw threads beside the after-ack pool."""

import collections
import re
import threading

from bot.app import build_services, create_app
from bot.runtime import AFTER_ACK_THREADS, OPEN_VIEW_THREADS
from bot.scheduler import JOB_THREADS, POST_THREADS, DigestScheduler

ENOUGH = 5.0


def threads_by_pool() -> collections.Counter:
    """Live threads by name, their numbers taken off (`after-ack_3` -> `after-ack`)."""
    return collections.Counter(re.sub(r"_\d+$", "", t.name) for t in threading.enumerate())


def test_the_threads_of_a_running_app_at_their_fullest(settings):
    baseline = threads_by_pool()  # other tests' apps may have left daemon threads behind
    services = build_services(settings)  # as served: live updates in the background, on the after-ack pool
    create_app(services)
    scheduler = DigestScheduler(services)
    scheduler.start()
    release = threading.Event()
    started = threading.Semaphore(0)

    def busy():
        started.release()
        release.wait(ENOUGH)

    try:
        for _ in range(AFTER_ACK_THREADS + 2):
            services.follow_up(busy)
        for _ in range(OPEN_VIEW_THREADS + 2):
            services.runtime.urgent.submit(busy)
        for _ in range(POST_THREADS + 2):
            scheduler.posting.submit(busy)
        for n in range(20):  # live redraws queue on the after-ack pool: no threads of their own
            services.live.changed(("poll", n), busy, "T1")
        services.after_ack(lambda: None)  # starts the lull dispatcher
        for _ in range(AFTER_ACK_THREADS + OPEN_VIEW_THREADS + POST_THREADS):
            assert started.acquire(timeout=ENOUGH)
        running = threads_by_pool() - baseline
        assert running["after-ack"] == AFTER_ACK_THREADS
        assert running["open-view"] == OPEN_VIEW_THREADS
        assert running["digest-post"] == POST_THREADS
        assert running["ack-first"] == 1
        assert not any(name.startswith("live-draw") for name in running)
        assert running["live-updates"] == 1  # the live updates' timer
        assert running["APScheduler"] == 1  # the scheduler's own thread; its jobs run on JOB_THREADS more
        runtime_threads = AFTER_ACK_THREADS + OPEN_VIEW_THREADS + 2
        scheduler_threads = 1 + JOB_THREADS + POST_THREADS
        assert (runtime_threads, scheduler_threads) == (14, 21)  # README, Performance: say so there when it changes
    finally:
        release.set()
        services.stop()
        scheduler.shutdown()
        services.background.shutdown(wait=True)
        services.store.close()
