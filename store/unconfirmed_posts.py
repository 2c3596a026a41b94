"""Posts whose outcome is unknown: Slack's answer was lost and its history could not be read.

Such a post is neither recorded as posted nor sent again at once (bot/slack/posting.py `PostNotConfirmed`).
Its slot (bot/slack/message_slots.py `Slot.key`) is noted here with the moment of the attempt, so the next try
at the same slot (the next `/digest next`, a timer) first looks for it in the channel's history from
then on, instead of posting a second copy. The note goes once the slot is settled either way.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from store.db import Store, values_chunks

migrations = Migrations("unconfirmed_posts")


@migrations()
def m001_create_unconfirmed_posts(db: Database) -> None:
    db.execute(
        """
        CREATE TABLE unconfirmed_posts (
            team_id TEXT NOT NULL,
            channel_id TEXT NOT NULL,
            slot_key TEXT NOT NULL,
            attempted_at REAL NOT NULL,  -- epoch s of the earliest attempt whose answer was lost
            PRIMARY KEY (team_id, channel_id, slot_key)
        )
        """
    )


def note(store: Store, team_id: str, channel_id: str, slot_key: str, attempted_at: float) -> None:
    """Remember an attempt with no known outcome; the earliest one is kept (the post may be from then)."""
    store.write_one(
        "INSERT INTO unconfirmed_posts (team_id, channel_id, slot_key, attempted_at) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (team_id, channel_id, slot_key) DO UPDATE SET "
        "attempted_at = MIN(attempted_at, excluded.attempted_at)",
        [team_id, channel_id, slot_key, attempted_at],
    )


def attempted_at(store: Store, team_id: str, channel_id: str, slot_key: str) -> float | None:
    """When an earlier attempt at this slot, outcome unknown, was made; None if there was none."""
    row = store.row("SELECT attempted_at FROM unconfirmed_posts WHERE team_id = ? AND channel_id = ? "
                    "AND slot_key = ?", [team_id, channel_id, slot_key])
    return None if row is None else float(row["attempted_at"])


def attempts(store: Store, slots: Sequence[tuple[str, str, str]]) -> dict[tuple[str, str, str], float]:
    """`attempted_at` for a batch of (team, channel, slot key): only the slots with an unknown earlier
    attempt are in the answer, one read per 300 (a schedule's run asks once per batch of claims, not once
    per channel)."""
    found: dict[tuple[str, str, str], float] = {}
    for _, values, params in values_chunks(slots, lambda slot: slot):
        rows = store.rows(
            f"SELECT u.team_id, u.channel_id, u.slot_key, u.attempted_at FROM (VALUES {values}) AS wanted "
            "JOIN unconfirmed_posts u ON u.team_id = wanted.column1 AND u.channel_id = wanted.column2 "
            "AND u.slot_key = wanted.column3", params)
        found.update(((r["team_id"], r["channel_id"], r["slot_key"]), float(r["attempted_at"])) for r in rows)
    return found


def settle(store: Store, team_id: str, channel_id: str, slot_key: str) -> None:
    """The slot's post is known now (found, or posted afresh): forget the unknown attempt."""
    store.write_one("DELETE FROM unconfirmed_posts WHERE team_id = ? AND channel_id = ? AND slot_key = ?",
                    [team_id, channel_id, slot_key])
