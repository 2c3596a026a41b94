"""Sending to Slack: pacing per channel and sorting errors into "try again later" and "stop trying".

Slack allows about one message per second per channel; `ChannelPacer` spaces our own posts so bursts
(a quiz reveal right after a question, a catch-up after downtime) stay under it. 429s that still happen
are retried by slack_sdk's RateLimitErrorRetryHandler (see `bot.context.retry_handlers`): Slack did not
take those posts.

A post whose answer is lost (a timeout, a dropped connection, a 5xx) may already be in the channel, so
it is never sent again blindly: `post_to_channel` looks for its slot (bot/slack/message_slots.py) in the
channel's recent history first, and takes the message it finds as the post.
"""

from __future__ import annotations

import heapq
import http.client
import itertools
import logging
import re
import threading
import time
from collections.abc import Callable
from typing import Any
from urllib.error import HTTPError, URLError

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import ConnectionErrorRetryHandler, ServerErrorRetryHandler
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState

from bot.domain.i18n import t
from bot.slack import message_slots
from bot.slack.message_slots import Slot

log = logging.getLogger(__name__)

# Errors that will not go away by retrying: the plan stops and its owner is told.
PERMANENT_ERRORS = frozenset({
    "channel_not_found", "not_in_channel", "is_archived", "account_inactive", "invalid_auth", "token_revoked",
    "missing_scope", "restricted_action", "team_access_not_granted", "ekm_access_denied", "no_permission",
    "method_not_supported_for_channel_type",  # conversations.join on a private channel we are not in
    # no token, or one past its expiry (token rotation): nothing this process can send will work until the
    # workspace reinstalls (https://docs.slack.dev/authentication/using-token-rotation)
    "not_authed", "token_expired",
})

# Of those, the ones that mean the workspace's token is dead: its cached client is dropped, so the next
# attempt looks the installation up again (a reinstall, a refreshed token).
TOKEN_ERRORS = frozenset({"invalid_auth", "token_revoked", "account_inactive", "not_authed", "token_expired"})


class ChannelPacer:
    """About one post per second per channel. Only channels with a slot still ahead are remembered: a
    channel whose slot has passed is free anyway, so the map holds at most the channels posted to in the
    last interval (pruned once it doubles), not every channel ever posted to.

    Waiting for a slot does not hold a worker thread (faults.md D10: 30 `/digest next` in one channel kept
    all 8 after-ack threads asleep and another channel's reply waited 14.6 s). `hand_over(channel, start)`
    books the channel's next slot and calls `start()` (which puts the work on a pool) when the slot comes,
    from one timer thread; the work's own `wait_turn(channel)` then takes the slot booked for it instead of
    booking another. A post made outside `hand_over` still waits on its own thread (a second post in the
    same piece of work, the scheduler's jobs), as before."""

    def __init__(self, interval: float = 1.0, monotonic: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep, timer: bool = True):
        """`timer=False` (tests, on an injected clock): nothing runs on its own; `run_due()` starts what is due."""
        self.interval = interval
        self._monotonic = monotonic
        self._sleep = sleep
        self._next_free: dict[str, float] = {}
        self._prune_at = 1024
        self._lock = threading.Lock()
        self._booked = threading.local()  # (channel, slot) handed to the work running on this thread
        self._due: list[tuple[float, int, Callable[[], object]]] = []  # a heap of (slot, order, start)
        self._order = itertools.count()
        self._wake = threading.Condition(self._lock)
        self._timer = timer
        self._thread: threading.Thread | None = None

    def __len__(self) -> int:
        return len(self._next_free)

    def _book(self, channel: str) -> tuple[float, float]:
        """(now, the slot booked for the channel); call with the lock held."""
        now = self._monotonic()
        start = max(now, self._next_free.get(channel, now))
        self._next_free[channel] = start + self.interval
        if len(self._next_free) >= self._prune_at:
            self._next_free = {c: t for c, t in self._next_free.items() if t > now}
            self._prune_at = max(1024, 2 * len(self._next_free))
        return now, start

    def wait_turn(self, channel: str) -> None:
        """Block until this channel may receive another post, and book that slot (or take the one booked for
        the work on this thread by `hand_over`)."""
        booked = getattr(self._booked, "slot", None)
        if booked is not None and booked[0] == channel:
            self._booked.slot = None
            now, start = self._monotonic(), booked[1]
        else:
            with self._lock:
                now, start = self._book(channel)
        if start > now:
            self._sleep(start - now)

    def hand_over(self, channel: str, start: Callable[[Callable[[], object]], object],
                  work: Callable[[], object]) -> None:
        """Book `channel`'s next slot; when it comes, `start(paced)` (put it on a pool), where `paced()` runs
        `work()` with that slot handed to its `wait_turn(channel)`. No thread waits in between."""
        with self._lock:
            now, slot = self._book(channel)

        def paced() -> object:
            self._booked.slot = (channel, slot)
            try:
                return work()
            finally:
                self._booked.slot = None

        if slot <= now:
            start(paced)
            return
        with self._lock:
            heapq.heappush(self._due, (slot, next(self._order), lambda: start(paced)))
            if self._timer and self._thread is None:
                self._thread = threading.Thread(target=self._run_timer, name="channel-pacer", daemon=True)
                self._thread.start()
            self._wake.notify()

    def run_due(self) -> int:
        """Start every handed-over piece of work whose slot has come; how many."""
        started = 0
        while True:
            with self._lock:
                if not self._due or self._due[0][0] > self._monotonic():
                    return started
                _, _, begin = heapq.heappop(self._due)
            try:
                begin()
            except Exception:  # noqa: BLE001 - one failed hand-over must not stop the ones after it
                log.exception("paced work could not be started")
            started += 1

    def _run_timer(self) -> None:
        while True:
            self.run_due()
            with self._lock:
                wait = self._due[0][0] - self._monotonic() if self._due else None
                if wait is None or wait > 0:
                    self._wake.wait(wait)

def error_code(exc: SlackApiError) -> str:
    try:
        return str(exc.response.get("error") or "")
    except Exception:  # a non-JSON body
        return ""


def is_permanent(exc: SlackApiError) -> bool:
    return error_code(exc) in PERMANENT_ERRORS


# Looking for a post whose answer was lost: messages from a little before the attempt (our clock and
# Slack's may differ a little), 15 to a page, the most conversations.history gives an app distributed
# outside the Marketplace (https://docs.slack.dev/reference/methods/conversations.history), a few pages.
HISTORY_LOOKBACK_S = 30.0
HISTORY_PAGE_SIZE = 15
HISTORY_PAGES = 3


class PostNotConfirmed(Exception):
    """Slack's answer to a post was lost and the channel's history could not tell whether it took it.

    The post is neither recorded nor sent again here: a post a little late is better than a post twice.
    The caller keeps the slot unposted and, before its next try, looks for it from `attempted_at` on.
    """

    def __init__(self, slot: Slot, channel: str, attempted_at: float, reason: str):
        super().__init__(f"{slot.key} in {channel}: answer lost, history unreadable ({reason})")
        self.slot = slot
        self.channel = channel
        self.attempted_at = attempted_at
        self.reason = reason


def answer_lost(exc: BaseException) -> bool:
    """Whether Slack may have taken a request that raised `exc`: it went out and no answer said no.

    urllib raises URLError only when the request could not be sent (refused, unresolvable, connect
    timeout); an HTTP answer of 5xx, a timeout or a reset while waiting for the answer leave it open.
    """
    if isinstance(exc, SlackApiError):
        return exc.response.status_code >= 500
    if isinstance(exc, HTTPError):
        return exc.code >= 500
    if isinstance(exc, URLError):
        return False
    return isinstance(exc, (TimeoutError, ConnectionError, http.client.HTTPException))


def find_in_history(client: WebClient, channel: str, slot: Slot, since: float) -> str | None:
    """The ts of `slot`'s post among the channel's messages since a little before `since`, or None.

    Raises LookupError when the pages read held neither the post nor the channel's start of that window
    (a busy channel): "not found" must mean not there, since the caller then posts.
    """
    cursor: str | None = None
    for _ in range(HISTORY_PAGES):
        response = client.conversations_history(
            channel=channel, oldest=f"{since - HISTORY_LOOKBACK_S:.6f}", limit=HISTORY_PAGE_SIZE,
            include_all_metadata=True, cursor=cursor,
        )
        ts = message_slots.find(slot, list(response.get("messages") or []))
        if ts is not None:
            return ts
        cursor = (response.get("response_metadata") or {}).get("next_cursor") or None
        if not response.get("has_more") or cursor is None:
            return None
    raise LookupError(f"more than {HISTORY_PAGES * HISTORY_PAGE_SIZE} messages since the attempt")


def _look_up(client: WebClient, channel: str, slot: Slot, since: float) -> str | None:
    try:
        return find_in_history(client, channel, slot, since)
    except Exception as exc:  # missing scope, rate limit after retries, network: we cannot tell
        reason = (error_code(exc) or f"http_{exc.response.status_code}") if isinstance(exc, SlackApiError) \
            else type(exc).__name__
        log.warning("post of %s in %s unconfirmed: history unreadable (%s); not posting it again now",
                    slot.key, channel, reason)
        raise PostNotConfirmed(slot, channel, since, reason) from exc


def _send(client: WebClient, pacer: ChannelPacer, channel: str, message: dict[str, Any], join_if_needed: bool) -> str:
    pacer.wait_turn(channel)
    try:
        response = client.chat_postMessage(channel=channel, unfurl_links=False, unfurl_media=False, **message)
    except SlackApiError as exc:
        if not (join_if_needed and error_code(exc) == "not_in_channel"):
            raise
        client.conversations_join(channel=channel)  # raises for private channels: method_not_supported_for_channel_type
        return _send(client, pacer, channel, message, join_if_needed=False)
    return str(response["ts"])


def post_to_channel(client: WebClient, pacer: ChannelPacer, channel: str, message: dict[str, Any], *,
                    slot: Slot | None = None, earlier_attempt: float | None = None,
                    wall_clock: Callable[[], float] = time.time, join_if_needed: bool = True) -> str:
    """Post `message` ({text, blocks}) and return its ts; joins a public channel once if not yet in it.

    With a `slot`, the message carries it as metadata and is posted once even when Slack's answer is lost:
    after a timeout, a dropped connection or a 5xx the channel's recent history is read, and the slot's
    message found there is the post; not found, it is posted once more. `earlier_attempt` (epoch s) says
    an earlier try's outcome is unknown: it is looked for first. Raises PostNotConfirmed when the
    history cannot be read (nothing is posted then), else what Slack or the network raised.
    `wall_clock` is Slack's time, the real one (message ts are Slack's clock), not the app's.
    """
    if slot is None:
        return _send(client, pacer, channel, message, join_if_needed)
    message = {**message, "metadata": slot.metadata()}
    if earlier_attempt is not None:
        found = _look_up(client, channel, slot, earlier_attempt)
        if found is not None:
            log.info("%s was posted in %s by an earlier try (%s)", slot.key, channel, found)
            return found
    for attempt in (1, 2):
        started = wall_clock()
        try:
            return _send(client, pacer, channel, message, join_if_needed)
        except Exception as exc:
            if not answer_lost(exc):
                raise
            found = _look_up(client, channel, slot, started)
            if found is not None:
                log.info("%s in %s: Slack's answer was lost, the post is there (%s)", slot.key, channel, found)
                return found
            if attempt == 2:
                raise
            log.info("%s in %s: Slack's answer was lost and the post is not there; posting it again",
                     slot.key, channel)
    raise AssertionError("unreachable")


def _is_post(request: HttpRequest) -> bool:
    return request.url.rstrip("/").endswith("/chat.postMessage")


class ConnectionErrorRetryHandlerForPosts(ConnectionErrorRetryHandler):
    """slack_sdk's connection-error retries, except that a chat.postMessage that went out is not sent again
    (Slack may have taken it: `post_to_channel` looks for it instead). One that could not be sent (urllib's
    URLError) is retried as before."""

    def _can_retry(self, *, state: RetryState, request: HttpRequest, response: HttpResponse | None = None,
                   error: Exception | None = None) -> bool:
        if _is_post(request) and not (isinstance(error, URLError) and not isinstance(error, HTTPError)):
            return False
        return super()._can_retry(state=state, request=request, response=response, error=error)


class ServerErrorRetryHandlerForPosts(ServerErrorRetryHandler):
    """slack_sdk's 5xx retries, except for chat.postMessage: a 500 may come after the message was stored."""

    def _can_retry(self, *, state: RetryState, request: HttpRequest, response: HttpResponse | None = None,
                   error: Exception | None = None) -> bool:
        return not _is_post(request) and super()._can_retry(state=state, request=request, response=response,
                                                            error=error)


# Block types Slack may refuse where it has not rolled them out yet (`data_visualization`, 2026-06; `table`,
# 2025-08): every message that carries one also says the same in text, so it can be sent without it.
CHART, TABLE = "data_visualization", "table"
OPTIONAL_BLOCKS = frozenset({CHART, TABLE})

# Refusals of the payload itself (https://docs.slack.dev/reference/methods/chat.postMessage, "Errors"):
# retrying the same message cannot help, and inviting the app would not either.
PAYLOAD_ERRORS = frozenset({"invalid_blocks", "invalid_blocks_format", "invalid_attachments", "msg_blocks_too_long",
                            "msg_too_long", "invalid_arguments", "no_text"})

_POINTER = re.compile(r"json-pointer:/(?:view/)?blocks/(\d+)")


def refusal_details(exc: SlackApiError) -> list[str]:
    """What Slack said about a refused payload: its `errors` list, else `response_metadata.messages`."""
    try:
        body = exc.response.data if isinstance(exc.response.data, dict) else {}
    except Exception:  # noqa: BLE001 - a non-JSON body
        return []
    details = body.get("errors") or (body.get("response_metadata") or {}).get("messages") or []
    return [str(d)[:300] for d in details][:10]


def refused_block_types(exc: SlackApiError, message: dict[str, Any]) -> set[str]:
    """The types of the blocks Slack's refusal points at (`[json-pointer:/blocks/3/...]`) in `message`;
    a second table is named by the error itself (`only_one_table_allowed`)."""
    blocks = message.get("blocks") or []
    named: set[str] = set()
    for detail in refusal_details(exc):
        if "only_one_table_allowed" in detail:
            named.add(TABLE)
        for index in _POINTER.findall(detail):
            if int(index) < len(blocks):
                named.add(str(blocks[int(index)].get("type")))
    return named


class BlockRefusals:
    """Optional block types Slack refused in a workspace, believed for `ttl` seconds.

    Only a block that Slack's error names is noted, and only for its own type: a refused chart leaves
    tables alone, a refused button marks nothing. After `ttl` the rich version is tried again, since a
    refusal during a rollout does not last.
    """

    def __init__(self, ttl: float = 3600.0, monotonic: Callable[[], float] = time.monotonic):
        self.ttl = ttl
        self._monotonic = monotonic
        self._until: dict[tuple[str, str], float] = {}
        self._lock = threading.Lock()

    def omitted(self, team_id: str) -> frozenset[str]:
        now = self._monotonic()
        with self._lock:
            return frozenset(t for (team, t), until in self._until.items() if team == team_id and until > now)

    def forget(self, team_id: str) -> None:
        """A workspace that left: nothing of it is kept."""
        with self._lock:
            for key in [k for k in self._until if k[0] == team_id]:
                del self._until[key]

    def note(self, team_id: str, block_types: set[str]) -> None:
        now = self._monotonic()
        with self._lock:
            for key in [k for k, until in self._until.items() if until <= now]:
                del self._until[key]  # expired entries go, so the map holds only live refusals
            for block_type in block_types:
                self._until[(team_id, block_type)] = now + self.ttl


def with_block_fallback(refusals: BlockRefusals, team_id: str, send: Callable[[dict[str, Any]], object],
                        draw: Callable[[frozenset[str]], dict[str, Any]]) -> object:
    """Send `draw(omit)`, the message without the optional block types in `omit`. If Slack refuses it and
    its error points at optional blocks only (a chart, a table), draw it again without those and send that;
    the types are noted for the workspace for a while. A refusal that names anything else is the app's own
    fault: it is logged with Slack's pointers and raised, never retried in a loop.
    """
    omit = refusals.omitted(team_id)
    while True:
        message = draw(omit)
        try:
            return send(message)
        except SlackApiError as exc:
            code = error_code(exc)
            if code not in PAYLOAD_ERRORS:
                raise
            named = refused_block_types(exc, message)
            present = {str(b.get("type")) for b in message.get("blocks") or []} & OPTIONAL_BLOCKS - omit
            if named and named <= OPTIONAL_BLOCKS and named - omit:
                refusals.note(team_id, named)
                omit = omit | named
                log.warning("Slack refused the %s block in %s (%s); sent without it", ", ".join(sorted(named)),
                            team_id, code)
                continue
            if not named and present:  # Slack named nothing: this one message goes without them, nothing noted
                omit = omit | present
                log.warning("Slack refused a message in %s (%s) without naming a block; sent without %s", team_id,
                            code, ", ".join(sorted(present)))
                continue
            log.error("Slack refused a message the app drew (%s): %s", code, "; ".join(refusal_details(exc)))
            raise


def failure_notice(code: str, what: str, language: str = "en") -> str:
    """What the person who asked for a post is told when Slack did not take it: the real cause, in words
    (`what`, e.g. "poll 3", already in `language`)."""
    shown = f"`{code}`" if re.fullmatch(r"[a-z0-9_]{1,60}", code) else t(language, "post_fail_an_error")
    if code in ("not_in_channel", "channel_not_found", "is_archived", "method_not_supported_for_channel_type",
                "restricted_action"):
        return t(language, "post_fail_not_in_channel", code=shown, what=what)
    if code in PAYLOAD_ERRORS:
        return t(language, "post_fail_payload", code=shown, what=what)
    if code in ("invalid_auth", "token_revoked", "token_expired", "not_authed", "account_inactive",
                "team_access_not_granted", "missing_scope"):
        return t(language, "post_fail_token", code=shown)
    return t(language, "post_fail_other", code=shown, what=what)
