"""What the listeners, flows and the scheduler share: a typed `Context` and, joined to it, the `Runtime`.

`Context` is what the code needs to know, as plain typed fields, and starts no thread: settings, the
store, the packs (built-in, and each workspace's own: `library`), the clock, the Web API clients (one per
workspace, `client_for`), the channel pacer,
the block refusals, the Home membership cache, and the hooks the scheduler sets. `bot.runtime.Runtime`
owns the pools and threads (work after the acknowledgement, `views.open`, the lull-waiting dispatcher,
live updates, the click journal). A function that only reads and posts needs only a `Context`.

`Services` is a `Context` with its `Runtime` attached, the one object `register(app, services)`, the
flows and the scheduler are handed. It is a subclass rather than a pair passed together so that every
call site keeps reading as it does (`services.store`, `services.client_for(team)`,
`services.after_ack(...)`): nearly every listener and flow needs both halves, and two parameters on
each of them would say nothing more. What belongs to the runtime is reached through a few forwarding
methods and properties, listed in one place below.

Every map here is bounded: clients are kept per workspace until unused for `CLIENT_IDLE_SECONDS`, and a
workspace's turn (`KeyedLocks`) is dropped once no job holds it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from slack_sdk.http_retry.handler import RetryHandler

from bot.config import Settings
from bot.domain.clock import Clock, SystemClock
from bot.ingest.ack_first import AckFirst
from bot.ingest.clicks import Clicks
from bot.library import Library
from bot.runtime import Runtime
from bot.slack.authorize import AuthorizationCache, DeadTokenWatch
from bot.slack.keep_alive import KeepAliveWebClient
from bot.slack.keyed_locks import KeyedLock, KeyedLocks
from bot.slack.live_updates import LiveUpdates
from bot.slack.memberships import MemberChannels
from bot.slack.posting import (
    BlockRefusals,
    ChannelPacer,
    ConnectionErrorRetryHandlerForPosts,
    ServerErrorRetryHandlerForPosts,
)
from bot.slack.tokens import TeamToken
from questions.schema import Pack
from store import Store
from store.plans import Plan

if TYPE_CHECKING:  # the runner is a flow: it uses this context, so it can't be imported at run time here
    from bot.flows.quizzes import QuizRunner

log = logging.getLogger(__name__)

# A workspace's client is dropped once no job has asked for it this long (it is made again, from the
# token, on the next): the cache holds the workspaces active now, not every one ever served.
CLIENT_IDLE_SECONDS = 900.0
# ... looked for at most this often, on a lookup: a sweep of the cache is then a rare, short walk
CLIENT_SWEEP_SECONDS = 60.0

# team_id -> its bot token, or None when not installed (bot.slack.tokens.TeamTokens)
TokenLookup = Callable[[str], TeamToken | None]
# called with the plan that changed, or None when plans came or went other than one at a time
PlanChangeHook = Callable[[Plan | None], object]


def retry_handlers() -> list[RetryHandler]:
    """slack_sdk's own handlers: connection errors, 429 with Retry-After, and 5xx, each retried a few times;
    a chat.postMessage Slack may have taken is not re-sent by them (bot/slack/posting.py looks for it first)."""
    return [
        ConnectionErrorRetryHandlerForPosts(max_retry_count=2),
        RateLimitErrorRetryHandler(max_retry_count=3),
        ServerErrorRetryHandlerForPosts(max_retry_count=2),
    ]


def make_client(settings: Settings, token: str | None, watch: DeadTokenWatch | None = None) -> WebClient:
    """The app's own Web API client (scheduled posts and the work after an acknowledgement): slack_sdk's,
    over a connection each thread keeps open (`bot.slack.keep_alive`). `watch` (first, so it sees every
    answer) reports a token Slack says is dead (`Context.token_refused`)."""
    return KeepAliveWebClient(token=token, base_url=settings.slack_api_url, timeout=10,
                              retry_handlers=([watch] if watch else []) + retry_handlers())


@dataclass
class _CachedClient:
    client: WebClient
    refresh_after: float | None  # wall-clock time its token is due for refreshing (None: never)
    used_at: float  # the context's clock, as a timestamp


@dataclass(eq=False)
class Context:
    settings: Settings
    store: Store
    packs: dict[str, Pack]
    clock: Clock = field(default_factory=SystemClock)
    # single-workspace mode: the bot token's client (multi-workspace installs use `token_for_team`)
    client: WebClient | None = None
    # multi-workspace installs: a workspace's bot token by team id (set by bot.app.oauth_settings)
    token_for_team: TokenLookup | None = None
    # set by the scheduler (`DigestScheduler.sync`), so a plan's change re-syncs its job
    on_plan_change: PlanChangeHook | None = None
    # one pacer for every feature, so a digest, a quiz and a poll in one channel share ~1 post/s
    pacer: ChannelPacer = field(default_factory=ChannelPacer)
    # chart and table blocks Slack refused, by workspace and type, for a while (bot/slack/posting.py)
    block_refusals: BlockRefusals = field(default_factory=BlockRefusals)
    # which channels each Home viewer is in, asked of Slack (Tier 2) at most every few minutes
    memberships: MemberChannels = field(init=False)
    # multi-workspace installs: each workspace's Bolt authorize result (bot/slack/authorize.py)
    authorizations: AuthorizationCache = field(default_factory=AuthorizationCache)
    # on every client the app makes (and so on Bolt's per-request ones): a dead token drops what holds it
    token_watch: DeadTokenWatch = field(init=False)
    # the built-in packs and each workspace's own (store/articles.py)
    library: Library = field(init=False)
    _clients: dict[str, _CachedClient] = field(default_factory=dict, repr=False)
    _swept_at: float = field(default=float("-inf"), repr=False)
    _turns: KeyedLocks = field(default_factory=KeyedLocks, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def __post_init__(self) -> None:
        self.memberships = MemberChannels(self.clock)
        self.token_watch = DeadTokenWatch(self.token_refused)
        self.library = Library(self.packs, self.store, self.clock)

    @property
    def default_pack_id(self) -> str:
        """What a channel with no plan reads: the article's own pack when it is installed, else the first."""
        return self.library.default_id

    def pack(self, team_id: str, pack_id: str | None = None) -> Pack:
        """The pack a workspace reads as `pack_id` (built-in or its own, bot/library.py); the default article
        when `pack_id` is None or names no pack of the workspace's."""
        return self.library.get(team_id, pack_id)

    def in_turn(self, *key: object) -> KeyedLock:
        """A lock per key for work that must not overlap in this process: two `/digest next` in one
        channel claim items 1 and 2 in order, and with this their posts also reach Slack in that order."""
        return self._turns(key)

    def plan_changed(self, plan: Plan | None) -> None:
        if self.on_plan_change is not None and plan is not None:
            self.on_plan_change(plan)

    def schedules_changed(self) -> None:
        """Plans came or went other than one at a time (a workspace left or came back): re-sync the jobs."""
        if self.on_plan_change is not None:
            self.on_plan_change(None)

    def client_for(self, team_id: str) -> WebClient:
        """A Web API client for the workspace (scheduled jobs have no request to borrow one from).

        Kept per workspace until its token is due for refreshing (token rotation, bot/slack/tokens.py), the
        workspace reinstalls or uninstalls, Slack refuses the token (`forget_client`), or no job has asked
        for it for `CLIENT_IDLE_SECONDS`. The lookup, and a refresh, happen in the workspace's own turn: two
        jobs never refresh one token twice, and other workspaces' jobs do not wait for it.
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
            client = make_client(self.settings, found.token if found else None, self.token_watch)
            if found is not None:  # a workspace not (yet) installed is looked up again next time
                now = self.clock.now().timestamp()
                with self._lock:
                    self._clients[team_id] = _CachedClient(client, found.refresh_after, now)
                    self._sweep_idle_clients(now)
            return client

    def forget_client(self, team_id: str) -> None:
        """Drop a workspace's cached client (after a reinstall, an uninstall, or a token Slack stopped
        accepting)."""
        with self._lock:
            self._clients.pop(team_id, None)

    def token_refused(self, token: str) -> None:
        """Slack answered a call made with `token` that it no longer works: the workspace's authorize result
        and client holding it are dropped, so the next request or job looks the installation up again."""
        self.authorizations.forget_token(token)
        with self._lock:
            for team_id in [t for t, c in self._clients.items() if c.client.token == token]:
                del self._clients[team_id]

    def cached_clients(self) -> int:
        """How many workspaces' clients are kept (for tests: the cache holds only active workspaces)."""
        with self._lock:
            return len(self._clients)

    def _current_client(self, team_id: str) -> WebClient | None:
        with self._lock:
            cached = self._clients.get(team_id)
            if cached is None:
                return None
            # the wall clock, not `self.clock`: token expiry times are stamped with it (bot/slack/tokens.py)
            if cached.refresh_after is not None and time.time() >= cached.refresh_after:
                return None
            cached.used_at = self.clock.now().timestamp()
            return cached.client

    def _sweep_idle_clients(self, now: float) -> None:
        """Drop the clients no job asked for in `CLIENT_IDLE_SECONDS` (under `_lock`; at most once a minute)."""
        if now - self._swept_at < CLIENT_SWEEP_SECONDS:
            return
        self._swept_at = now
        for team_id in [t for t, c in self._clients.items() if now - c.used_at >= CLIENT_IDLE_SECONDS]:
            del self._clients[team_id]


class Services(Context):
    """A `Context` with its `Runtime`: what listeners, flows and the scheduler are handed."""

    # set by `bot.app.create_app`: the one quiz runner (bot/flows/quizzes.py), and the timers to run as the
    # clock moves (quiz reveals, poll closing; `bot.scheduler.clock_timers`), which the scheduler runs each
    # second and the console after each tick
    quizzes: QuizRunner

    def __init__(self, settings: Settings, store: Store, packs: dict[str, Pack], *, clock: Clock | None = None,
                 client: WebClient | None = None, token_for_team: TokenLookup | None = None,
                 on_plan_change: PlanChangeHook | None = None, pacer: ChannelPacer | None = None,
                 block_refusals: BlockRefusals | None = None, journal_dir: Path | None = None,
                 acks: AckFirst | None = None, live: LiveUpdates | None = None):
        super().__init__(settings, store, packs, clock=SystemClock() if clock is None else clock, client=client,
                         token_for_team=token_for_team, on_plan_change=on_plan_change,
                         pacer=ChannelPacer() if pacer is None else pacer,
                         block_refusals=BlockRefusals() if block_refusals is None else block_refusals)
        self.runtime = Runtime(store, journal_dir=journal_dir, acks=acks, live=live)
        self.timers: list[Callable[[], object]] = []

    # -- the runtime, forwarded ----------------------------------------------------------------------
    @property
    def live(self) -> LiveUpdates:
        return self.runtime.live

    @property
    def clicks(self) -> Clicks:
        return self.runtime.clicks

    @property
    def acks(self) -> AckFirst:
        return self.runtime.acks

    @property
    def background(self) -> ThreadPoolExecutor:
        return self.runtime.background

    def after_ack(self, work: Callable[..., object], *args: object,
                  delivery: tuple[str, str] | None = None, channel: str = "") -> None:
        """`Runtime.after_ack`: run `work(*args)` once the requests lull, once per `delivery`; with the
        `channel` it posts to, once that channel's next post slot comes (no thread sleeps for it)."""
        self.runtime.after_ack(work, *args, delivery=delivery, channel=channel, pacer=self.pacer)

    def follow_up(self, work: Callable[[], object]) -> Future[object]:
        return self.runtime.follow_up(work)

    def open_view(self, client: WebClient, trigger_id: str, view: dict[str, object]) -> Future[object]:
        return self.runtime.open_view(client, trigger_id, view)

    def settle(self) -> None:
        self.runtime.settle()

    def wait_idle(self, timeout: float = 10.0) -> None:
        self.runtime.wait_idle(timeout)

    def stop(self, timeout: float = 20.0) -> None:
        self.runtime.stop(timeout)
