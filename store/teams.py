"""Workspaces as a whole: which ones left (uninstalled, or their bot token revoked), which Enterprise Grid
org installed us for them, and forgetting everything a workspace left behind.

A workspace that uninstalls the app is marked *departed* at once: its plans, polls and quizzes are then
left out of every timer's and scheduler's query (`PRESENT`), so nothing tries to post with a token Slack
no longer accepts. Its data stays for the retention period (`UNINSTALL_RETENTION_DAYS`); a reinstall
within it clears the mark and everything carries on. After it, `forget_team` deletes every row keyed by
the team, in one transaction.
"""

from __future__ import annotations

import time

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from store.db import Store

migrations = Migrations("teams")

# slack_sdk's SQLite installation store keeps its own tables in our file (store/installations.py)
SLACK_SDK_TABLES = ("slack_installations", "slack_bots")

# Every table that holds a workspace's rows, children before their parents (foreign keys are on).
# tests/test_lifecycle.py checks this list against the schema: a new table with team_id must be added.
TEAM_TABLES = ("reply_reactions", "replies", "reply_privacy", "reply_recaps",
               "unconfirmed_posts", "votes", "vote_log", "comments", "poll_posts", "quiz_answers", "quiz_totals",
               "quiz_user_totals", "quiz_questions", "quizzes", "posts", "plans", "deliveries", "org_workspaces",
               "departed_teams", "article_progress", "workspace_packs")

# For queries of timers and schedules (no team given): rows of departed workspaces are left out.
PRESENT = "team_id NOT IN (SELECT team_id FROM departed_teams)"


@migrations()
def m001_departed_teams_and_org_workspaces(db: Database) -> None:
    db.execute(
        """
        CREATE TABLE departed_teams (
            team_id TEXT PRIMARY KEY,
            departed_at REAL NOT NULL,  -- epoch s of the first app_uninstalled / tokens_revoked seen
            reason TEXT NOT NULL        -- the event's type
        )
        """
    )
    # An org-wide (Enterprise Grid) install is stored under the org with no team, but plans, polls and
    # quizzes are kept per workspace: this is how a scheduled job finds the org of its workspace.
    db.execute(
        """
        CREATE TABLE org_workspaces (
            team_id TEXT PRIMARY KEY,
            enterprise_id TEXT NOT NULL
        )
        """
    )


def remember_org_workspace(store: Store, team_id: str, enterprise_id: str) -> None:
    store.write_one("INSERT OR REPLACE INTO org_workspaces (team_id, enterprise_id) VALUES (?, ?)",
                    [team_id, enterprise_id])


def org_of(store: Store, team_id: str) -> str | None:
    """The org whose org-wide install covers `team_id`, if one was seen (requests carry it)."""
    row = store.row("SELECT enterprise_id FROM org_workspaces WHERE team_id = ?", [team_id])
    return row["enterprise_id"] if row else None


def org_workspaces(store: Store, enterprise_id: str) -> list[str]:
    return [r["team_id"] for r in store.rows("SELECT team_id FROM org_workspaces WHERE enterprise_id = ? "
                                              "ORDER BY team_id", [enterprise_id])]


def depart(store: Store, team_ids: list[str], reason: str, now: float | None = None) -> None:
    """Mark the workspaces departed; one already marked keeps its first time (Slack sends app_uninstalled and
    tokens_revoked for one uninstall, and may send each again)."""
    at = time.time() if now is None else now
    with store.write():
        for team_id in team_ids:
            store.write_one("INSERT OR IGNORE INTO departed_teams (team_id, departed_at, reason) VALUES (?, ?, ?)",
                            [team_id, at, reason])


def welcome_back(store: Store, team_ids: list[str]) -> None:
    """A reinstall: the workspaces' plans, polls and quizzes carry on where they were."""
    with store.write():
        for team_id in team_ids:
            store.write_one("DELETE FROM departed_teams WHERE team_id = ?", [team_id])


def departed(store: Store, team_id: str) -> bool:
    return store.row("SELECT 1 AS yes FROM departed_teams WHERE team_id = ?", [team_id]) is not None


def departed_before(store: Store, cutoff: float) -> list[str]:
    """Workspaces that left before `cutoff` (epoch s): their data is due to be deleted."""
    return [r["team_id"] for r in store.rows("SELECT team_id FROM departed_teams WHERE departed_at <= ? "
                                              "ORDER BY team_id", [cutoff])]


def forget_team(store: Store, team_id: str) -> dict[str, int]:
    """Delete every row the workspace left, in one transaction; rows deleted per table (for the log).

    Children go first: votes, answers and asked questions point at their poll or quiz. Asked questions are
    matched through their quiz (rows from before m002 of quizzes carried no team_id of their own).
    """
    deleted: dict[str, int] = {}
    store.apply_held_responses()
    with store.write():
        deleted["quiz_questions"] = store.write_one(
            "DELETE FROM quiz_questions WHERE team_id = ? OR quiz_id IN (SELECT id FROM quizzes WHERE team_id = ?)",
            [team_id, team_id]).rowcount
        for table in TEAM_TABLES:
            if table != "quiz_questions":
                deleted[table] = store.write_one(f"DELETE FROM {table} WHERE team_id = ?", [team_id]).rowcount
        existing = {r["name"] for r in store.rows("SELECT name FROM sqlite_master WHERE type = 'table'")}
        for table in SLACK_SDK_TABLES:
            if table in existing:  # created by slack_sdk on first use, in OAuth mode only
                deleted[table] = store.write_one(f"DELETE FROM {table} WHERE team_id = ?", [team_id]).rowcount
    store.forget_settled()  # the ids of its polls and quizzes may be given out again
    return deleted
