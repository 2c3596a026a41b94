"""Workspace installations for multi-workspace (OAuth) mode: slack_sdk's own SQLite stores, in our file.

slack_sdk keeps installations (bot tokens per team) and OAuth state in tables it creates and queries
itself; we only choose the file (the same database as everything else) and the state's lifetime.
"""

from __future__ import annotations

from slack_sdk.oauth.installation_store.sqlite3 import SQLite3InstallationStore
from slack_sdk.oauth.state_store.sqlite3 import SQLite3OAuthStateStore

from store.db import Store

STATE_LIFETIME_SECONDS = 600


def installation_store(store: Store, client_id: str) -> SQLite3InstallationStore:
    return SQLite3InstallationStore(database=str(store.path), client_id=client_id)


def state_store(store: Store) -> SQLite3OAuthStateStore:
    return SQLite3OAuthStateStore(database=str(store.path), expiration_seconds=STATE_LIFETIME_SECONDS)


def bot_token(installations: SQLite3InstallationStore, team_id: str, enterprise_id: str | None = None) -> str | None:
    bot = installations.find_bot(enterprise_id=enterprise_id, team_id=team_id)
    return bot.bot_token if bot else None
