"""Reading plans (one per channel) and the digest posts made for them.

A post is *claimed* before it is sent and *recorded* after: the claim row is unique per (plan run, item)
and, for scheduled posts, per (local date), so however many processes or retries race for a slot, one
wins and the rest see it is taken. The plan's `next_index` advances in the same transaction as the claim.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from store import teams
from store.db import Row, Store, inserted_id, still_there, values_chunks

migrations = Migrations("plans")


@migrations()
def m001_create_plans_and_posts(db: Database) -> None:
    db.execute(
        """
        CREATE TABLE plans (
            team_id TEXT NOT NULL,
            channel_id TEXT NOT NULL,
            pack_id TEXT NOT NULL,
            language TEXT NOT NULL,
            days TEXT NOT NULL,            -- comma-separated mon..sun
            post_time TEXT NOT NULL,       -- HH:MM, local to `timezone`
            timezone TEXT NOT NULL,        -- IANA name
            paused INTEGER NOT NULL DEFAULT 0,
            next_index INTEGER NOT NULL DEFAULT 0,
            run INTEGER NOT NULL DEFAULT 1, -- bumped by /digest restart, so items can be posted again
            created_by TEXT NOT NULL,
            updated_at REAL NOT NULL,
            active_since REAL NOT NULL DEFAULT 0, -- slots scheduled before this (epoch s) are never due
            PRIMARY KEY (team_id, channel_id)
        )
        """
    )
    db.execute(
        """
        CREATE TABLE posts (
            id INTEGER PRIMARY KEY,
            team_id TEXT NOT NULL,
            channel_id TEXT NOT NULL,
            run INTEGER NOT NULL,
            item_index INTEGER NOT NULL,
            item_key TEXT NOT NULL,
            slot TEXT NOT NULL,            -- 'YYYY-MM-DD' (local date) for scheduled posts, 'now:<key>' otherwise
            status TEXT NOT NULL,          -- claimed | posted
            ts TEXT,
            claimed_at REAL NOT NULL,
            posted_at REAL,
            UNIQUE (team_id, channel_id, run, item_index),
            UNIQUE (team_id, channel_id, slot)
        )
        """
    )


@migrations()
def m002_claim_advances_the_plan(db: Database) -> None:
    """Claiming an item moves the plan on in the same statement (see `claim_next`)."""
    db.execute(
        """
        CREATE TRIGGER posts_claim_advances_plan AFTER INSERT ON posts BEGIN
            UPDATE plans SET next_index = NEW.item_index + 1
            WHERE team_id = NEW.team_id AND channel_id = NEW.channel_id AND run = NEW.run
              AND next_index = NEW.item_index;
        END
        """
    )


@migrations()
def m003_plans_remember_their_last_slot(db: Database) -> None:
    """The claim also writes its slot on the plan row, so a job that fires again (a second process, the
    catch-up at start) learns from the one plan read it needs anyway that its slot is taken."""
    db.execute("ALTER TABLE plans ADD COLUMN last_slot TEXT")
    db.execute("DROP TRIGGER posts_claim_advances_plan")
    db.execute(
        """
        CREATE TRIGGER posts_claim_advances_plan AFTER INSERT ON posts BEGIN
            UPDATE plans SET next_index = NEW.item_index + 1, last_slot = NEW.slot
            WHERE team_id = NEW.team_id AND channel_id = NEW.channel_id AND run = NEW.run
              AND next_index = NEW.item_index;
        END
        """
    )


@migrations()
def m004_schedules_index_running_plans(db: Database) -> None:
    """A schedule's job reads its own plans (`on_schedule`, `on_schedule_due`), and the scheduler the
    list of schedules (`schedules`), from an index of running plans by schedule: 10,000 schedules cost
    one index walk each, not a scan of every plan each. Partial (https://www.sqlite.org/partialindex.html):
    paused plans are never read by schedule."""
    db.execute("CREATE INDEX plans_running_by_schedule ON plans(days, post_time, timezone, last_slot) "
               "WHERE paused = 0")


@migrations()
def m005_index_posts_still_claimed(db: Database) -> None:
    """At start, posts claimed and never recorded are looked for in their channels (`unrecorded`): a partial
    index holds only those, so the look costs the same whatever the history."""
    db.execute("CREATE INDEX posts_still_claimed ON posts(claimed_at) WHERE status = 'claimed'")


PlanKey = tuple[str, str]  # (team_id, channel_id)


@dataclass(frozen=True)
class Plan:
    team_id: str
    channel_id: str
    pack_id: str
    language: str
    days: str
    post_time: str
    timezone: str
    paused: bool
    next_index: int
    run: int
    created_by: str
    updated_at: float
    active_since: float
    # the slot of the plan's latest claim (None before any, or after it was given back): a slot equal
    # to it is taken; any other is decided by the claim itself
    last_slot: str | None = None

    @property
    def key(self) -> PlanKey:
        return (self.team_id, self.channel_id)


@dataclass(frozen=True)
class Claim:
    """A slot this process won: post `item_index` of `plan`, then call `record_posted`."""

    post_id: int
    item_index: int
    plan: Plan
    slot: str


_PLAN_COLUMNS = [f.name for f in fields(Plan)]


def _plan(row: Row) -> Plan:
    return Plan(**{**{k: row[k] for k in _PLAN_COLUMNS}, "paused": bool(row["paused"])})


def get(store: Store, team_id: str, channel_id: str) -> Plan | None:
    row = store.row("SELECT * FROM plans WHERE team_id = ? AND channel_id = ?", [team_id, channel_id])
    return None if row is None else _plan(row)


def _changed(store: Store, team_id: str, channel_id: str) -> Plan:
    """The plan as a write just left it."""
    return still_there(get(store, team_id, channel_id), f"plan {team_id}/{channel_id}")


def get_many(store: Store, keys: Sequence[PlanKey]) -> dict[PlanKey, Plan]:
    """The plans of these channels, by key (a channel with no plan is left out), in one read per 450."""
    found: dict[PlanKey, Plan] = {}
    for _, values, params in values_chunks(keys, lambda key: key):
        rows = store.rows(
            f"SELECT plans.* FROM (VALUES {values}) AS wanted "
            "JOIN plans ON plans.team_id = wanted.column1 AND plans.channel_id = wanted.column2",
            params,
        )
        for plan in map(_plan, rows):
            found[plan.key] = plan
    return found


def on_schedule(store: Store, days: str, post_time: str, timezone: str) -> list[Plan]:
    """The running (not paused) plans that post on these days at this local time (none of a workspace
    that uninstalled the app: store/teams.py)."""
    rows = store.rows(
        f"SELECT * FROM plans WHERE paused = 0 AND days = ? AND post_time = ? AND timezone = ? AND {teams.PRESENT} "
        "ORDER BY team_id, channel_id",
        [days, post_time, timezone],
    )
    return [_plan(r) for r in rows]


def on_schedule_due(store: Store, days: str, post_time: str, timezone: str, slot: str) -> list[Plan]:
    """`on_schedule` less the plans whose `last_slot` already is `slot` (their post for it is claimed):
    a schedule whose channels all posted today reads an index and no plan rows."""
    rows = store.rows(
        "SELECT * FROM plans WHERE paused = 0 AND days = ? AND post_time = ? AND timezone = ? "
        f"AND (last_slot IS NULL OR last_slot != ?) AND {teams.PRESENT} ORDER BY team_id, channel_id",
        [days, post_time, timezone, slot],
    )
    return [_plan(r) for r in rows]


def schedule_in_use(store: Store, days: str, post_time: str, timezone: str) -> bool:
    """Whether any running plan of a present workspace still posts on this schedule (one index probe)."""
    return store.value(
        "SELECT EXISTS (SELECT 1 FROM plans WHERE paused = 0 AND days = ? AND post_time = ? AND timezone = ? "
        f"AND {teams.PRESENT})", [days, post_time, timezone]) == 1


def scheduled_plans(store: Store) -> list[tuple[PlanKey, tuple[str, str, str]]]:
    """Every running plan of a present workspace with a schedule, as (key, (days, post_time, timezone)):
    what the scheduler keeps to re-sync one plan's change without reading them all again."""
    rows = store.rows("SELECT team_id, channel_id, days, post_time, timezone FROM plans "
                      f"WHERE paused = 0 AND days != '' AND {teams.PRESENT}")
    return [((r["team_id"], r["channel_id"]), (r["days"], r["post_time"], r["timezone"])) for r in rows]


def schedules(store: Store) -> set[tuple[str, str, str]]:
    """Every (days, post_time, timezone) that at least one running plan of a present workspace posts on."""
    rows = store.rows("SELECT DISTINCT days, post_time, timezone FROM plans WHERE paused = 0 AND days != '' "
                      f"AND {teams.PRESENT}")
    return {(r["days"], r["post_time"], r["timezone"]) for r in rows}


def all_plans(store: Store, team_id: str | None = None) -> list[Plan]:
    if team_id is None:
        rows = store.rows("SELECT * FROM plans ORDER BY team_id, channel_id")
    else:
        rows = store.rows("SELECT * FROM plans WHERE team_id = ? ORDER BY channel_id", [team_id])
    return [_plan(r) for r in rows]


def ensure(store: Store, team_id: str, channel_id: str, *, pack_id: str, language: str, days: str,
           post_time: str, timezone: str, created_by: str, paused: bool = True) -> Plan:
    """The channel's plan, created (paused, unscheduled defaults) if it has none yet."""
    store.write_one(
        """
        INSERT INTO plans (team_id, channel_id, pack_id, language, days, post_time, timezone, paused,
                           created_by, updated_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (team_id, channel_id) DO NOTHING
        """,
        [team_id, channel_id, pack_id, language, days, post_time, timezone, int(paused), created_by, time.time()],
    )
    return _changed(store, team_id, channel_id)


def set_schedule(store: Store, team_id: str, channel_id: str, *, days: str, post_time: str, timezone: str,
                 now: float) -> Plan:
    """A new schedule, active from `now`: a slot earlier today does not count as missed."""
    store.write_one(
        "UPDATE plans SET days = ?, post_time = ?, timezone = ?, paused = 0, updated_at = ?, active_since = ? "
        "WHERE team_id = ? AND channel_id = ?",
        [days, post_time, timezone, time.time(), now, team_id, channel_id],
    )
    return _changed(store, team_id, channel_id)


def set_paused(store: Store, team_id: str, channel_id: str, paused: bool, now: float | None = None) -> Plan:
    """Pause, or resume from `now` (slots that fell inside the pause are not made up)."""
    if paused or now is None:
        store.write_one(
            "UPDATE plans SET paused = ?, updated_at = ? WHERE team_id = ? AND channel_id = ?",
            [int(paused), time.time(), team_id, channel_id],
        )
    else:
        store.write_one(
            "UPDATE plans SET paused = 0, updated_at = ?, active_since = ? WHERE team_id = ? AND channel_id = ?",
            [time.time(), now, team_id, channel_id],
        )
    return _changed(store, team_id, channel_id)


def set_language(store: Store, team_id: str, channel_id: str, language: str) -> Plan:
    store.write_one(
        "UPDATE plans SET language = ?, updated_at = ? WHERE team_id = ? AND channel_id = ?",
        [language, time.time(), team_id, channel_id],
    )
    return _changed(store, team_id, channel_id)


def restart(store: Store, team_id: str, channel_id: str) -> Plan:
    """Back to the first item, in a new run so earlier posts do not block re-posting."""
    store.write_one(
        "UPDATE plans SET next_index = 0, run = run + 1, updated_at = ? WHERE team_id = ? AND channel_id = ?",
        [time.time(), team_id, channel_id],
    )
    return _changed(store, team_id, channel_id)


_CLAIM = (
    "INSERT INTO posts (team_id, channel_id, run, item_index, item_key, slot, status, claimed_at) "
    "SELECT team_id, channel_id, run, next_index, pack_id || ':' || next_index, ?, 'claimed', ? FROM plans "
    "WHERE team_id = ? AND channel_id = ? AND run = ? AND next_index = ? "
    "ON CONFLICT DO NOTHING"
)


def claim_next(store: Store, team_id: str, channel_id: str, *, slot: str, item_count: int,
               plan: Plan | None = None) -> Claim | None:
    """Claim the plan's next item for `slot`; None if the slot is taken, the plan is finished or gone.

    The write is one statement, its own transaction: it claims the item the plan was at when read, only
    if the plan is still there, and the table's unique keys let each item and each slot be claimed once;
    a trigger moves the plan on. A thousand channels due in the same minute then queue for the write
    lock for one call into SQLite each. `plan`, when the caller has just read it, saves reading it again
    (a plan that moved or restarted since is simply not claimed).
    """
    plan = plan or get(store, team_id, channel_id)
    if plan is None or plan.next_index >= item_count:
        return None
    return _claim(store, plan, slot, time.time())


def _claim(store: Store, plan: Plan, slot: str, now: float) -> Claim | None:
    """The claim statement for the item `plan` is at (its own transaction, or part of the one around it);
    the Claim if it took."""
    cursor = store.write_one(_CLAIM, [slot, now, plan.team_id, plan.channel_id, plan.run, plan.next_index])
    if not cursor.rowcount:
        return None
    return Claim(post_id=inserted_id(cursor), item_index=plan.next_index, plan=plan, slot=slot)


def claim_due(store: Store, keys: Sequence[PlanKey], slot_for: Callable[[Plan], str | None]) -> list[Claim]:
    """Claim, in one transaction, the next item of each of these plans for the slot `slot_for` gives it.

    For a schedule's run, after `claim_as_read`: the plans that changed since the run read them are read
    again inside the transaction, so `slot_for` (None: nothing due) judges each as it stands, in this
    process or any other, and the claim cannot miss because it moved.
    """
    claims = []
    with store.write():
        current = get_many(store, keys)
        now = time.time()
        for key in keys:
            plan = current.get(key)
            slot = slot_for(plan) if plan is not None else None
            if plan is None or slot is None:
                continue
            claim = _claim(store, plan, slot, now)
            if claim is not None:
                claims.append(claim)
    return claims


_CLAIM_AS_READ = (
    "INSERT INTO posts (team_id, channel_id, run, item_index, item_key, slot, status, claimed_at) "
    "SELECT p.team_id, p.channel_id, p.run, p.next_index, p.pack_id || ':' || p.next_index, wanted.column6, "
    "'claimed', ? FROM (VALUES {values}) AS wanted "
    "JOIN plans p ON p.team_id = wanted.column1 AND p.channel_id = wanted.column2 "
    # an upsert's SELECT needs a WHERE, or ON CONFLICT may be read as the join's (sqlite.org/lang_upsert.html)
    "WHERE p.run = wanted.column3 AND p.next_index = wanted.column4 AND p.updated_at = wanted.column5 "
    "AND p.paused = 0 "
    "ON CONFLICT DO NOTHING"
)
def claim_as_read(store: Store, wanted: Sequence[tuple[Plan, str]]) -> tuple[list[Claim], list[PlanKey]]:
    """Claim each plan's next item for its slot, for the plans that are still as they were read: the
    same run and item, not paused, unchanged since (`updated_at`, which every change of a plan sets; the
    claims themselves move only the item). Returns the claims, and the keys of the plans not claimed
    (changed, or their slot taken by another process), for the caller to judge again from a fresh read
    (`claim_due`).

    For a schedule's run, which read its plans once and holds their channels' turns. Five calls into
    SQLite for the batch, whatever its size: the claims are one INSERT, and the rows they made are read
    back as one row. Every call lets go of the interpreter lock and waits to win it back from the
    posting threads; with a call per plan, the run's own thread was what limited how fast 2,000
    channels were posted (bench/RESULTS.md, "2,000 channels due at once").
    """
    claims: list[Claim] = []
    for chunk, values, params in values_chunks(wanted, lambda item: (
            item[0].team_id, item[0].channel_id, item[0].run, item[0].next_index, item[0].updated_at, item[1])):
        with store.write():  # BEGIN IMMEDIATE: no other writer until COMMIT, so every row past `before` is ours
            before = store.value("SELECT COALESCE(MAX(id), 0) FROM posts")
            store.write_one(_CLAIM_AS_READ.format(values=values), [time.time(), *params])
            made = store.value("SELECT json_group_array(json_array(team_id, channel_id, id)) FROM posts "
                               "WHERE id > ?", [before])
        ids = {(team_id, channel_id): post_id for team_id, channel_id, post_id in json.loads(made)}
        claims += [Claim(post_id=ids[plan.key], item_index=plan.next_index, plan=plan, slot=slot)
                   for plan, slot in chunk if plan.key in ids]
    claimed = {claim.plan.key for claim in claims}
    return claims, [plan.key for plan, _ in wanted if plan.key not in claimed]


def record_posted(store: Store, claim: Claim, ts: str) -> None:
    store.write_one("UPDATE posts SET status = 'posted', ts = ?, posted_at = ? WHERE id = ?",
                    [ts, time.time(), claim.post_id])


def record_posted_many(store: Store, posted: Sequence[tuple[Claim, str]]) -> None:
    """`record_posted` for a schedule's batch of answered posts, in one statement (one per 450): the run's
    own thread records them, so its posting threads never queue for the write lock (bot/scheduler.py), and
    the run gives up the interpreter lock once for the batch, not once a row, while posting threads want it."""
    now = time.time()
    for _, values, params in values_chunks(posted, lambda answered: (answered[0].post_id, answered[1])):
        store.write_one(f"UPDATE posts SET status = 'posted', ts = answered.column2, posted_at = ? "
                        f"FROM (VALUES {values}) AS answered WHERE posts.id = answered.column1", [now, *params])


def unrecorded(store: Store, claimed_after: float, claimed_before: float) -> list[Row]:
    """Posts claimed in (after, before) and never recorded: their process stopped between the claim and
    the record, before the post was sent or after Slack took it."""
    return store.rows("SELECT * FROM posts WHERE status = 'claimed' AND claimed_at > ? AND claimed_at < ? "
                      "ORDER BY id", [claimed_after, claimed_before])


def record_found(store: Store, post_id: int, ts: str) -> bool:
    """A claimed post found in its channel after all: recorded with the message's ts (if still unrecorded)."""
    return bool(store.write_one("UPDATE posts SET status = 'posted', ts = ?, posted_at = ? "
                                "WHERE id = ? AND status = 'claimed'", [ts, time.time(), post_id]).rowcount)


def release(store: Store, claim: Claim) -> None:
    """Give a claimed slot back after the post failed, so the item is not skipped.

    The plan only steps back if nothing moved it since (another claim, a restart).
    """
    with store.write():
        store.write_one("DELETE FROM posts WHERE id = ? AND status = 'claimed'", [claim.post_id])
        store.write_one(
            "UPDATE plans SET next_index = ? WHERE team_id = ? AND channel_id = ? AND run = ? AND next_index = ?",
            [claim.item_index, claim.plan.team_id, claim.plan.channel_id, claim.plan.run, claim.item_index + 1],
        )
        store.write_one("UPDATE plans SET last_slot = NULL WHERE team_id = ? AND channel_id = ? AND last_slot = ?",
                        [claim.plan.team_id, claim.plan.channel_id, claim.slot])


def posted_items(store: Store, team_id: str, channel_id: str, run: int) -> dict[int, Row]:
    """item_index → post row for the plan's current run (what `/digest list` marks as posted)."""
    rows = store.rows(
        "SELECT * FROM posts WHERE team_id = ? AND channel_id = ? AND run = ? ORDER BY item_index",
        [team_id, channel_id, run],
    )
    return {r["item_index"]: r for r in rows}


def posts(store: Store, team_id: str | None = None) -> list[Row]:
    if team_id is None:
        return store.rows("SELECT * FROM posts ORDER BY id")
    return store.rows("SELECT * FROM posts WHERE team_id = ? ORDER BY id", [team_id])
