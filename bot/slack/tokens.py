"""Bot tokens for work no request brought: scheduled digests, poll closings, quiz reveals.

A request carries its own token (Bolt's authorize finds it, and rotates it when needed). A job knows only
the workspace: `TeamTokens` finds its installation (Enterprise Grid included, store/installations.py)
and, when Slack's token rotation is on for the app, refreshes a token that is about to expire and saves
the rotated installation, as Bolt does on requests.

Token rotation (https://docs.slack.dev/authentication/using-token-rotation): once it is turned on in the app's
settings, `oauth.v2.access` answers with a `refresh_token` and `expires_in` (12 hours), and a new access
token is had with `grant_type=refresh_token`; the refresh token used is then revoked and a new one comes
with the answer, so the rotated installation must be saved. slack_sdk's `TokenRotator` makes that call; it stamps
expiry times with the wall clock (`time.time()`), so the checks here use the same clock.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from slack_sdk.errors import SlackTokenRotationError
from slack_sdk.oauth.installation_store import Bot, Installation
from slack_sdk.oauth.installation_store.sqlite3 import SQLite3InstallationStore
from slack_sdk.oauth.token_rotation import TokenRotator

from store import Store, installations

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TeamToken:
    token: str
    # wall-clock time (epoch s) after which the token must be looked up again (it is about to expire);
    # None for a token that does not expire
    refresh_after: float | None = None


class TeamTokens:
    """`Services.token_for_team` in OAuth mode: team id -> its current bot token, rotated when due."""

    def __init__(self, installs: SQLite3InstallationStore, store: Store, rotator: TokenRotator | None,
                 minutes_before_expiry: int) -> None:
        self.installs, self.store, self.rotator = installs, store, rotator
        self.minutes_before_expiry = minutes_before_expiry

    def __call__(self, team_id: str) -> TeamToken | None:
        found = installations.bot_for_team(self.installs, self.store, team_id)
        if found is None or not found.bot_token:
            return None
        if found.bot_refresh_token and self.rotator is not None:
            try:
                found = self._rotated(found) or found
            except SlackTokenRotationError as exc:  # a refresh token Slack refused: a reinstall is needed
                log.warning("workspace %s: its bot token could not be refreshed (%s)", team_id,
                            exc.api_error.response.get("error"))
                return None
        token, expires_at = found.bot_token, found.bot_token_expires_at
        if not token:  # a rotation that came back without a bot token: as good as not installed
            return None
        if expires_at is None:
            return TeamToken(token)
        return TeamToken(token, refresh_after=expires_at - self.minutes_before_expiry * 60)

    def _rotated(self, found: Installation | Bot) -> Installation | Bot | None:
        """The installation with a fresh token, saved; None when the token is not due. As Bolt does: the
        whole installation when there is one (so Bolt's own look-ups see the new token too), else the bot."""
        assert self.rotator is not None
        if isinstance(found, Installation):
            rotated = self.rotator.perform_token_rotation(installation=found,
                                                          minutes_before_expiration=self.minutes_before_expiry)
            if rotated is not None:
                self.installs.save(rotated)
            return rotated
        rotated_bot = self.rotator.perform_bot_token_rotation(bot=found,
                                                              minutes_before_expiration=self.minutes_before_expiry)
        if rotated_bot is not None:
            self.installs.save_bot(rotated_bot)
        return rotated_bot


def rotation_due(installs: SQLite3InstallationStore, minutes_before_expiry: int
                 ) -> Callable[[str | None, str | None, bool], float | None]:
    """For the authorize cache (bot/slack/authorize.py): the wall-clock time a workspace's bot token is due
    for rotation, when Bolt's authorize would refresh it, or None for a token that does not expire."""

    def due(enterprise_id: str | None, team_id: str | None, org_wide: bool) -> float | None:
        found: Installation | Bot | None = installs.find_installation(
            enterprise_id=enterprise_id, team_id=team_id, is_enterprise_install=org_wide)
        if found is None:
            found = installs.find_bot(enterprise_id=enterprise_id, team_id=team_id, is_enterprise_install=org_wide)
        if found is None or not found.bot_refresh_token or found.bot_token_expires_at is None:
            return None
        return float(found.bot_token_expires_at - minutes_before_expiry * 60)

    return due

