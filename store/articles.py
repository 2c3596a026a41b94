"""A workspace's own articles (packs added by `/digest add` or `python -m bot pack import`), and how far each
channel got in every article it has read.

An added pack is kept as the YAML text it was made or imported as, so `pack export` gives back exactly
what a person can edit, and is parsed (and validated) by the bot, never here. Every row carries its
team: one workspace's articles are never listed to, or read by, another. `version` goes up on every
replacement, so a process that cached the parsed pack can tell it changed.

`progress` keeps, per channel and article, where the channel stood when it left it for another
(`switch_article`): coming back carries on from there, in the same run, so the posts already made still
count as made. A new article starts in a run no earlier article of the channel used, because posts are
unique per (channel, run, item).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from store import plans
from store.db import Row, Store

migrations = Migrations("articles")


@migrations()
def m001_workspace_articles_and_progress(db: Database) -> None:
    db.execute(
        """
        CREATE TABLE workspace_packs (
            team_id TEXT NOT NULL,
            pack_id TEXT NOT NULL,
            title TEXT NOT NULL,
            language TEXT NOT NULL,
            yaml TEXT NOT NULL,            -- the pack as written: what `pack export` gives back
            source TEXT,                   -- the URL or file it was made from
            added_by TEXT,                 -- Slack user id, or NULL for the command line
            added_at REAL NOT NULL,
            version INTEGER NOT NULL DEFAULT 1,
            PRIMARY KEY (team_id, pack_id)
        )
        """
    )
    db.execute(
        """
        CREATE TABLE article_progress (
            team_id TEXT NOT NULL,
            channel_id TEXT NOT NULL,
            pack_id TEXT NOT NULL,
            next_index INTEGER NOT NULL,
            run INTEGER NOT NULL,
            saved_at REAL NOT NULL,
            PRIMARY KEY (team_id, channel_id, pack_id)
        )
        """
    )


@dataclass(frozen=True)
class StoredPack:
    team_id: str
    pack_id: str
    title: str
    language: str
    yaml: str
    source: str | None
    added_by: str | None
    added_at: float
    version: int


def _stored(row: Row) -> StoredPack:
    return StoredPack(**{k: row[k] for k in StoredPack.__dataclass_fields__})


def save(store: Store, team_id: str, pack_id: str, *, title: str, language: str, yaml: str, source: str | None,
         added_by: str | None, replace: bool = True) -> StoredPack | None:
    """Add the pack to the workspace, or replace the one it has under that id (its version goes up); with
    `replace=False`, None if the id was taken meanwhile (two adds of one article at once keep both)."""
    on_conflict = ("DO UPDATE SET title = excluded.title, language = excluded.language, yaml = excluded.yaml, "
                   "source = excluded.source, added_by = excluded.added_by, added_at = excluded.added_at, "
                   "version = workspace_packs.version + 1") if replace else "DO NOTHING"
    cursor = store.write_one(
        "INSERT INTO workspace_packs (team_id, pack_id, title, language, yaml, source, added_by, added_at) "
        f"VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (team_id, pack_id) {on_conflict}",
        [team_id, pack_id, title, language, yaml, source, added_by, time.time()],
    )
    if not cursor.rowcount:
        return None
    found = get(store, team_id, pack_id)
    assert found is not None  # just written
    return found


def get(store: Store, team_id: str, pack_id: str) -> StoredPack | None:
    row = store.row("SELECT * FROM workspace_packs WHERE team_id = ? AND pack_id = ?", [team_id, pack_id])
    return None if row is None else _stored(row)


def version(store: Store, team_id: str, pack_id: str) -> int | None:
    """The stored version (None: the workspace has no such pack): a cheap check of a cached copy."""
    value = store.value("SELECT version FROM workspace_packs WHERE team_id = ? AND pack_id = ?", [team_id, pack_id])
    return None if value is None else int(value)


def of_team(store: Store, team_id: str) -> list[StoredPack]:
    rows = store.rows("SELECT * FROM workspace_packs WHERE team_id = ? ORDER BY added_at, pack_id", [team_id])
    return [_stored(r) for r in rows]


def teams_with(store: Store, pack_id: str) -> list[str]:
    """The workspaces that have a pack of this id (for `pack export ID` without `--team`)."""
    return [r["team_id"] for r in store.rows("SELECT team_id FROM workspace_packs WHERE pack_id = ? ORDER BY team_id",
                                             [pack_id])]


def ids_of_team(store: Store, team_id: str) -> set[str]:
    return {r["pack_id"] for r in store.rows("SELECT pack_id FROM workspace_packs WHERE team_id = ?", [team_id])}


def saved_progress(store: Store, team_id: str, channel_id: str) -> dict[str, int]:
    """pack id → the item index the channel had reached in it when it left it."""
    rows = store.rows("SELECT pack_id, next_index FROM article_progress WHERE team_id = ? AND channel_id = ?",
                      [team_id, channel_id])
    return {r["pack_id"]: int(r["next_index"]) for r in rows}


def switch_article(store: Store, team_id: str, channel_id: str, pack_id: str, language: str) -> plans.Plan:
    """Start the channel's plan on `pack_id`, in one transaction: where it stood in its current article is
    kept, and the new one carries on from where the channel left it, or starts in a fresh run."""
    with store.write():
        plan = plans.get(store, team_id, channel_id)
        assert plan is not None, "a plan is made before it switches article"
        now = time.time()
        store.write_one(
            """
            INSERT INTO article_progress (team_id, channel_id, pack_id, next_index, run, saved_at)
            VALUES (?, ?, ?, ?, ?, ?)
            ON CONFLICT (team_id, channel_id, pack_id) DO UPDATE SET
                next_index = excluded.next_index, run = excluded.run, saved_at = excluded.saved_at
            """,
            [team_id, channel_id, plan.pack_id, plan.next_index, plan.run, now],
        )
        saved = store.row("SELECT next_index, run FROM article_progress "
                          "WHERE team_id = ? AND channel_id = ? AND pack_id = ?", [team_id, channel_id, pack_id])
        if saved is not None:
            next_index, run = int(saved["next_index"]), int(saved["run"])
        else:
            highest = store.value(
                "SELECT MAX(r) FROM (SELECT MAX(run) AS r FROM posts WHERE team_id = ? AND channel_id = ? "
                "UNION ALL SELECT MAX(run) FROM article_progress WHERE team_id = ? AND channel_id = ?)",
                [team_id, channel_id, team_id, channel_id],
            )
            next_index, run = 0, max(int(highest or 0), plan.run) + 1
        store.write_one(
            "UPDATE plans SET pack_id = ?, language = ?, next_index = ?, run = ?, last_slot = NULL, updated_at = ? "
            "WHERE team_id = ? AND channel_id = ?",
            [pack_id, language, next_index, run, now, team_id, channel_id],
        )
    found = plans.get(store, team_id, channel_id)
    assert found is not None
    return found
