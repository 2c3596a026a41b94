"""What the listeners and the scheduler share: settings, the store, the packs, the clock, Slack clients.

Built once at start and handed to each listener module's `register(app, services)`.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

from bot.clock import Clock, SystemClock
from bot.config import Settings
from bot.live_updates import LiveUpdates
from questions.schema import Pack
from store import Store

log = logging.getLogger(__name__)


def retry_handlers() -> list:
    """slack_sdk's own handlers: connection errors, 429 with Retry-After, and 5xx, each retried a few times."""
    return [
        ConnectionErrorRetryHandler(max_retry_count=2),
        RateLimitErrorRetryHandler(max_retry_count=3),
        ServerErrorRetryHandler(max_retry_count=2),
    ]


def make_client(settings: Settings, token: str | None) -> WebClient:
    return WebClient(token=token, base_url=settings.slack_api_url, timeout=10, retry_handlers=retry_handlers())


@dataclass
class Services:
    settings: Settings
    store: Store
    packs: dict[str, Pack]
    clock: Clock = field(default_factory=SystemClock)
    client: WebClient | None = None
    # team_id -> bot token, for multi-workspace installs; single-workspace mode uses `client`.
    token_for_team: object | None = None
    # called with the new Plan whenever a plan changes, so the scheduler can re-sync its job
    on_plan_change: object | None = None
    # Work that follows an acknowledgement runs here, not on Bolt's listener threads: a slow Web API call
    # must never keep the next request from being acknowledged.
    background: ThreadPoolExecutor = field(
        default_factory=lambda: ThreadPoolExecutor(max_workers=32, thread_name_prefix="after-ack")
    )
    # timers to run as the clock moves (quiz reveals, poll closing): the console calls each after a tick
    timers: list[Callable[[], object]] = field(default_factory=list)
    # App Home contributors: each `(services, team_id) -> list of blocks` adds a section (polls, scores)
    home_sections: list[Callable[..., list]] = field(default_factory=list)
    # coalesced chat.update of live messages (poll tallies, quiz answer counts)
    live: LiveUpdates = field(default_factory=LiveUpdates)
    # workspaces whose Slack refused the native chart block: they get text bars from then on
    charts_refused: set[str] = field(default_factory=set)
    _clients: dict[str, WebClient] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def default_pack_id(self) -> str:
        """The article's own pack when it is installed, else the first pack by id."""
        preferred = [pid for pid in self.packs if not pid.startswith("sample")]
        return sorted(preferred or self.packs)[0]

    def pack(self, pack_id: str | None = None) -> Pack:
        return self.packs.get(pack_id or "") or self.packs[self.default_pack_id]

    def after_ack(self, work: Callable[..., object], *args: object) -> Future:
        """Run `work(*args)` once the listener has acknowledged; failures are logged, never lost silently."""
        future = self.background.submit(work, *args)
        future.add_done_callback(_log_failure)
        return future

    def plan_changed(self, plan) -> None:
        if self.on_plan_change is not None and plan is not None:
            self.on_plan_change(plan)  # type: ignore[operator]

    def client_for(self, team_id: str) -> WebClient:
        """A Web API client for the workspace (scheduled jobs have no request to borrow one from)."""
        if self.token_for_team is None:
            if self.client is None:
                self.client = make_client(self.settings, self.settings.bot_token)
            return self.client
        with self._lock:
            client = self._clients.get(team_id)
            if client is None:
                token = self.token_for_team(team_id)  # type: ignore[operator]
                client = self._clients[team_id] = make_client(self.settings, token)
            return client


def _log_failure(future: Future) -> None:
    exc = future.exception()
    if exc is not None:
        log.error("work after an acknowledgement failed", exc_info=exc)
