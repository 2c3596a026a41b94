"""The store's connection on a real SQLite file: every write queues on the one write lock, so writers of
one process never meet in SQLite's busy handler; settled rows are kept within a bound."""

from __future__ import annotations

import ast
import re
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from store import deliveries, journal, open_store, plans, polls, quizzes, teams, unconfirmed_posts
from store.db import SETTLED_ROWS_KEPT, Store
from tests.store.holding import another_thread_holding_a_transaction

TEAM = "T1"
THREADS = 8
ROUNDS = 60


@pytest.fixture
def no_wait_store(tmp_path: Path) -> Iterator[Store]:
    """A store whose SQLite busy timeout is zero: any two of this process's writers that reach SQLite at
    once fail with `database is locked` instead of waiting, so only the write lock can keep them apart."""
    open_store(tmp_path / "bot.db").close()
    store = Store(tmp_path / "bot.db", busy_timeout_ms=0)
    # this thread's connection stays open, so no worker's close is the file's last one (which checkpoints
    # the WAL under an exclusive lock that a connection opened at that moment would find)
    store.value("SELECT 1")
    yield store
    store.close()


def in_threads(store: Store, count: int, work: Callable[[int], None]) -> list[BaseException]:
    """Run `work(n)` on `count` threads released together; the failures."""
    barrier, errors = threading.Barrier(count), []

    def run(n: int) -> None:
        barrier.wait()
        try:
            work(n)
        except BaseException as exc:  # noqa: BLE001 - returned to the test
            errors.append(exc)
        finally:
            store.close()  # this thread's connection

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return errors


def test_concurrent_writers_through_every_write_path_lose_nothing_and_never_see_a_locked_database(no_wait_store):
    store = no_wait_store
    post = polls.create_post(store, team_id=TEAM, channel_id="C1", pack_id="sample", poll_id="p1", number=1,
                             language="en", anonymous=False, results_hidden=False, closes_at=None, posted_by="U0")
    polls.record_ts(store, post.id, "1.0")
    quiz = quizzes.start(store, team_id=TEAM, channel_id="C1", host="U0", pack_id="sample", language="en",
                         question_ids=["q1", "q2"], timer_s=600, now=1000.0)
    assert quiz is not None
    quizzes.open_question(store, quiz, 0, now=1000.0)
    quizzes.record_question_ts(store, quiz.id, 0, "2.0")
    channels = [f"C{n}" for n in range(THREADS)]
    for channel in channels:
        plans.ensure(store, TEAM, channel, pack_id="sample", language="en", days="mon", post_time="09:00",
                     timezone="UTC", created_by="U0", paused=False)

    first_copies: list[int] = []

    def work(n: int) -> None:
        for i in range(ROUNDS):
            user = f"U{n}-{i}"
            # single writes: a vote (and its move), an answer, a comment, a delivery every thread races for
            assert polls.cast_vote(store, TEAM, post.id, user, "yes", now=1001.0).status == "new"
            assert polls.cast_vote(store, TEAM, post.id, user, "no", now=1002.0).status == "changed"
            assert quizzes.answer(store, team_id=TEAM, quiz_id=quiz.id, position=0, user_id=user,
                                  answer_text="a", now=1001.0).status == "locked"
            polls.add_comment(store, TEAM, post.id, user, "hi", now=1001.0)
            if deliveries.claim(store, TEAM, f"Ev{i}", now=1001.0):
                first_copies.append(i)
            unconfirmed_posts.note(store, TEAM, "C1", f"slot-{n}", attempted_at=float(i))
            journal.mark_applied(store, f"j{n}", i)
            # transactions: a claim on the thread's plan, given back half the time, then a schedule's batch
            # claim; a workspace marked departed and welcomed back
            claim = plans.claim_next(store, TEAM, channels[n], slot=f"now:{n}-{i}", item_count=10 ** 6)
            assert claim is not None
            if i % 2:
                plans.release(store, claim)
            for done in plans.claim_due(store, [(TEAM, channels[n])], lambda p: f"due:{p.next_index}"):
                plans.record_posted(store, done, f"ts-{done.post_id}")
            teams.depart(store, [f"T{n}"], "app_uninstalled", now=1.0)
            teams.welcome_back(store, [f"T{n}"])

    errors = in_threads(store, THREADS, work)

    assert errors == []  # in particular, no sqlite3.OperationalError('database is locked')
    voters = THREADS * ROUNDS
    assert polls.vote_counts(store, post.id) == {"no": voters}
    assert store.row("SELECT COUNT(*) AS n FROM vote_log")["n"] == 2 * voters
    assert quizzes.answer_count(store, quiz.id, 0) == voters
    assert len(polls.comments(store, TEAM, post.id)) == voters
    assert sorted(first_copies) == list(range(ROUNDS))  # each delivery handled once, by one thread
    assert [journal.applied(store, f"j{n}") for n in range(THREADS)] == [ROUNDS - 1] * THREADS
    for channel in channels:  # every claim stands as a post or was given back, and the plan agrees
        plan = plans.get(store, TEAM, channel)
        assert plan is not None
        made = store.row("SELECT COUNT(*) AS n, MAX(item_index) AS last FROM posts WHERE channel_id = ?", [channel])
        assert made["n"] == plan.next_index == made["last"] + 1
    assert not any(teams.departed(store, f"T{n}") for n in range(THREADS))


def test_a_write_waits_for_a_transaction_of_another_thread_instead_of_failing(no_wait_store):
    store = no_wait_store
    claimed: list[bool] = []
    writer = threading.Thread(target=lambda: claimed.append(deliveries.claim(store, "T", "second", now=2.0)))
    with another_thread_holding_a_transaction(store):
        writer.start()
        writer.join(0.2)
        assert writer.is_alive() and claimed == []  # queued on the write lock, not failed by SQLite
    writer.join(5)
    assert claimed == [True]
    assert store.row("SELECT COUNT(*) AS n FROM deliveries")["n"] == 2


# -- settled rows ---------------------------------------------------------------------------------------
def test_settled_rows_are_kept_only_up_to_the_bound_newest_used_first(tmp_path):
    assert 0 < SETTLED_ROWS_KEPT <= 10_000  # the bound the store opens with
    open_store(tmp_path / "bot.db").close()
    store = Store(tmp_path / "bot.db", settled_rows_kept=20)
    ids = []
    for n in range(20 + 5):
        post = polls.create_post(store, team_id=TEAM, channel_id="C1", pack_id="sample", poll_id=f"p{n}",
                                 number=n, language="en", anonymous=False, results_hidden=False, closes_at=None,
                                 posted_by="U0")
        polls.record_ts(store, post.id, f"{n}.0")
        ids.append(post.id)
    polls.poll_of(store, TEAM, ids[0])
    for post_id in ids[1:]:
        polls.poll_of(store, TEAM, ids[0])  # the first stays in use
        polls.poll_of(store, TEAM, post_id)

    assert store.settled_rows_kept() == 20
    # the one in use is still kept; the oldest of the others were let go and are read again
    store.write_one("UPDATE poll_posts SET poll_id = 'changed' WHERE id IN (?, ?, ?)", [ids[0], ids[1], ids[-1]])
    assert polls.poll_of(store, TEAM, ids[0]) == ("sample", "p0")
    assert polls.poll_of(store, TEAM, ids[-1]) == ("sample", f"p{len(ids) - 1}")
    assert polls.poll_of(store, TEAM, ids[1]) == ("sample", "changed")
    store.close()


def test_forgetting_a_workspace_forgets_its_settled_rows(tmp_path):
    store = open_store(tmp_path / "bot.db")
    post = polls.create_post(store, team_id=TEAM, channel_id="C1", pack_id="sample", poll_id="p1", number=1,
                             language="en", anonymous=False, results_hidden=False, closes_at=None, posted_by="U0")
    polls.record_ts(store, post.id, "1.0")
    assert polls.poll_of(store, TEAM, post.id) == ("sample", "p1")
    teams.forget_team(store, TEAM)
    # the same id may be given to the workspace's next poll (INTEGER PRIMARY KEY reuses the highest id)
    again = polls.create_post(store, team_id=TEAM, channel_id="C1", pack_id="sample", poll_id="p2", number=1,
                              language="en", anonymous=False, results_hidden=False, closes_at=None, posted_by="U0")
    polls.record_ts(store, again.id, "2.0")
    assert again.id == post.id
    assert polls.poll_of(store, TEAM, again.id) == ("sample", "p2")
    store.close()


# -- one door ---------------------------------------------------------------------------------------------
ROOT = Path(__file__).resolve().parents[2]
SQL = re.compile(  # the code writes SQL in capitals
    r"^\s*(SELECT\s+\S|INSERT\s+(OR\s+\w+\s+)?INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM|ALTER\s+TABLE|PRAGMA\s+\w|BEGIN\b"
    r"|CREATE\s+(UNIQUE\s+)?(TABLE|INDEX|TRIGGER|VIEW)|DROP\s+(TABLE|INDEX|TRIGGER))", re.MULTILINE)
CONNECTION = {"execute", "executemany", "executescript", "_conn", "open_connection", "_write_lock", "cursor"}


def python_files(folder: str) -> list[Path]:
    return sorted((ROOT / folder).rglob("*.py"))


def test_no_sql_and_no_connection_outside_store():
    found = []
    for path in python_files("bot"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and SQL.search(node.value):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno} SQL {node.value.strip()[:40]!r}")
            if isinstance(node, ast.Attribute) and node.attr in CONNECTION | {"db"}:
                found.append(f"{path.relative_to(ROOT)}:{node.lineno} .{node.attr}")
    assert found == []


def test_store_modules_reach_the_database_only_through_the_store():
    """Only store/db.py holds the connection; store/installations.py hands slack_sdk its own (see there), and
    store/backup.py copies a file with SQLite's backup API on connections of its own (a read-only source and
    a new file, never the live database's writer). Migrations are given sqlite-utils' `db` by
    `Store.migrate`, under the write lock."""
    found = []
    for path in python_files("store"):
        if path.name in ("db.py", "installations.py", "backup.py"):
            continue
        tree = ast.parse(path.read_text(), str(path))
        migrations = {f for f in ast.walk(tree) if isinstance(f, ast.FunctionDef) and f.name[:1] == "m"
                      and f.name[1:4].isdigit()}
        inside = {id(n) for f in migrations for n in ast.walk(f)}
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr in CONNECTION | {"db", "conn"} and id(node) not in inside:
                found.append(f"{path.relative_to(ROOT)}:{node.lineno} .{node.attr}")
    assert found == []
