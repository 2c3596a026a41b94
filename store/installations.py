"""Workspace installations for multi-workspace (OAuth) mode: slack_sdk's own SQLite stores, in our file.

slack_sdk keeps installations (bot tokens per team) and OAuth state in tables it creates and queries
itself; we choose the file (the same database as everything else), the state's lifetime, and the
connections it runs on, and find the installation a scheduled job needs from its team id alone
(`installation_for_team`).

slack_sdk's stores open a new connection per call with Python's default 5 s timeout, outside the store's
write lock (slack_sdk/oauth/installation_store/sqlite3/__init__.py `connect`). Here `connect()` hands
them this thread's own connection opened with the store's settings (busy timeout, synchronous=NORMAL),
kept open like the store's (a new one costs ~0.3 ms against 5 µs for a query on an open one), and
every method that writes holds the store's write lock (store/db.py says why it exists). The tables
themselves are created once per file by slack_sdk's `create_tables` on a connection of its own (its
DDL is not ours to copy); that runs under the write lock too, so this process's writers stay off it.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable
from typing import Any

from slack_sdk.oauth.installation_store import Bot, Installation
from slack_sdk.oauth.installation_store.sqlite3 import SQLite3InstallationStore
from slack_sdk.oauth.state_store.sqlite3 import SQLite3OAuthStateStore

from store import teams
from store.db import Row, Store

STATE_LIFETIME_SECONDS = 600


class _StoreConnections:
    """Per-thread connections with the store's settings, and slack_sdk's tables made once (see above)."""

    def __init__(self, store: Store, table: str, create_tables: Callable[[], None]) -> None:
        self.store = store
        self._table = table
        self._create_tables = create_tables
        self._local = threading.local()

    def connection(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            self.ensure_tables()
            conn = self._local.conn = self.store.open_connection()
        return conn

    def ensure_tables(self) -> None:
        if self._has_table():
            return
        with self.store.write_lock():
            try:
                self._create_tables()
            except sqlite3.OperationalError:  # another process made them first
                if not self._has_table():
                    raise

    def _has_table(self) -> bool:
        return self.store.row("SELECT 1 AS yes FROM sqlite_master WHERE type = 'table' AND name = ?",
                              [self._table]) is not None


class WorkspaceInstallationStore(SQLite3InstallationStore):
    """slack_sdk's SQLite store on the store's connections and write lock, telling `on_saved` of every
    installation it saves: an install, a reinstall, and a token rotated by Bolt on a request, so a cached
    client never keeps an old token."""

    def __init__(self, *, store: Store, client_id: str,
                 on_saved: Callable[[Installation], None] | None = None) -> None:
        super().__init__(database=str(store.path), client_id=client_id)
        self.store = store
        self.on_saved = on_saved
        self._connections = _StoreConnections(store, "slack_installations", super().create_tables)

    def init(self) -> None:
        self._connections.ensure_tables()
        self.init_called = True

    def connect(self) -> sqlite3.Connection:
        return self._connections.connection()

    def save(self, installation: Installation) -> None:
        with self.store.write_lock():
            super().save(installation)
        if self.on_saved is not None:
            self.on_saved(installation)

    def save_bot(self, bot: Bot) -> None:
        with self.store.write_lock():
            super().save_bot(bot)

    def delete_bot(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        with self.store.write_lock():
            super().delete_bot(enterprise_id=enterprise_id, team_id=team_id)

    def delete_installation(self, *, enterprise_id: str | None, team_id: str | None,
                            user_id: str | None = None) -> None:
        with self.store.write_lock():
            super().delete_installation(enterprise_id=enterprise_id, team_id=team_id, user_id=user_id)


class WorkspaceStateStore(SQLite3OAuthStateStore):
    """slack_sdk's OAuth state store on the store's connections and write lock."""

    def __init__(self, *, store: Store, expiration_seconds: int) -> None:
        super().__init__(database=str(store.path), expiration_seconds=expiration_seconds)
        self.store = store
        self._connections = _StoreConnections(store, "oauth_states", super().create_tables)

    def init(self) -> None:
        self._connections.ensure_tables()
        self.init_called = True

    def connect(self) -> sqlite3.Connection:
        return self._connections.connection()

    def issue(self, *args: Any, **kwargs: Any) -> str:
        with self.store.write_lock():
            return super().issue(*args, **kwargs)

    def consume(self, state: str) -> bool:
        with self.store.write_lock():
            return super().consume(state)


def installation_store(store: Store, client_id: str) -> WorkspaceInstallationStore:
    return WorkspaceInstallationStore(store=store, client_id=client_id)


def state_store(store: Store) -> WorkspaceStateStore:
    return WorkspaceStateStore(store=store, expiration_seconds=STATE_LIFETIME_SECONDS)


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


def _bot_row(installs: SQLite3InstallationStore, store: Store, team_id: str) -> Row | None:
    if not _has_bots_table(store):
        return None
    return store.row("SELECT enterprise_id FROM slack_bots WHERE client_id = ? AND team_id = ? "
                     "ORDER BY installed_at DESC, id DESC LIMIT 1", [installs.client_id, team_id])


def _has_bots_table(store: Store) -> bool:
    """slack_sdk creates its tables on its first use of the file."""
    return store.row("SELECT 1 AS yes FROM sqlite_master WHERE type = 'table' AND name = 'slack_bots'") is not None
