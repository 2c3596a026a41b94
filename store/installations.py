"""Workspace installations for multi-workspace (OAuth) mode: slack_sdk's own SQLite stores, in our file.

slack_sdk keeps installations (bot tokens per team) and OAuth state in tables it creates and queries
itself; we only choose the file (the same database as everything else) and the state's lifetime, and
find the installation a scheduled job needs from its team id alone (`installation_for_team`).
"""

from __future__ import annotations

from collections.abc import Callable

from slack_sdk.oauth.installation_store import Bot, Installation
from slack_sdk.oauth.installation_store.sqlite3 import SQLite3InstallationStore
from slack_sdk.oauth.state_store.sqlite3 import SQLite3OAuthStateStore

from store import teams
from store.db import Store

STATE_LIFETIME_SECONDS = 600


class WorkspaceInstallationStore(SQLite3InstallationStore):
    """slack_sdk's SQLite store, telling `on_saved` of every installation it saves: an install, a
    reinstall, and a token rotated by Bolt on a request, so a cached client never keeps an old token."""

    def __init__(self, *, database: str, client_id: str,
                 on_saved: Callable[[Installation], None] | None = None) -> None:
        super().__init__(database=database, client_id=client_id)
        self.on_saved = on_saved

    def save(self, installation: Installation) -> None:
        super().save(installation)
        if self.on_saved is not None:
            self.on_saved(installation)


def installation_store(store: Store, client_id: str) -> WorkspaceInstallationStore:
    return WorkspaceInstallationStore(database=str(store.path), client_id=client_id)


def state_store(store: Store) -> SQLite3OAuthStateStore:
    return SQLite3OAuthStateStore(database=str(store.path), expiration_seconds=STATE_LIFETIME_SECONDS)


def bot_for_team(installs: SQLite3InstallationStore, store: Store, team_id: str) -> Installation | Bot | None:
    """The installation acting in `team_id` (see `installation_for_team`), or only its bot when the
    installation row is gone (Bolt's tokens_revoked listener deletes the installer's row when their user
    token is revoked, and leaves the bot)."""
    installation = installation_for_team(installs, store, team_id)
    if installation is not None:
        return installation
    row = _bot_row(installs, store, team_id)
    return installs.find_bot(enterprise_id=row["enterprise_id"] or None, team_id=team_id) if row else None


def installation_for_team(installs: SQLite3InstallationStore, store: Store, team_id: str) -> Installation | None:
    """The newest installation whose bot acts in `team_id`, whatever org it belongs to.

    Scheduled jobs know only the team. slack_sdk looks installations up by (enterprise, team) and, given no
    enterprise, matches only rows stored without one, so an Enterprise Grid workspace would never be found.
    The enterprise is read from the stored bot first; a workspace covered by an org-wide install (stored
    under the org with no team) is found through the org its requests named (store/teams.py).
    """
    if not _has_bots_table(store):
        return None
    row = _bot_row(installs, store, team_id)
    if row is not None:
        return installs.find_installation(enterprise_id=row["enterprise_id"] or None, team_id=team_id)
    org = teams.org_of(store, team_id)
    if org is None:
        return None
    return installs.find_installation(enterprise_id=org, team_id=None, is_enterprise_install=True)


def installed_teams(installation: Installation, store: Store) -> list[str]:
    """The workspaces an installation acts for: its team, or for an org-wide install every workspace of
    the org seen so far."""
    if installation.is_enterprise_install and installation.enterprise_id:
        return teams.org_workspaces(store, installation.enterprise_id)
    return [installation.team_id] if installation.team_id else []


def _bot_row(installs: SQLite3InstallationStore, store: Store, team_id: str) -> dict | None:
    if not _has_bots_table(store):
        return None
    return store.row("SELECT enterprise_id FROM slack_bots WHERE client_id = ? AND team_id = ? "
                     "ORDER BY installed_at DESC, id DESC LIMIT 1", [installs.client_id, team_id])


def _has_bots_table(store: Store) -> bool:
    """slack_sdk creates its tables on its first use of the file."""
    return store.row("SELECT 1 AS yes FROM sqlite_master WHERE type = 'table' AND name = 'slack_bots'") is not None
