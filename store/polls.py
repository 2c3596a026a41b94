"""Posted polls, votes (one per person per poll, enforced by the primary key), a vote log, and comments.

A vote is an UPSERT on (poll_post_id, user_id): voting again for another option moves the vote, so however
many clicks arrive at once, each person counts once. Every first or changed vote is also appended to
`vote_log` by a trigger, so changed votes are kept, not overwritten, and no code path can forget the log.
Closing is checked in the same statement as the vote.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Container
from dataclasses import dataclass
from typing import Any

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from store import teams
from store.db import Row, Store, inserted_id, still_there

migrations = Migrations("polls")


@migrations()
def m001_create_polls(db: Database) -> None:
    db.execute(
        """
        CREATE TABLE poll_posts (
            id INTEGER PRIMARY KEY,
            team_id TEXT NOT NULL,
            channel_id TEXT NOT NULL,
            pack_id TEXT NOT NULL,
            poll_id TEXT NOT NULL,
            number INTEGER NOT NULL,          -- 1-based position of the poll in its pack
            language TEXT NOT NULL,
            anonymous INTEGER NOT NULL DEFAULT 0,
            results_hidden INTEGER NOT NULL DEFAULT 0,
            closes_at REAL,                  -- epoch seconds, or NULL for no closing time
            closed_at REAL,
            posted_by TEXT NOT NULL,
            ts TEXT,                         -- the poll message, once posted
            results_ts TEXT,                 -- the final results message, once closed
            created_at REAL NOT NULL
        )
        """
    )
    db.execute("CREATE INDEX poll_posts_channel ON poll_posts(team_id, channel_id, number)")
    db.execute(
        """
        CREATE TABLE votes (
            poll_post_id INTEGER NOT NULL REFERENCES poll_posts(id),
            user_id TEXT NOT NULL,
            team_id TEXT NOT NULL,
            option_id TEXT NOT NULL,
            voted_at REAL NOT NULL,
            PRIMARY KEY (poll_post_id, user_id)
        )
        """
    )
    db.execute(
        """
        CREATE TABLE vote_log (
            id INTEGER PRIMARY KEY,
            poll_post_id INTEGER NOT NULL REFERENCES poll_posts(id),
            team_id TEXT NOT NULL,
            user_id TEXT NOT NULL,
            option_id TEXT NOT NULL,
            previous_option_id TEXT,
            at REAL NOT NULL
        )
        """
    )
    db.execute(
        """
        CREATE TABLE comments (
            id INTEGER PRIMARY KEY,
            poll_post_id INTEGER NOT NULL REFERENCES poll_posts(id),
            team_id TEXT NOT NULL,
            user_id TEXT NOT NULL,
            text TEXT NOT NULL,
            reply_ts TEXT,
            created_at REAL NOT NULL
        )
        """
    )


@migrations()
def m002_vote_log_by_trigger(db: Database) -> None:
    """The log row is written by SQLite with the vote, so a vote is one statement (see `cast_vote`)."""
    db.execute(
        """
        CREATE TRIGGER votes_logged_when_cast AFTER INSERT ON votes BEGIN
            INSERT INTO vote_log (poll_post_id, team_id, user_id, option_id, previous_option_id, at)
            VALUES (NEW.poll_post_id, NEW.team_id, NEW.user_id, NEW.option_id, NULL, NEW.voted_at);
        END
        """
    )
    db.execute(
        """
        CREATE TRIGGER votes_logged_when_changed AFTER UPDATE OF option_id ON votes BEGIN
            INSERT INTO vote_log (poll_post_id, team_id, user_id, option_id, previous_option_id, at)
            VALUES (NEW.poll_post_id, NEW.team_id, NEW.user_id, NEW.option_id, OLD.option_id, NEW.voted_at);
        END
        """
    )


@migrations()
def m003_comments_by_post_index(db: Database) -> None:
    """A poll's comments (its results at close) found by the poll, not by scanning every comment."""
    db.execute("CREATE INDEX IF NOT EXISTS comments_by_post ON comments(poll_post_id, id)")


@migrations()
def m003_timers_index_poll_deadlines(db: Database) -> None:
    """The once-a-second timer reads only what is due (`due_to_close`, `closed_without_results`): each
    reads a partial index holding only the polls still waiting for it, so a tick costs the same with
    three or three hundred thousand old polls. The indexes' WHERE clauses are the queries' own terms,
    which is what lets SQLite use a partial index (https://www.sqlite.org/partialindex.html)."""
    db.execute("CREATE INDEX poll_posts_open_by_close ON poll_posts(closes_at) "
               "WHERE closed_at IS NULL AND ts IS NOT NULL AND closes_at IS NOT NULL")
    db.execute("CREATE INDEX poll_posts_closed_without_results ON poll_posts(id) "
               "WHERE closed_at IS NOT NULL AND results_ts IS NULL AND ts IS NOT NULL")


@dataclass(frozen=True)
class PollPost:
    id: int
    team_id: str
    channel_id: str
    pack_id: str
    poll_id: str
    number: int
    language: str
    anonymous: bool
    results_hidden: bool
    closes_at: float | None
    closed_at: float | None
    posted_by: str
    ts: str | None
    results_ts: str | None
    created_at: float

    def is_closed(self, now: float) -> bool:
        return self.closed_at is not None or (self.closes_at is not None and now >= self.closes_at)


def _post(row: Row) -> PollPost:
    return PollPost(**{**row, "anonymous": bool(row["anonymous"]), "results_hidden": bool(row["results_hidden"])})


def create_post(store: Store, *, team_id: str, channel_id: str, pack_id: str, poll_id: str, number: int,
                language: str, anonymous: bool, results_hidden: bool, closes_at: float | None,
                posted_by: str) -> PollPost:
    cursor = store.write_one(
        "INSERT INTO poll_posts (team_id, channel_id, pack_id, poll_id, number, language, anonymous, results_hidden,"
        " closes_at, posted_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [team_id, channel_id, pack_id, poll_id, number, language, int(anonymous), int(results_hidden), closes_at,
         posted_by, time.time()],
    )
    return still_there(get_post(store, team_id, inserted_id(cursor)), "the new poll")


def get_post(store: Store, team_id: str, post_id: int) -> PollPost | None:
    row = store.row("SELECT * FROM poll_posts WHERE team_id = ? AND id = ?", [team_id, post_id])
    return None if row is None else _post(row)


def unposted(store: Store, team_id: str, channel_id: str, pack_id: str, poll_id: str) -> list[PollPost]:
    """Open rows of this poll in the channel with no message recorded: being posted now, or posted with
    an outcome nobody could confirm (bot/flows/polls.py `post_poll` tells them apart)."""
    return [_post(r) for r in store.rows(
        "SELECT * FROM poll_posts WHERE team_id = ? AND channel_id = ? AND pack_id = ? AND poll_id = ? "
        "AND ts IS NULL AND closed_at IS NULL ORDER BY id", [team_id, channel_id, pack_id, poll_id])]


def latest_post(store: Store, team_id: str, channel_id: str, number: int) -> PollPost | None:
    row = store.row(
        "SELECT * FROM poll_posts WHERE team_id = ? AND channel_id = ? AND number = ? AND ts IS NOT NULL "
        "ORDER BY id DESC LIMIT 1",
        [team_id, channel_id, number],
    )
    return None if row is None else _post(row)


def open_posts(store: Store, team_id: str | None = None, channels: set[str] | None = None) -> list[PollPost]:
    """Polls not closed yet; with `channels` (a Home viewer's), only theirs, found by the channel index rather
    than all of the workspace's (3,000 open polls: 40 ms, bench.data_growth --spread 1)."""
    sql = "SELECT * FROM poll_posts WHERE closed_at IS NULL AND ts IS NOT NULL"
    params: list[Any] = []
    if team_id is not None:
        sql += " AND team_id = ?"
        params.append(team_id)
    if channels is not None:
        sql += f" AND channel_id IN ({', '.join('?' for _ in channels) or 'NULL'})"
        params += sorted(channels)
    return [_post(r) for r in store.rows(sql + " ORDER BY id", params)]


def due_to_close(store: Store, now: float) -> list[PollPost]:
    rows = store.rows(
        "SELECT * FROM poll_posts WHERE closed_at IS NULL AND ts IS NOT NULL AND closes_at IS NOT NULL "
        f"AND closes_at <= ? AND {teams.PRESENT} ORDER BY id",
        [now],
    )
    return [_post(r) for r in rows]


def closed_without_results(store: Store) -> list[PollPost]:
    return [_post(r) for r in store.rows(
        "SELECT * FROM poll_posts WHERE closed_at IS NOT NULL AND results_ts IS NULL AND ts IS NOT NULL "
        f"AND {teams.PRESENT} ORDER BY id")]


def record_ts(store: Store, post_id: int, ts: str) -> None:
    store.write_one("UPDATE poll_posts SET ts = ? WHERE id = ?", [ts, post_id])


def discard_post(store: Store, post_id: int) -> None:
    """A poll Slack refused (or whose lost post its history shows is not there): forget it (nobody saw it).

    Never for a post whose outcome is unknown: its message may be live, and clicks on it count here."""
    store.write_one("DELETE FROM poll_posts WHERE id = ? AND ts IS NULL", [post_id])


def mark_closed(store: Store, post_id: int, now: float) -> bool:
    """True for the one caller that closes the poll; later callers (a timer and a command racing) get False."""
    cursor = store.write_one(
        "UPDATE poll_posts SET closed_at = ? WHERE id = ? AND closed_at IS NULL", [now, post_id]
    )
    return cursor.rowcount == 1


def record_results_ts(store: Store, post_id: int, ts: str) -> None:
    store.write_one("UPDATE poll_posts SET results_ts = ? WHERE id = ?", [ts, post_id])


@dataclass(frozen=True)
class VoteResult:
    status: str  # new | changed | same | closed | unknown
    previous: str | None = None  # the option kept, for "same"


def poll_of(store: Store, team_id: str, post_id: int) -> tuple[str, str] | None:
    """(pack_id, poll_id) a poll post shows, or None; a post never changes poll (see `Store.settled_row`)."""
    row = store.settled_row("SELECT pack_id, poll_id, ts FROM poll_posts WHERE team_id = ? AND id = ?",
                            [team_id, post_id])
    return None if row is None else (row["pack_id"], row["poll_id"])


# open at the moment of the click (`now`): a click journaled before a close counts when it is applied after
_OPEN = "(closed_at IS NULL OR closed_at > ?) AND (closes_at IS NULL OR closes_at > ?)"
_FIRST_VOTE = (
    "INSERT INTO votes (poll_post_id, user_id, team_id, option_id, voted_at) "
    f"SELECT id, ?, team_id, ?, ? FROM poll_posts WHERE id = ? AND team_id = ? AND {_OPEN} "
    "ON CONFLICT (poll_post_id, user_id) DO NOTHING"
)
_MOVED_VOTE = (
    "UPDATE votes SET option_id = ?, voted_at = ? "
    "WHERE poll_post_id = ? AND user_id = ? AND option_id <> ? "
    f"AND EXISTS (SELECT 1 FROM poll_posts WHERE id = ? AND team_id = ? AND {_OPEN})"
)


def cast_vote(store: Store, team_id: str, post_id: int, user_id: str, option_id: str, now: float,
              options_of: Callable[[str, str], Container[str]] | None = None) -> VoteResult:
    """Store one click: a first vote, a changed vote, or nothing (same option, closed or unknown poll).

    It runs in batches after the burst (bot/ingest/clicks.py), and whoever applies the click's journal may do so
    after the poll closed: "open" means open at `now`, the moment of the click. A first vote, the
    common case, is one statement that checks the poll is open, inserts the vote and (by trigger) logs
    it; a changed vote is a second statement of the same kind; only a click that changes nothing reads,
    to say why. `options_of(pack_id, poll_id)`, when given, says which option ids the poll has now (the pack
    may have been edited since it was posted); it raises KeyError for a poll that is gone.
    """
    shown = poll_of(store, team_id, post_id)
    if shown is None:
        return VoteResult("unknown")
    try:
        if options_of is not None and option_id not in options_of(*shown):
            return VoteResult("unknown")
    except KeyError:
        return VoteResult("unknown")
    if store.write_one(_FIRST_VOTE, [user_id, option_id, now, post_id, team_id, now, now]).rowcount:
        return VoteResult("new")
    if store.write_one(_MOVED_VOTE, [option_id, now, post_id, user_id, option_id, post_id, team_id, now, now]).rowcount:
        return VoteResult("changed")
    state = store.row(
        f"SELECT {_OPEN} AS open, v.option_id AS mine FROM poll_posts p "
        "LEFT JOIN votes v ON v.poll_post_id = p.id AND v.user_id = ? WHERE p.team_id = ? AND p.id = ?",
        [now, now, user_id, team_id, post_id])
    if state is None:
        return VoteResult("unknown")
    return VoteResult("same", state["mine"]) if state["open"] else VoteResult("closed")


def vote_counts(store: Store, post_id: int) -> dict[str, int]:
    rows = store.rows(
        "SELECT option_id, COUNT(*) AS n FROM votes WHERE poll_post_id = ? GROUP BY option_id", [post_id]
    )
    return {r["option_id"]: r["n"] for r in rows}


def add_comment(store: Store, team_id: str, post_id: int, user_id: str, text: str, now: float) -> int:
    cursor = store.write_one(
        "INSERT INTO comments (poll_post_id, team_id, user_id, text, created_at) VALUES (?, ?, ?, ?, ?)",
        [post_id, team_id, user_id, text, now],
    )
    return inserted_id(cursor)


def record_comment_reply(store: Store, comment_id: int, ts: str) -> None:
    store.write_one("UPDATE comments SET reply_ts = ? WHERE id = ?", [ts, comment_id])


def comments(store: Store, team_id: str, post_id: int, limit: int | None = None) -> list[Row]:
    sql = "SELECT * FROM comments WHERE team_id = ? AND poll_post_id = ? ORDER BY id"
    if limit:
        sql += f" LIMIT {int(limit)}"
    return store.rows(sql, [team_id, post_id])
