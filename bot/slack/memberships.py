"""Which channels a viewer is in, for App Home: `users.conversations`, remembered per (team, viewer).

App Home shows only the channels its viewer is in, and asks Slack on every open and after every
*Post next* click. `users.conversations` is Tier 2, about 20 calls a minute per workspace, and is paged
(https://docs.slack.dev/reference/methods/users.conversations, https://docs.slack.dev/apis/web-api/rate-limits):
a team opening Home together would meet the limit in seconds. So the answer is kept for
`FRESH_SECONDS`; within that, Home and *Post next* reuse it without a call.

When Slack cannot answer (a 429, an error, no connection), an answer kept up to `STALE_SECONDS` ago is
shown instead; with none, the caller gets None and shows a notice, never an empty Home. The price of
keeping answers: a channel the viewer joined or left in the last few minutes may be missing or still
shown until the answer expires; what is shown about a channel is still what the database holds now.

slack_sdk's RateLimitErrorRetryHandler (bot/context.py) would sleep the 429's Retry-After (for Tier 2
often tens of seconds, up to three times) before Home is drawn. This lookup asks with a copy of the
client without that handler: a 429 falls back at once, and the viewer's next open asks again.
"""

from __future__ import annotations

import copy
import logging
import threading
from collections import OrderedDict

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

from bot.domain.clock import Clock

log = logging.getLogger(__name__)

FRESH_SECONDS = 180.0  # an answer younger than this is used without asking Slack
STALE_SECONDS = 3600.0  # when Slack cannot answer, an answer up to this old is shown instead
MAX_VIEWERS = 5000  # answers kept at most (least recently used dropped first): memory stays bounded


def without_rate_limit_waits(client: WebClient) -> WebClient:
    """The same client (token, base URL, connection), but a 429 is raised at once instead of slept on."""
    quick = copy.copy(client)
    quick.retry_handlers = [h for h in client.retry_handlers if not isinstance(h, RateLimitErrorRetryHandler)]
    return quick


def ask_slack(client: WebClient, user_id: str) -> frozenset[str]:
    """Every page of the viewer's public and private channels; raises SlackApiError or OSError."""
    channels: set[str] = set()
    for page in without_rate_limit_waits(client).users_conversations(
            user=user_id, types="public_channel,private_channel", exclude_archived=True, limit=200):
        channels |= {c["id"] for c in page.get("channels", [])}
    return frozenset(channels)


class MemberChannels:
    """The channels each viewer is in, per (team, viewer): asked of Slack at most once per `fresh` seconds."""

    def __init__(self, clock: Clock, *, fresh: float = FRESH_SECONDS, stale: float = STALE_SECONDS,
                 max_viewers: int = MAX_VIEWERS):
        self._clock = clock
        self._fresh, self._stale, self._max = fresh, stale, max_viewers
        self._answers: OrderedDict[tuple[str, str], tuple[float, frozenset[str]]] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._answers)

    def of(self, client: WebClient, team_id: str, user_id: str) -> frozenset[str] | None:
        """The viewer's channels; None when Slack could not say and no recent answer is kept."""
        key = (team_id, user_id)
        now = self._clock.now().timestamp()
        kept = self._kept(key)
        if kept is not None and now - kept[0] < self._fresh:
            return kept[1]
        try:
            channels = ask_slack(client, user_id)
        except (SlackApiError, OSError) as exc:
            reason = exc.response.get("error") if isinstance(exc, SlackApiError) else type(exc).__name__
            usable = kept is not None and now - kept[0] < self._stale
            log.warning("users.conversations failed (%s): Home shows %s", reason,
                        "the channels Slack gave earlier" if usable else "a notice to try again")
            return kept[1] if usable and kept is not None else None
        self._keep(key, now, channels)
        return channels

    def _kept(self, key: tuple[str, str]) -> tuple[float, frozenset[str]] | None:
        with self._lock:
            kept = self._answers.get(key)
            if kept is not None:
                self._answers.move_to_end(key)
            return kept

    def _keep(self, key: tuple[str, str], at: float, channels: frozenset[str]) -> None:
        with self._lock:
            self._answers[key] = (at, channels)
            self._answers.move_to_end(key)
            while len(self._answers) > self._max:
                self._answers.popitem(last=False)
