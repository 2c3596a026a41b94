"""Who a request acts as, in multi-workspace (OAuth) mode: the installation and its `auth.test`, kept per team.

Bolt's `InstallationStoreAuthorize` looks the installation up (twice when the clicker is not the installer)
and calls `auth.test` on every request, on a new connection each time: 86% of a request's time with
10,000 installations (bench `oauth`). Its own `cache_enabled` keys the `auth.test` answer by token but
still reads the store on every request, and never forgets an entry. Here the whole `AuthorizeResult` is
kept per (enterprise, team, org-wide install), so a request served from the cache makes no Web API call
and opens no SQLite connection. Bolt's authorize still does the work on a miss (the look-up, token
rotation, `auth.test`).

An entry is dropped, so the next request looks the installation up again:
- when the workspace leaves (`app_uninstalled`, `tokens_revoked`: bot/flows/lifecycle.py `depart`);
- when an installation is saved (an install, a reinstall, a rotated token: `on_installation_saved`), so a
  new token replaces the old one at once;
- when any Web API call made with its token answers that the token no longer works (`invalid_auth`,
  `token_revoked`, `account_inactive`, ...; `DeadTokenWatch`, on every client the app and Bolt make);
- when its token is due for rotation (`refresh_after`, wall clock as slack_sdk stamps expiry), or after
  `ENTRY_LIFETIME_SECONDS` (what another process changed, e.g. `python -m bot forget --team`, is seen
  within that time).
A look-up that raced an invalidation is not kept (`_generation`): an entry is never older than the last drop.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from slack_bolt import BoltContext
from slack_bolt.authorization import AuthorizeResult
from slack_bolt.authorization.authorize import Authorize
from slack_sdk.http_retry.handler import RetryHandler
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState

log = logging.getLogger(__name__)

# what another process changed in the installations is seen within this time
ENTRY_LIFETIME_SECONDS = 900.0
# at most this many workspaces kept (the oldest entry goes first): ~1 KiB each
MAX_ENTRIES = 50_000
# Web API errors that say the token itself is dead (https://docs.slack.dev/reference/methods/auth.test, "Errors")
DEAD_TOKEN_ERRORS = frozenset({"invalid_auth", "token_revoked", "account_inactive", "not_authed", "token_expired"})

Key = tuple[str | None, str | None, bool]  # (enterprise_id, team_id, is_enterprise_install)
ExpiryLookup = Callable[[str | None, str | None, bool], float | None]


@dataclass(frozen=True)
class _Entry:
    result: AuthorizeResult
    valid_until: float  # wall clock


class AuthorizationCache:
    """Per-workspace `AuthorizeResult`s, with the drops listed in the module's docstring."""

    def __init__(self, *, now: Callable[[], float] = time.time, lifetime: float = ENTRY_LIFETIME_SECONDS,
                 max_entries: int = MAX_ENTRIES) -> None:
        self._now, self._lifetime, self._max = now, lifetime, max_entries
        self._entries: dict[Key, _Entry] = {}
        self._generation = 0
        self._lock = threading.Lock()

    def get(self, key: Key) -> AuthorizeResult | None:
        entry = self._entries.get(key)  # a dict read: no lock on the acknowledgement path
        if entry is None:
            return None
        if self._now() >= entry.valid_until:
            with self._lock:
                if self._entries.get(key) is entry:
                    del self._entries[key]
            return None
        return entry.result

    def generation(self) -> int:
        return self._generation

    def put(self, key: Key, result: AuthorizeResult, generation: int, refresh_after: float | None) -> None:
        """Keep `result` unless something was dropped since `generation` was read (the look-up may predate it)."""
        valid_until = self._now() + self._lifetime
        if refresh_after is not None:
            valid_until = min(valid_until, refresh_after)
        with self._lock:
            if generation != self._generation:
                return
            if len(self._entries) >= self._max and key not in self._entries:
                del self._entries[next(iter(self._entries))]
            self._entries[key] = _Entry(result, valid_until)

    def forget_teams(self, team_ids: list[str], enterprise_id: str | None = None) -> None:
        """Drop the workspaces' entries, and with `enterprise_id` every entry of that org's org-wide install."""
        teams = set(team_ids)
        self._drop(lambda key, result: key[1] in teams or result.team_id in teams
                   or (enterprise_id is not None and key[0] == enterprise_id and key[2]))

    def forget_token(self, token: str) -> None:
        """Drop every entry acting with `token` (Slack said it no longer works)."""
        self._drop(lambda key, result: token in (result.bot_token, result.user_token))

    def __len__(self) -> int:
        return len(self._entries)

    def _drop(self, matches: Callable[[Key, AuthorizeResult], bool]) -> None:
        with self._lock:
            self._generation += 1
            for key in [k for k, e in self._entries.items() if matches(k, e.result)]:
                del self._entries[key]


class CachedAuthorize(Authorize):
    """Bolt's `authorize` step served from an `AuthorizationCache`; `inner` (Bolt's InstallationStoreAuthorize)
    on a miss. `expiry(enterprise, team, org_wide)` gives the wall-clock time the workspace's token is due for
    rotation (None: it does not expire), read once per miss."""

    def __init__(self, inner: Authorize, cache: AuthorizationCache, expiry: ExpiryLookup) -> None:
        self.inner, self.cache, self.expiry = inner, cache, expiry

    def __call__(self, *, context: BoltContext, enterprise_id: str | None, team_id: str | None,
                 user_id: str | None, **actor: Any) -> AuthorizeResult | None:
        key: Key = (enterprise_id, team_id, bool(context.is_enterprise_install))
        cached = self.cache.get(key)
        if cached is not None:
            return cached
        generation = self.cache.generation()
        result = self.inner(context=context, enterprise_id=enterprise_id, team_id=team_id, user_id=user_id, **actor)
        # a user token belongs to the installer, not to the workspace: such a result is not shared
        if result is not None and result.bot_token and not result.user_token:
            self.cache.put(key, result, generation, self.expiry(*key))
        return result


class DeadTokenWatch(RetryHandler):
    """Sees every Web API answer of the client it is on (slack_sdk hands each answer to its retry handlers;
    Bolt copies the app client's handlers onto each request's client) and reports a token Slack says is
    dead to `on_dead_token`. It never asks for a retry; it goes first in a client's list, as slack_sdk stops
    at the first handler that retries."""

    def __init__(self, on_dead_token: Callable[[str], None]) -> None:
        super().__init__(max_retry_count=0)
        self.on_dead_token = on_dead_token

    def can_retry(self, *, state: RetryState, request: HttpRequest, response: HttpResponse | None = None,
                  error: Exception | None = None) -> bool:  # every answer, whatever the attempt count
        body = response.body if response is not None else None
        if isinstance(body, dict) and body.get("ok") is False and body.get("error") in DEAD_TOKEN_ERRORS:
            token = bearer_token(request)
            if token:
                log.info("Slack refused a workspace's token (%s): its installation is looked up again",
                         body.get("error"))
                self.on_dead_token(token)
        return False


def bearer_token(request: HttpRequest) -> str | None:
    for name, values in request.headers.items():
        if name.lower() == "authorization":
            for value in values:
                if value.startswith("Bearer "):
                    return value[len("Bearer "):]
    return None
