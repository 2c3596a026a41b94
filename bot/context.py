"""What the listeners and the scheduler share: settings, the store, the packs, the clock, Slack clients.

Built once at start and handed to each listener module's `register(app, services)`.
"""

from __future__ import annotations

import collections
import logging
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

from bot.ingest.ack_first import AckFirst
from bot.ingest.clicks import Clicks
from bot.domain.clock import Clock, SystemClock
from bot.config import Settings
from bot.slack.keep_alive import KeepAliveWebClient
from bot.slack.keyed_locks import KeyedLock, KeyedLocks
from bot.slack.live_updates import LiveUpdates
from bot.slack.posting import BlockRefusals, ChannelPacer, ConnectionErrorRetryHandlerForPosts, ServerErrorRetryHandlerForPosts
from bot.slack.memberships import MemberChannels
from bot.slack.tokens import TeamToken
from questions.schema import Pack
from store import Store, deliveries

if TYPE_CHECKING:  # the runner is a flow: it uses this context, so it can't be imported at run time here
    from bot.flows.quizzes import QuizRunner

log = logging.getLogger(__name__)


def retry_handlers() -> list:
    """slack_sdk's own handlers: connection errors, 429 with Retry-After, and 5xx, each retried a few times;
    a chat.postMessage Slack may have taken is not re-sent by them (bot/slack/posting.py looks for it first)."""
    return [
        ConnectionErrorRetryHandlerForPosts(max_retry_count=2),
        RateLimitErrorRetryHandler(max_retry_count=3),
        ServerErrorRetryHandlerForPosts(max_retry_count=2),
    ]


def make_client(settings: Settings, token: str | None) -> WebClient:
    """The app's own Web API client (scheduled posts and the work after an acknowledgement): slack_sdk's,
    over a connection each thread keeps open (`bot.slack.keep_alive`)."""
    return KeepAliveWebClient(token=token, base_url=settings.slack_api_url, timeout=10,
                              retry_handlers=retry_handlers())


@dataclass
class Services:
    settings: Settings
    store: Store
    packs: dict[str, Pack]
    clock: Clock = field(default_factory=SystemClock)
    client: WebClient | None = None
    # team_id -> its bot token (bot.slack.tokens.TeamToken, or None if not installed), for multi-workspace
    # installs (bot.slack.tokens.TeamTokens); single-workspace mode uses `client`.
    token_for_team: Callable[[str], TeamToken | None] | None = None
    # called with the new Plan whenever a plan changes, so the scheduler can re-sync its job
    on_plan_change: object | None = None
    # Work that follows an acknowledgement runs here, not on Bolt's listener threads: a slow Web API call
    # must never keep the next request from being acknowledged.
    background: ThreadPoolExecutor = field(
        default_factory=lambda: ThreadPoolExecutor(max_workers=8, thread_name_prefix="after-ack",
                                                   initializer=_yield_to_acknowledgements)
    )
    # views.open must happen within 3 s of the click (the trigger expires): its own small pool, never
    # queued behind paced posts
    urgent: ThreadPoolExecutor = field(
        default_factory=lambda: ThreadPoolExecutor(max_workers=4, thread_name_prefix="open-view")
    )
    # timers to run as the clock moves (quiz reveals, poll closing), set by `bot.scheduler.clock_timers`:
    # the scheduler runs them each second, the console after each tick
    timers: list[Callable[[], object]] = field(default_factory=list)
    # the one quiz runner (bot/flows/quizzes.py), made by `bot.app.create_app`
    quizzes: QuizRunner = field(init=False)
    # one pacer for every feature, so a digest, a quiz and a poll in one channel share ~1 post/s
    pacer: ChannelPacer = field(default_factory=ChannelPacer)
    # the requests being handled: work after acknowledgements waits for a gap in them (bot/ingest/ack_first.py)
    acks: AckFirst = field(default_factory=AckFirst)
    # coalesced chat.update of live messages (poll tallies, quiz answer counts)
    live: LiveUpdates = field(default_factory=LiveUpdates)
    # chart and table blocks Slack refused, by workspace and type, for a while (bot/slack/posting.py)
    block_refusals: BlockRefusals = field(default_factory=BlockRefusals)
    # where votes and quiz answers are journaled before the acknowledgement (bot/ingest/clicks.py):
    # `build_services` puts it beside the database; without one, clicks are written at once
    journal_dir: Path | None = None
    clicks: Clicks = field(init=False)
    memberships: MemberChannels = field(init=False)
    _in_flight: set[Future] = field(default_factory=set)
    _held: collections.deque = field(default_factory=collections.deque)  # after_ack work waiting for a lull
    _clients: dict[str, tuple[WebClient, float | None]] = field(default_factory=dict)  # client, refresh_after
    _turns: KeyedLocks = field(default_factory=KeyedLocks)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self.clicks = Clicks(self.store, after_lull=self.after_ack, follow_up=self.follow_up,
                             directory=self.journal_dir)
        # which channels each Home viewer is in, asked of Slack (Tier 2) at most every few minutes
        self.memberships = MemberChannels(self.clock)

    @property
    def default_pack_id(self) -> str:
        """The article's own pack when it is installed, else the first pack by id."""
        preferred = [pid for pid in self.packs if not pid.startswith("sample")]
        return sorted(preferred or self.packs)[0]

    def pack(self, pack_id: str | None = None) -> Pack:
        return self.packs.get(pack_id or "") or self.packs[self.default_pack_id]

    def after_ack(self, work: Callable[..., object], *args: object,
                  delivery: tuple[str, str] | None = None) -> None:
        """Run `work(*args)` after the acknowledgement, once the requests lull (bot/ingest/ack_first.py); failures are
        logged, never lost silently. `wait_idle` waits for it.

        With a `delivery` (see bot.slack.deliveries), the delivery is claimed in the database first, off
        the acknowledgement path: a delivery Slack sends again is acknowledged again but its work runs once.

        On the acknowledgement path this only notes the work (an append to a deque, atomic under the
        interpreter lock); its future is made by the dispatcher once the lull comes.
        """
        until = self.acks.deadline()  # however it is held back, it starts by then
        self._held.append(None)

        def start() -> None:  # after the lull (bot/ingest/ack_first.py): on the pool
            try:
                started = self.background.submit(self._run_once, until, delivery, work, *args)
            except RuntimeError:  # the pool has been shut down (the process is stopping)
                log.warning("work after an acknowledgement dropped: the process is stopping")
            else:
                with self._lock:
                    self._in_flight.add(started)
                started.add_done_callback(self._finished)
            finally:
                self._held.pop()  # after it is in flight, so `wait_idle` never sees a gap between the two

        self.acks.defer(start)

    def follow_up(self, work: Callable[[], object]) -> Future:
        """Run `work()` on the after-ack pool now (its caller has already waited for the lull)."""
        future = self.background.submit(work)
        with self._lock:
            self._in_flight.add(future)
        future.add_done_callback(self._finished)
        return future

    def settle(self) -> None:
        """Apply every acknowledged click still in the journal: before reading responses to act on them."""
        self.clicks.settle()

    def in_turn(self, *key: object) -> KeyedLock:
        """A lock per key for work that must not overlap in this process: two `/digest next` in one
        channel claim items 1 and 2 in order, and with this their posts also reach Slack in that order."""
        return self._turns(key)

    def open_view(self, client: WebClient, trigger_id: str, view: dict) -> Future:
        """Open a modal right after the acknowledgement, on the urgent pool (trigger ids expire in 3 s)."""
        future = self.urgent.submit(client.views_open, trigger_id=trigger_id, view=view)
        with self._lock:
            self._in_flight.add(future)
        future.add_done_callback(self._finished)
        return future

    def _run_once(self, until: float, delivery: tuple[str, str] | None, work: Callable[..., object],
                  *args: object) -> object:
        # A lull the dispatcher saw may have been a blip inside a burst: if the requests are back, wait
        # again, but never past the deadline set when the work was held.
        self.acks.wait_for_gap(until)
        if delivery is not None and not deliveries.claim(self.store, *delivery):
            log.info("delivery %s seen before: its work is not done again", delivery[1])
            return None
        return work(*args)

    def _finished(self, future: Future) -> None:
        with self._lock:
            self._in_flight.discard(future)
        _log_failure(future)

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
        journaled clicks are applied, live redraws stop."""
        try:
            self.wait_idle(timeout)
        except TimeoutError:
            log.warning("stopping with Slack work still queued; stored state is complete, messages may lag")
        self.clicks.close()
        self.live.stop()

    def plan_changed(self, plan) -> None:
        if self.on_plan_change is not None and plan is not None:
            self.on_plan_change(plan)  # type: ignore[operator]

    def client_for(self, team_id: str) -> WebClient:
        """A Web API client for the workspace (scheduled jobs have no request to borrow one from).

        Kept per workspace until its token is due for refreshing (token rotation, bot/slack/tokens.py), the
        workspace reinstalls or uninstalls, or Slack refuses the token (`forget_client`). The lookup, and a
        refresh, happen in the workspace's own turn: two jobs never refresh one token twice, and other
        workspaces' jobs do not wait for it.
        """
        token_for_team = self.token_for_team
        if token_for_team is None:
            if self.client is None:
                self.client = make_client(self.settings, self.settings.bot_token)
            return self.client
        cached = self._current_client(team_id)
        if cached is not None:
            return cached
        with self._turns(("token", team_id)):
            cached = self._current_client(team_id)  # another job's lookup, while this one waited
            if cached is not None:
                return cached
            found = token_for_team(team_id)
            client = make_client(self.settings, found.token if found else None)
            if found is not None:  # a workspace not (yet) installed is looked up again next time
                with self._lock:
                    self._clients[team_id] = (client, found.refresh_after)
            return client

    def _current_client(self, team_id: str) -> WebClient | None:
        with self._lock:
            cached = self._clients.get(team_id)
        if cached is None:
            return None
        client, refresh_after = cached
        # the wall clock, not `self.clock`: token expiry times are stamped with it (bot/slack/tokens.py)
        if refresh_after is not None and time.time() >= refresh_after:
            return None
        return client

    def forget_client(self, team_id: str) -> None:
        """Drop a workspace's cached client (after a reinstall, an uninstall, or a token Slack stopped
        accepting)."""
        with self._lock:
            self._clients.pop(team_id, None)

    def schedules_changed(self) -> None:
        """Plans came or went other than one at a time (a workspace left or came back): re-sync the jobs."""
        if self.on_plan_change is not None:
            self.on_plan_change(None)  # type: ignore[operator]


def _yield_to_acknowledgements() -> None:
    """Lower this worker thread's CPU priority (Linux schedules threads individually), so that under load
    the threads acknowledging requests run first and the work after them catches up in the gaps."""
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 10)
    except (AttributeError, OSError):  # not Linux, or not allowed: same priority, still correct
        pass


def _log_failure(future: Future) -> None:
    exc = future.exception()
    if exc is not None:
        log.error("work after an acknowledgement failed", exc_info=exc)
