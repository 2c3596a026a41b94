"""Thread replies to the app's own digests and polls: the team's discussion, with reactions and opt-outs.

Only a reply in a thread the app started is kept: `thread_of` finds the digest (`posts.ts`) or poll
(`poll_posts.ts`) whose message opened the thread, and nothing else in a channel is ever written here.
A reply is keyed by its message (team, channel, ts), so however often Slack delivers it, it is one row;
every event (a reply, an edit, a deletion, a reaction) also claims its delivery (`event_id`) with its write
(store/deliveries.py; a new reply by trigger, in its own insert), so a retried delivery changes nothing twice.

An edit replaces the text (only by a newer edit: `edited_ts` grows); a deletion deletes the row and its
reactions. People who turned sharing off (`/digest privacy off`, `reply_privacy`) keep their replies out
of recaps and exports; counts (how many replied) still include them, as Slack's own thread shows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from store import deliveries
from store.db import Row, Store, values_chunks

migrations = Migrations("replies")


@migrations()
def m001_replies_reactions_privacy_recaps(db: Database) -> None:
    db.execute(
        """
        CREATE TABLE replies (
            team_id TEXT NOT NULL,
            channel_id TEXT NOT NULL,
            ts TEXT NOT NULL,                -- the reply's own message
            thread_ts TEXT NOT NULL,         -- the app's digest or poll that opened the thread
            thread_kind TEXT NOT NULL,       -- digest | poll
            thread_post_id INTEGER NOT NULL, -- posts.id or poll_posts.id
            pack_id TEXT NOT NULL,
            item_ref TEXT NOT NULL,          -- the section id (digest) or poll id (poll)
            user_id TEXT NOT NULL,
            text TEXT NOT NULL,
            edited_ts TEXT NOT NULL DEFAULT '',
            created_at REAL NOT NULL,
            event_id TEXT NOT NULL DEFAULT '', -- the delivery that brought it (claimed by the trigger below)
            PRIMARY KEY (team_id, channel_id, ts)
        )
        """
    )
    # A new reply claims its delivery in the same statement (see `add_reply`): a retried delivery carries the
    # same message, whose key makes the insert, and so the claim, a no-op.
    db.execute(
        """
        CREATE TRIGGER replies_claim_their_delivery AFTER INSERT ON replies WHEN NEW.event_id != '' BEGIN
            INSERT OR IGNORE INTO deliveries (team_id, delivery_key, received_at)
            VALUES (NEW.team_id, 'event:' || NEW.event_id, NEW.created_at);
        END
        """
    )
    db.execute("CREATE INDEX replies_thread ON replies(team_id, channel_id, thread_ts)")
    db.execute("CREATE INDEX replies_user ON replies(user_id)")
    db.execute(
        """
        CREATE TABLE reply_reactions (
            team_id TEXT NOT NULL,
            channel_id TEXT NOT NULL,
            ts TEXT NOT NULL,                -- the reply reacted to
            user_id TEXT NOT NULL,
            reaction TEXT NOT NULL,
            PRIMARY KEY (team_id, channel_id, ts, user_id, reaction)
        )
        """
    )
    db.execute("CREATE INDEX reply_reactions_user ON reply_reactions(user_id)")
    db.execute(
        """
        CREATE TABLE reply_privacy (
            team_id TEXT NOT NULL,
            user_id TEXT NOT NULL,
            opted_out_at REAL NOT NULL,
            PRIMARY KEY (team_id, user_id)
        )
        """
    )
    # the recap a digest opened with, as posted: redrawing the digest (its live reply count) shows the same
    db.execute(
        """
        CREATE TABLE reply_recaps (
            team_id TEXT NOT NULL,
            post_id INTEGER NOT NULL,        -- posts.id of the digest that carries it
            text TEXT NOT NULL,
            PRIMARY KEY (team_id, post_id)
        )
        """
    )


@dataclass(frozen=True)
class Thread:
    """A message of the app's that opened a thread: a digest (with its plan run and item) or a poll."""

    kind: str  # digest | poll
    post_id: int
    channel_id: str
    ts: str
    pack_id: str = ""
    run: int = 0
    item_index: int = 0
    poll_id: str = ""


def thread_of(store: Store, team_id: str, channel_id: str, thread_ts: str) -> Thread | None:
    """The app's digest or poll whose message is `thread_ts` in the channel; None for any other thread.

    Both reads use an index that starts with (team_id, channel_id): a channel holds a few dozen posts. A post
    found never changes (its message is in Slack), so it is kept (`Store.settled_row`): a burst of replies in
    one thread reads it once."""
    row = store.settled_row("SELECT id, run, item_index, item_key, ts FROM posts WHERE team_id = ? AND channel_id = ? "
                            "AND ts = ?", [team_id, channel_id, thread_ts])
    if row is not None:  # item_key is `<pack_id>:<item_index>` (store/plans.py _CLAIM)
        pack_id = str(row["item_key"]).rpartition(":")[0]
        return Thread("digest", row["id"], channel_id, thread_ts, pack_id, row["run"], row["item_index"])
    row = store.settled_row("SELECT id, pack_id, poll_id, ts FROM poll_posts WHERE team_id = ? AND channel_id = ? "
                            "AND ts = ?", [team_id, channel_id, thread_ts])
    if row is not None:
        return Thread("poll", row["id"], channel_id, thread_ts, row["pack_id"], poll_id=row["poll_id"])
    return None


def add_reply(store: Store, delivery_key: str, *, team_id: str, thread: Thread, item_ref: str, ts: str,
              user_id: str, text: str, now: float) -> bool:
    """Store a new reply, its delivery claimed by trigger in the same statement; True if it was new (a
    retried delivery: False). One statement, so a burst of replies holds the write lock once per reply
    for one call into SQLite (store/db.py `write_one`)."""
    return bool(store.write_one(
        "INSERT INTO replies (team_id, channel_id, ts, thread_ts, thread_kind, thread_post_id, pack_id, item_ref,"
        " user_id, text, created_at, event_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (team_id, channel_id, ts) DO NOTHING",
        [team_id, thread.channel_id, ts, thread.ts, thread.kind, thread.post_id, thread.pack_id, item_ref, user_id,
         text, now, delivery_key.removeprefix("event:")]).rowcount)


def edit_reply(store: Store, delivery_key: str, *, team_id: str, channel_id: str, ts: str, text: str,
               edited_ts: str, now: float) -> bool:
    """Replace a stored reply's text (a reply not stored, or a newer edit already applied: nothing)."""
    with store.write():
        if not deliveries.claim(store, team_id, delivery_key, now):
            return False
        return bool(store.write_one(
            "UPDATE replies SET text = ?, edited_ts = ? WHERE team_id = ? AND channel_id = ? AND ts = ? "
            "AND edited_ts <= ?", [text, edited_ts, team_id, channel_id, ts, edited_ts]).rowcount)


def delete_reply(store: Store, delivery_key: str, *, team_id: str, channel_id: str, ts: str, now: float) -> str | None:
    """Delete a reply and its reactions; the thread it was in (to redraw its count), or None if it was not kept."""
    with store.write():
        if not deliveries.claim(store, team_id, delivery_key, now):
            return None
        row = store.row("SELECT thread_ts FROM replies WHERE team_id = ? AND channel_id = ? AND ts = ?",
                        [team_id, channel_id, ts])
        if row is None:
            return None
        store.write_one("DELETE FROM reply_reactions WHERE team_id = ? AND channel_id = ? AND ts = ?",
                        [team_id, channel_id, ts])
        store.write_one("DELETE FROM replies WHERE team_id = ? AND channel_id = ? AND ts = ?",
                        [team_id, channel_id, ts])
        return str(row["thread_ts"])


def react(store: Store, delivery_key: str, *, team_id: str, channel_id: str, ts: str, user_id: str, reaction: str,
          added: bool, now: float) -> bool:
    """A reaction added to (or removed from) a stored reply; reactions to anything else are not kept."""
    with store.write():
        if not deliveries.claim(store, team_id, delivery_key, now):
            return False
        if added:
            return bool(store.write_one(
                "INSERT INTO reply_reactions (team_id, channel_id, ts, user_id, reaction) "
                "SELECT team_id, channel_id, ts, ?, ? FROM replies WHERE team_id = ? AND channel_id = ? AND ts = ? "
                "ON CONFLICT DO NOTHING", [user_id, reaction, team_id, channel_id, ts]).rowcount)
        return bool(store.write_one(
            "DELETE FROM reply_reactions WHERE team_id = ? AND channel_id = ? AND ts = ? AND user_id = ? "
            "AND reaction = ?",
            [team_id, channel_id, ts, user_id, reaction]).rowcount)


def reply(store: Store, team_id: str, channel_id: str, ts: str) -> Row | None:
    return store.row("SELECT * FROM replies WHERE team_id = ? AND channel_id = ? AND ts = ?", [team_id, channel_id, ts])


def thread_count(store: Store, team_id: str, channel_id: str, thread_ts: str) -> tuple[int, int]:
    """(replies, people) in one of the app's threads."""
    row = store.row("SELECT COUNT(*) AS n, COUNT(DISTINCT user_id) AS people FROM replies "
                    "WHERE team_id = ? AND channel_id = ? AND thread_ts = ?", [team_id, channel_id, thread_ts])
    return (row["n"], row["people"]) if row else (0, 0)


_SHARED = "user_id NOT IN (SELECT user_id FROM reply_privacy WHERE team_id = r.team_id)"


def recap(store: Store, team_id: str, channel_id: str, thread_ts: str) -> tuple[int, Row | None]:
    """(people who replied, the reply reacted to most), leaving out everyone who turned sharing off.

    The most reacted reply is the one with the most reactions; ties go to the earlier reply. None when
    no reply has a reaction."""
    people = store.value(f"SELECT COUNT(DISTINCT user_id) FROM replies r WHERE team_id = ? AND channel_id = ? "
                         f"AND thread_ts = ? AND {_SHARED}", [team_id, channel_id, thread_ts]) or 0
    top = store.row(
        "SELECT r.ts, r.user_id, r.text, COUNT(x.reaction) AS reactions FROM replies r "
        "JOIN reply_reactions x ON x.team_id = r.team_id AND x.channel_id = r.channel_id AND x.ts = r.ts "
        f"WHERE r.team_id = ? AND r.channel_id = ? AND r.thread_ts = ? AND r.{_SHARED} "
        "GROUP BY r.ts ORDER BY reactions DESC, r.ts LIMIT 1", [team_id, channel_id, thread_ts])
    return int(people), top


def replied_items(store: Store, items: Sequence[tuple[str, str, int, int]]) -> set[tuple[str, str, int, int]]:
    """Which of these digest items (team, channel, run, item index) were posted and have at least one reply
    in their thread, in one read per 225: a schedule's run asks for a batch of channels whether the section
    before has anything to recap, and reads the recap itself only for those that do."""
    found: set[tuple[str, str, int, int]] = set()
    for _, values, params in values_chunks(items, lambda item: item):
        rows = store.rows(
            f"SELECT p.team_id, p.channel_id, p.run, p.item_index FROM (VALUES {values}) AS wanted "
            "JOIN posts p ON p.team_id = wanted.column1 AND p.channel_id = wanted.column2 "
            "AND p.run = wanted.column3 AND p.item_index = wanted.column4 "
            "WHERE p.ts IS NOT NULL AND EXISTS (SELECT 1 FROM replies r WHERE r.team_id = p.team_id "
            "AND r.channel_id = p.channel_id AND r.thread_ts = p.ts)", params)
        found.update((r["team_id"], r["channel_id"], r["run"], r["item_index"]) for r in rows)
    return found


def counts_by_thread(store: Store, team_id: str, channel_id: str) -> dict[str, tuple[int, int]]:
    """thread_ts → (replies, people) for every app thread of the channel that has replies (the team report)."""
    rows = store.rows("SELECT thread_ts, COUNT(*) AS n, COUNT(DISTINCT user_id) AS people FROM replies "
                      "WHERE team_id = ? AND channel_id = ? GROUP BY thread_ts", [team_id, channel_id])
    return {r["thread_ts"]: (r["n"], r["people"]) for r in rows}


def counts_by_channel(store: Store, team_id: str) -> dict[str, tuple[int, int]]:
    """channel_id → (replies, people) across the workspace's app threads (App Home)."""
    rows = store.rows("SELECT channel_id, COUNT(*) AS n, COUNT(DISTINCT user_id) AS people FROM replies "
                      "WHERE team_id = ? GROUP BY channel_id", [team_id])
    return {r["channel_id"]: (r["n"], r["people"]) for r in rows}


def set_sharing(store: Store, team_id: str, user_id: str, shared: bool, now: float) -> None:
    """`/digest privacy on` (shared) or `off`: whether the person's replies may be quoted and exported."""
    if shared:
        store.write_one("DELETE FROM reply_privacy WHERE team_id = ? AND user_id = ?", [team_id, user_id])
    else:
        store.write_one("INSERT INTO reply_privacy (team_id, user_id, opted_out_at) VALUES (?, ?, ?) "
                        "ON CONFLICT (team_id, user_id) DO NOTHING", [team_id, user_id, now])


def shares(store: Store, team_id: str, user_id: str) -> bool:
    return store.row("SELECT 1 AS yes FROM reply_privacy WHERE team_id = ? AND user_id = ?",
                     [team_id, user_id]) is None


def save_recap(store: Store, team_id: str, post_id: int, text: str) -> None:
    store.write_one("INSERT INTO reply_recaps (team_id, post_id, text) VALUES (?, ?, ?) "
                    "ON CONFLICT (team_id, post_id) DO UPDATE SET text = excluded.text", [team_id, post_id, text])


def saved_recap(store: Store, team_id: str, post_id: int) -> str | None:
    value = store.value("SELECT text FROM reply_recaps WHERE team_id = ? AND post_id = ?", [team_id, post_id])
    return None if value is None else str(value)


# For export (store/exports.py): every kept reply of a person who shares, with its section or poll.
REPLY_ROWS = f"""
SELECT 'reply' AS kind, r.team_id, r.channel_id, r.pack_id, r.item_ref AS item_id, NULL AS number,
       r.user_id, '' AS answer, '' AS previous_answer, r.text AS text, NULL AS score, r.created_at AS at
FROM replies r WHERE r.{_SHARED}
"""


def post_row(store: Store, team_id: str, post_id: int) -> dict[str, Any] | None:
    """A digest post row (its run, item and message), for redrawing it."""
    return store.row("SELECT * FROM posts WHERE team_id = ? AND id = ?", [team_id, post_id])
