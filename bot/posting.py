"""Sending to Slack: pacing per channel and sorting errors into "try again later" and "stop trying".

Slack allows about one message per second per channel; `ChannelPacer` spaces our own posts so bursts
(a quiz reveal right after a question, a catch-up after downtime) stay under it. 429s that still happen
are retried by slack_sdk's RateLimitErrorRetryHandler (see `bot.services.retry_handlers`).
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

log = logging.getLogger(__name__)

# Errors that will not go away by retrying: the plan stops and its owner is told.
PERMANENT_ERRORS = frozenset({
    "channel_not_found", "not_in_channel", "is_archived", "account_inactive", "invalid_auth", "token_revoked",
    "missing_scope", "restricted_action", "team_access_not_granted", "ekm_access_denied", "no_permission",
    "method_not_supported_for_channel_type",  # conversations.join on a private channel we are not in
})


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


def refused_block_types(exc: SlackApiError, message: dict) -> set[str]:
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

    def note(self, team_id: str, block_types: set[str]) -> None:
        now = self._monotonic()
        with self._lock:
            for key in [k for k, until in self._until.items() if until <= now]:
                del self._until[key]  # expired entries go, so the map holds only live refusals
            for block_type in block_types:
                self._until[(team_id, block_type)] = now + self.ttl


def with_block_fallback(refusals: BlockRefusals, team_id: str, send: Callable[[dict], object],
                        draw: Callable[[frozenset[str]], dict]) -> object:
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


def failure_notice(code: str, what: str) -> str:
    """What the person who asked for a post is told when Slack did not take it: the real cause, in words."""
    shown = f"`{code}`" if re.fullmatch(r"[a-z0-9_]{1,60}", code) else "an error"
    if code in ("not_in_channel", "channel_not_found", "is_archived", "method_not_supported_for_channel_type",
                "restricted_action"):
        return f"I can't post in this channel ({shown}), so {what} wasn't posted. Invite me with `/invite`, then try again."
    if code in PAYLOAD_ERRORS:
        return (f"Slack refused {what} itself ({shown}). That is a fault in the app, not in your channel; "
                "it has been logged for whoever runs the app.")
    if code in ("invalid_auth", "token_revoked", "token_expired", "not_authed", "account_inactive",
                "team_access_not_granted", "missing_scope"):
        return f"The app's access to this workspace no longer works ({shown}): an admin needs to reinstall it."
    return f"Slack didn't take {what} ({shown}); try again in a minute."
