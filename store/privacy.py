"""A person's responses, for a privacy request: everything the bot keeps under their Slack user id.

Votes (the current one and every click), comments, thread replies (with their reactions and the opt-out) and
quiz answers with their scores, in every poll and quiz, anonymous ones included (an anonymous poll keeps the
voter's id to count one vote per person). The leaderboards are sums of quiz answers, so deleting the answers
deletes the scores. A workspace as a whole is forgotten by `store.teams.forget_team`.
"""

from __future__ import annotations

from typing import Any

from store.db import Store

# Each table that holds a person's responses, keyed by user_id.
USER_TABLES = ("votes", "vote_log", "comments", "quiz_answers", "replies", "reply_reactions", "reply_privacy")


def _where(user_id: str, team_id: str | None) -> tuple[str, list[str]]:
    if team_id is None:
        return "user_id = ?", [user_id]
    return "user_id = ? AND team_id = ?", [user_id, team_id]


def rows_of_user(store: Store, user_id: str, team_id: str | None = None) -> dict[str, list[dict[str, Any]]]:
    """Every row of the person's, per table (for an export before forgetting)."""
    where, params = _where(user_id, team_id)
    return {table: store.rows(f"SELECT * FROM {table} WHERE {where} ORDER BY rowid", params) for table in USER_TABLES}


def forget_user(store: Store, user_id: str, team_id: str | None = None) -> dict[str, int]:
    """Delete the person's votes, clicks, comments and answers in one transaction; rows deleted per table."""
    where, params = _where(user_id, team_id)
    store.apply_held_responses()
    with store.write():
        return {table: store.write_one(f"DELETE FROM {table} WHERE {where}", params).rowcount
                for table in USER_TABLES}
