"""The runtime: the threads and pools the app's work runs on, after the acknowledgement and beside it.

`bot.context.Context` holds what the code needs to know (settings, store, packs, clock, clients) and
starts nothing; this module owns every thread the context's users hand work to, so one place says how
many run and why (README, *Performance*):

- the after-ack pool (`AFTER_ACK_THREADS`): receipts, tally redraws, posts, Home publishes, the live
  updates' `chat.update`s (`bot.slack.live_updates`, which once had four draw threads of their own).
  Mostly waiting on Slack; its threads run at a lower CPU priority, so under load the request threads
  acknowledging clicks go first.
- the open-view pool (`OPEN_VIEW_THREADS`): `views.open` must reach Slack within 3 s of the click (its
  trigger expires), so it never queues behind paced posts, and runs at normal priority.
- the AckFirst dispatcher (one thread, `bot.ingest.ack_first`): holds follow-up work until the
  requests lull.
- the live updates' timer (one thread): hands out coalesced redraws as their interval passes. It looks
  ten times a second, which a one-second scheduler tick could not do without stretching the 1.1 s
  interval to 2 s.
- the click journal (`bot.ingest.clicks`) has no thread: it settles on the after-ack pool.

Pools make their threads as work comes, up to their size. The scheduler's threads are the scheduler's
(`bot.scheduler`), the request threads the server's (`bot.server`, waitress).

`bot.context.Services` joins a context and its runtime into the one object listeners, flows and the
scheduler are handed; this module knows nothing of them, only of the store (claiming deliveries) and
the acknowledgement path.
"""

from __future__ import annotations

import collections
import logging
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from pathlib import Path

from slack_sdk import WebClient

from bot.ingest.ack_first import AckFirst
from bot.ingest.clicks import Clicks
from bot.ingest.storage_faults import reply_not_saved, reply_url
from bot.slack.live_updates import LiveUpdates
from bot.slack.posting import ChannelPacer
from store import Store, deliveries
from store.db import disk_trouble

log = logging.getLogger(__name__)

# Work after acknowledgements, and live redraws: mostly waiting on Slack (a receipt, a chat.update), so a
# few more threads than cores; more only queue for the interpreter lock beside the request threads.
AFTER_ACK_THREADS = 8
# views.open within 3 s of a click: modals are rare next to votes, but a class opening one together must
# not wait behind each other for long.
OPEN_VIEW_THREADS = 4


class Runtime:
    def __init__(self, store: Store, *, journal_dir: Path | None = None, acks: AckFirst | None = None,
                 live: LiveUpdates | None = None):
        """`acks` and `live` may be given (tests drive live updates by hand, `LiveUpdates(background=False)`);
        by default live redraws run on the after-ack pool."""
        self.store = store
        # Work that follows an acknowledgement runs here, not on the request threads: a slow Web API call
        # must never keep the next request from being acknowledged.
        self.background = ThreadPoolExecutor(max_workers=AFTER_ACK_THREADS, thread_name_prefix="after-ack",
                                             initializer=_yield_to_acknowledgements)
        self.urgent = ThreadPoolExecutor(max_workers=OPEN_VIEW_THREADS, thread_name_prefix="open-view")
        # the requests being handled: work after acknowledgements waits for a gap in them
        self.acks = acks if acks is not None else AckFirst()
        # coalesced chat.update of live messages (poll tallies, quiz answer counts)
        self.live = live if live is not None else LiveUpdates(run=self._draw)
        # where votes and quiz answers are journaled before the acknowledgement; without a directory, clicks
        # are written at once
        self.clicks = Clicks(store, after_lull=self.after_ack, follow_up=self.follow_up, directory=journal_dir)
        self._in_flight: set[Future[object]] = set()
        self._held: collections.deque[None] = collections.deque()  # after_ack work waiting for a lull
        self._lock = threading.Lock()

    def after_ack(self, work: Callable[..., object], *args: object,
                  delivery: tuple[str, str] | None = None, channel: str = "",
                  pacer: ChannelPacer | None = None) -> None:
        """Run `work(*args)` after the acknowledgement, once the requests lull (bot/ingest/ack_first.py); failures are
        logged, never lost silently. `wait_idle` waits for it.

        With a `delivery` (see bot.slack.deliveries), the delivery is claimed in the database first, off
        the acknowledgement path: a delivery Slack sends again is acknowledged again but its work runs once.

        With a `channel` and its `pacer`, work that posts there starts when the channel's next post slot
        comes (`ChannelPacer.hand_over`), so it never sleeps on a pool thread that another channel's work needs.

        On the acknowledgement path this only notes the work (an append to a deque, atomic under the
        interpreter lock); its future is made by the dispatcher once the lull comes.
        """
        until = self.acks.deadline()  # however it is held back, it starts by then
        answer_to = reply_url.get()  # the request's response_url: where "not saved" goes if the disk refuses
        self._held.append(None)

        def submit(run: Callable[[], object]) -> None:
            try:
                started = self.background.submit(run)
            except RuntimeError:  # the pool has been shut down (the process is stopping)
                log.warning("work after an acknowledgement dropped: the process is stopping")
            else:
                self._track(started)
            finally:
                self._held.pop()  # after it is in flight, so `wait_idle` never sees a gap between the two

        def run() -> object:
            return self._run_once(until, delivery, answer_to, work, *args)

        def start() -> None:  # after the lull (bot/ingest/ack_first.py)
            if channel and pacer is not None:
                pacer.hand_over(channel, submit, run)
            else:
                submit(run)

        self.acks.defer(start)

    def follow_up(self, work: Callable[[], object]) -> Future[object]:
        """Run `work()` on the after-ack pool now (its caller has already waited for the lull)."""
        return self._track(self.background.submit(work))

    def open_view(self, client: WebClient, trigger_id: str, view: dict[str, object]) -> Future[object]:
        """Open a modal right after the acknowledgement, on the urgent pool (trigger ids expire in 3 s)."""
        return self._track(self.urgent.submit(client.views_open, trigger_id=trigger_id, view=view))

    def settle(self) -> None:
        """Apply every acknowledged click still in the journal: before reading responses to act on them."""
        self.clicks.settle()

    def wait_idle(self, timeout: float = 10.0) -> None:
        """Block until all after-ack work (and work it submitted) has finished: for tests and graceful stops."""
        deadline = time.monotonic() + timeout
        while True:
            held = len(self._held)  # before the futures: `start` adds its future first and pops second
            with self._lock:
                pending = list(self._in_flight)
            if not pending and not held:
                return
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"{len(pending) + held} pieces of after-ack work still to run")
            if pending:
                wait(pending, timeout=remaining)
            else:  # only work held for a lull (a few tens of milliseconds): look again shortly
                time.sleep(min(remaining, 0.005))

    def stop(self, timeout: float = 20.0) -> None:
        """On a graceful stop (the caller has stopped new requests and timers): queued Slack work finishes,
        journaled clicks are applied, live redraws stop once the ones under way are done."""
        deadline = time.monotonic() + timeout
        try:
            self.wait_idle(timeout)
        except TimeoutError:
            log.warning("stopping with Slack work still queued; stored state is complete, messages may lag")
        self.clicks.close()
        self.live.stop()
        try:  # the receipts and redraws of the clicks just applied, and draws under way
            self.wait_idle(max(0.0, deadline - time.monotonic()))
        except TimeoutError:
            log.warning("stopping with receipts or redraws still under way")

    def _draw(self, draw: Callable[[], None]) -> Future[object]:
        """Where live updates run their redraws: the after-ack pool (RuntimeError once it is shut down)."""
        return self.follow_up(draw)

    def _track(self, future: Future[object]) -> Future[object]:
        with self._lock:
            self._in_flight.add(future)
        future.add_done_callback(self._finished)
        return future

    def _run_once(self, until: float, delivery: tuple[str, str] | None, answer_to: str, work: Callable[..., object],
                  *args: object) -> object:
        # A lull the dispatcher saw may have been a blip inside a burst: if the requests are back, wait
        # again, but never past the deadline set when the work was held.
        self.acks.wait_for_gap(until)
        try:
            if delivery is not None and not deliveries.claim(self.store, *delivery):
                log.info("delivery %s seen before: its work is not done again", delivery[1])
                return None
            return work(*args)
        except Exception as exc:
            if not disk_trouble(exc):
                raise
            # the disk refused the command's write: its author hears so instead of nothing (one ERROR line
            # for the operator comes from the journal's report, with backoff)
            self.clicks.trouble.report(str(self.store.path), str(exc))
            reply_not_saved(answer_to)
            return None

    def _finished(self, future: Future[object]) -> None:
        with self._lock:
            self._in_flight.discard(future)
        exc = future.exception()
        if exc is not None:
            log.error("work after an acknowledgement failed", exc_info=exc)


def _yield_to_acknowledgements() -> None:
    """Lower this worker thread's CPU priority (Linux schedules threads individually), so that under load
    the threads acknowledging requests run first and the work after them catches up in the gaps."""
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 10)
    except (AttributeError, OSError):  # not Linux, or not allowed: same priority, still correct
        pass
