"""Sending to Slack: pacing per channel and sorting errors into "try again later" and "stop trying".

Slack allows about one message per second per channel; `ChannelPacer` spaces our own posts so bursts
(a quiz reveal right after a question, a catch-up after downtime) stay under it. 429s that still happen
are retried by slack_sdk's RateLimitErrorRetryHandler (see `bot.services.retry_handlers`).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

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
    def __init__(self, interval: float = 1.0, monotonic: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep):
        self.interval = interval
        self._monotonic = monotonic
        self._sleep = sleep
        self._next_free: dict[str, float] = {}
        self._lock = threading.Lock()

    def wait_turn(self, channel: str) -> None:
        """Block until this channel may receive another post, and book that slot."""
        with self._lock:
            now = self._monotonic()
            start = max(now, self._next_free.get(channel, now))
            self._next_free[channel] = start + self.interval
        if start > now:
            self._sleep(start - now)


def error_code(exc: SlackApiError) -> str:
    try:
        return str(exc.response.get("error") or "")
    except Exception:  # a non-JSON body
        return ""


def is_permanent(exc: SlackApiError) -> bool:
    return error_code(exc) in PERMANENT_ERRORS


def post_to_channel(client: WebClient, pacer: ChannelPacer, channel: str, message: dict,
                    join_if_needed: bool = True) -> str:
    """Post `message` ({text, blocks}) and return its ts; joins a public channel once if not yet in it."""
    pacer.wait_turn(channel)
    try:
        response = client.chat_postMessage(channel=channel, unfurl_links=False, unfurl_media=False, **message)
    except SlackApiError as exc:
        if not (join_if_needed and error_code(exc) == "not_in_channel"):
            raise
        client.conversations_join(channel=channel)  # raises for private channels: method_not_supported_for_channel_type
        return post_to_channel(client, pacer, channel, message, join_if_needed=False)
    return str(response["ts"])


def with_block_fallback(refused: set[str], team_id: str, send: Callable[[dict], object],
                        draw: Callable[[bool], dict]) -> object:
    """Send `draw(True)` (native charts and tables); if Slack answers `invalid_blocks`, send `draw(False)`.

    A workspace that refused once is remembered in `refused` and gets the plain version from then on.
    """
    rich = team_id not in refused
    try:
        return send(draw(rich))
    except SlackApiError as exc:
        if not rich or error_code(exc) != "invalid_blocks":
            raise
        refused.add(team_id)
        return send(draw(False))
