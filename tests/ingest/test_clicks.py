"""Clicks on a real SQLite file and real journal files: applied once, in order, after the ack or after a crash.

The applier inserts a row per application into a table of the test's own, so a click applied twice (or
lost) shows up as a row too many (or too few). `after_lull` and `follow_up` only collect what they get:
the test decides when a lull comes.
"""

import contextlib
import logging
import pickle
import sqlite3

import pytest

from bot.ingest.clicks import PROTOCOL, Clicks, journal_directory
from store import journal, open_store
from store.journal import MAX_FRAGMENTS, MAX_PAYLOAD, SLOT, Journal, fragments, orphans


@pytest.fixture
def db_path(tmp_path):
    return tmp_path / "bot.db"


@pytest.fixture
def store(db_path):
    store = open_store(db_path)
    store.write_one("CREATE TABLE taken (id INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT, who TEXT, pick TEXT)")
    yield store
    store.close()


@pytest.fixture
def directory(db_path):
    return journal_directory(db_path)


class Harness:
    """A Clicks with a "vote" applier writing to `taken`; lulls and follow-ups are collected, not run."""

    def __init__(self, store, directory, *, fail_on=None, error=ValueError):
        self.store = store
        self.lulls: list = []
        self.followed: list = []
        self.calls: list[tuple] = []
        self.clicks = Clicks(store, after_lull=self.lulls.append, follow_up=self.followed.append,
                             directory=directory)
        self.fail_on, self.error = fail_on, error
        self.clicks.on("vote", self.apply_vote)

    def apply_vote(self, who, pick):
        self.calls.append((who, pick))
        if pick == self.fail_on:
            raise self.error(f"no option {pick!r}")
        self.store.write_one("INSERT INTO taken (kind, who, pick) VALUES ('vote', ?, ?)", [who, pick])
        return lambda: f"receipt for {who}"

    def receipts(self):
        return [f() for f in self.followed]


def taken(store):
    return [(r["who"], r["pick"]) for r in store.rows("SELECT who, pick FROM taken ORDER BY id")]


def journal_files(directory):
    return sorted(p.name for p in directory.glob("*.journal"))


def marks(store):
    return {r["journal"]: r["applied"] for r in store.rows("SELECT journal, applied FROM journal_marks")}


def test_the_journal_lives_beside_the_database(db_path):
    assert journal_directory(db_path) == db_path.parent / "bot.db-clicks"


def test_settle_applies_recorded_clicks_in_order_and_hands_on_their_follow_ups(store, directory):
    h = Harness(store, directory)
    for who, pick in [("U1", "yes"), ("U2", "no"), ("U1", "no")]:
        h.clicks.record("vote", who, pick)
    assert taken(store) == []  # journaled only: SQLite is not touched before the ack
    assert h.clicks.settle() == 3
    assert taken(store) == [("U1", "yes"), ("U2", "no"), ("U1", "no")]
    assert h.receipts() == ["receipt for U1", "receipt for U2", "receipt for U1"]
    assert marks(store) == {h.clicks.journal.name: 3}  # the position is stored with the clicks
    assert h.clicks.settle() == 0  # nothing is applied twice
    assert len(taken(store)) == 3
    h.clicks.close()


def test_an_applier_returning_no_follow_up_hands_nothing_on(store, directory):
    h = Harness(store, directory)

    def quiet(who):
        store.write_one("INSERT INTO taken (kind, who) VALUES ('quiet', ?)", [who])  # and no follow-up

    h.clicks.on("quiet", quiet)
    h.clicks.record("quiet", "U1")
    h.clicks.record("vote", "U2", "yes")
    h.clicks.settle()
    assert [r["kind"] for r in store.rows("SELECT kind FROM taken ORDER BY id")] == ["quiet", "vote"]
    assert h.receipts() == ["receipt for U2"]
    h.clicks.close()


def test_a_burst_asks_for_one_settle_and_the_next_burst_for_another(store, directory):
    h = Harness(store, directory)
    for n in range(5):
        h.clicks.record("vote", f"U{n}", "yes")
    assert h.lulls == [h.clicks.settle]  # once per burst, not once per click
    h.lulls.pop()()  # the lull comes
    assert len(taken(store)) == 5
    h.clicks.record("vote", "U9", "no")
    h.clicks.record("vote", "U8", "no")
    assert h.lulls == [h.clicks.settle]  # a click after the settle asks again
    h.lulls.pop()()
    assert len(taken(store)) == 7
    h.clicks.close()


def test_a_click_too_long_for_any_journal_is_applied_at_once_after_the_ones_held(store, directory):
    h = Harness(store, directory)
    h.clicks.record("vote", "U1", "yes")
    h.clicks.record("vote", "U2", "yes")
    long_pick = "x" * (MAX_FRAGMENTS * MAX_PAYLOAD + 1)
    h.clicks.record("vote", "U3", long_pick)
    assert taken(store) == [("U1", "yes"), ("U2", "yes"), ("U3", long_pick)]  # before `record` returned
    assert h.clicks.settle() == 0
    h.clicks.close()


def test_without_a_directory_a_click_is_applied_before_record_returns(store):
    h = Harness(store, None)
    h.clicks.record("vote", "U1", "yes")
    assert taken(store) == [("U1", "yes")]
    assert h.receipts() == ["receipt for U1"]
    assert h.lulls == []  # nothing is waiting for a lull
    assert h.clicks.journal is None
    assert h.clicks.settle() == 0
    assert h.clicks.recover() == 0
    assert marks(store) == {}


def test_without_a_directory_a_failing_click_reaches_the_listener(store):
    """Applied before the ack, its error is the listener's to answer, not silently dropped."""
    h = Harness(store, None, fail_on="bad")
    with pytest.raises(ValueError):
        h.clicks.record("vote", "U1", "bad")
    assert taken(store) == []


def test_close_settles_and_the_next_start_removes_the_journal(store, db_path, directory):
    """A graceful stop applies what is held; the file stays (a request thread may still append to it as
    the worker stops) until the next start, which applies nothing twice and removes it."""
    h = Harness(store, directory)
    h.clicks.record("vote", "U1", "yes")
    h.clicks.record("vote", "U2", "no")
    late = h.clicks.journal
    h.clicks.close()
    assert taken(store) == [("U1", "yes"), ("U2", "no")]
    h.clicks.record("vote", "U3", "yes")  # a straggler after the stop is written at once
    assert taken(store)[-1] == ("U3", "yes")
    late.append(pickle.dumps(("vote", "U4", "late"), PROTOCOL))  # a thread that had the journal in hand
    late.close()  # the process exits
    with restarted(db_path, directory) as second:
        second.clicks.recover()
        assert taken(store) == [("U1", "yes"), ("U2", "no"), ("U3", "yes"), ("U4", "late")]
        assert journal_files(directory) == [second.clicks.journal.name]
        assert late.name not in marks(store)


# -- a process that died -------------------------------------------------------------------------------
def die(h):
    """The process is killed: its journal files stay, nothing settles them, their locks go with it."""
    for dead in [*h.clicks._older, h.clicks.journal]:
        dead.close()


@contextlib.contextmanager
def restarted(db_path, directory, **kw):
    """A new process on the same database and directory, with its own connection; stopped after."""
    second = Harness(open_store(db_path), directory, **kw)
    try:
        yield second
    finally:
        second.clicks.close()
        second.store.close()


def test_recover_applies_a_dead_process_clicks_once_and_deletes_its_file(store, db_path, directory):
    first = Harness(store, directory)
    for who in ("U1", "U2", "U3"):
        first.clicks.record("vote", who, "yes")
    dead_name = first.clicks.journal.name
    die(first)

    with restarted(db_path, directory) as second:
        assert second.clicks.recover() == 3
        assert taken(store) == [("U1", "yes"), ("U2", "yes"), ("U3", "yes")]
        assert second.followed == []  # a receipt that late would only confuse
        assert journal_files(directory) == [second.clicks.journal.name]
        assert dead_name not in marks(store)
        assert second.clicks.recover() == 0  # a second start-up finds nothing left
        assert second.clicks.settle() == 0  # and none of it went into the new process's journal
        assert len(taken(store)) == 3


def test_recover_respects_what_the_dead_process_had_already_settled(store, db_path, directory):
    first = Harness(store, directory)
    first.clicks.record("vote", "U1", "yes")
    first.clicks.record("vote", "U2", "yes")
    first.clicks.settle()
    first.clicks.record("vote", "U3", "no")  # acknowledged, then the process was killed
    first.clicks.record("vote", "U4", "no")
    die(first)

    with restarted(db_path, directory) as second:
        assert second.clicks.recover() == 2
        assert taken(store) == [("U1", "yes"), ("U2", "yes"), ("U3", "no"), ("U4", "no")]
        assert second.calls == [("U3", "no"), ("U4", "no")]


def test_recover_keeps_the_clicks_after_a_torn_slot(store, db_path, directory):
    """A slot being written when the process died was never acknowledged; the ones after it were."""
    first = Harness(store, directory)
    for who in ("U1", "U2", "U3"):
        first.clicks.record("vote", who, "yes")
    path = first.clicks.journal.path
    die(first)
    with open(path, "r+b") as f:
        f.seek(SLOT + SLOT - MAX_PAYLOAD)  # slot 2's first payload byte
        f.write(b"#")

    with restarted(db_path, directory) as second:
        assert second.clicks.recover() == 2
        assert taken(store) == [("U1", "yes"), ("U3", "yes")]


def test_recover_leaves_a_live_process_journal_to_it(store, db_path, directory):
    first = Harness(store, directory)
    first.clicks.record("vote", "U1", "yes")
    with restarted(db_path, directory) as second:
        assert second.clicks.recover() == 0
        assert taken(store) == []
        assert first.clicks.settle() == 1
        assert taken(store) == [("U1", "yes")]
        assert sorted(journal_files(directory)) == sorted([first.clicks.journal.name, second.clicks.journal.name])
        first.clicks.close()


# -- a click that cannot be applied --------------------------------------------------------------------
def test_a_failing_click_is_logged_and_skipped_and_the_rest_of_the_batch_applied(store, directory, caplog):
    h = Harness(store, directory, fail_on="bad")
    h.clicks.record("vote", "U1", "yes")
    h.clicks.record("vote", "U2", "bad")
    h.clicks.record("vote", "U3", "no")
    with caplog.at_level(logging.ERROR, logger="bot.ingest.clicks"):
        assert h.clicks.settle() == 3
    assert taken(store) == [("U1", "yes"), ("U3", "no")]  # U1's row from the failed batch was rolled back
    assert h.receipts() == ["receipt for U1", "receipt for U3"]
    assert any("vote click could not be applied" in r.getMessage() for r in caplog.records)
    assert marks(store) == {h.clicks.journal.name: 3}

    tries = h.calls.count(("U2", "bad"))
    h.clicks.record("vote", "U4", "yes")
    assert h.clicks.settle() == 1  # the bad click is not tried again
    assert h.clicks.settle() == 0
    assert h.calls.count(("U2", "bad")) == tries
    assert taken(store) == [("U1", "yes"), ("U3", "no"), ("U4", "yes")]
    h.clicks.close()


def test_a_click_the_database_cannot_take_now_waits_for_the_next_settle(store, directory):
    """A database locked past its busy timeout (or read-only, or full) is not the click's fault: it is
    kept, with every click after it, and another settle is asked for."""
    h = Harness(store, directory, fail_on="locked", error=sqlite3.OperationalError)
    for who, pick in [("U1", "yes"), ("U2", "locked"), ("U3", "no")]:
        h.clicks.record("vote", who, pick)
    lulls_before = len(h.lulls)
    h.clicks.settle()
    assert taken(store) == [("U1", "yes")]
    assert marks(store) == {h.clicks.journal.name: 1}
    assert len(h.lulls) == lulls_before + 1  # tried again once the requests lull
    h.fail_on = None  # the database is back
    h.clicks.settle()
    assert taken(store) == [("U1", "yes"), ("U2", "locked"), ("U3", "no")]
    h.clicks.close()


def test_a_dropped_click_stays_dropped_after_a_restart(store, db_path, directory):
    """Its mark moves past it too; otherwise every start-up after a crash would try it again."""
    first = Harness(store, directory, fail_on="bad")
    first.clicks.record("vote", "U1", "yes")
    first.clicks.record("vote", "U2", "bad")  # the last of the batch
    first.clicks.settle()
    assert marks(store) == {first.clicks.journal.name: 2}
    die(first)

    with restarted(db_path, directory, fail_on="bad") as second:
        assert second.clicks.recover() == 0
        assert second.calls == []
        assert taken(store) == [("U1", "yes")]


def test_a_click_of_an_unknown_kind_does_not_block_the_others(store, directory):
    h = Harness(store, directory)
    h.clicks.record("vote", "U1", "yes")
    h.clicks.record("retired-kind", "U2")
    h.clicks.record("vote", "U3", "no")
    h.clicks.settle()
    assert taken(store) == [("U1", "yes"), ("U3", "no")]
    h.clicks.close()


def test_a_failing_click_in_a_dead_process_journal_is_skipped_and_the_file_still_removed(store, db_path,
                                                                                          directory):
    first = Harness(store, directory)
    for who, pick in [("U1", "yes"), ("U2", "bad"), ("U3", "no")]:
        first.clicks.record("vote", who, pick)
    die(first)

    with restarted(db_path, directory, fail_on="bad") as second:
        assert second.clicks.recover() == 3
        assert taken(store) == [("U1", "yes"), ("U3", "no")]
        assert journal_files(directory) == [second.clicks.journal.name]
        assert second.clicks.recover() == 0


# -- a full journal -------------------------------------------------------------------------------------
def small_journal(h, directory, slots=4):
    """Swap the 16k-slot journal for a small one, so that rotation comes within a few clicks."""
    h.clicks.journal.close(delete=True)
    h.clicks.journal = Journal(directory, slots=slots, database=h.clicks.database.id)


def test_a_full_journal_is_replaced_and_every_click_applied_in_order(store, directory):
    h = Harness(store, directory)
    small_journal(h, directory)
    picks = [(f"U{n}", str(n)) for n in range(10)]
    for n, (who, pick) in enumerate(picks):
        h.clicks.record("vote", who, pick)
        if n % 3 == 2:
            h.clicks.settle()
    h.clicks.settle()
    assert taken(store) == picks
    assert journal_files(directory) == [h.clicks.journal.name]  # the full ones are gone
    assert set(marks(store)) <= {h.clicks.journal.name}
    h.clicks.close()


def test_a_burst_that_overflows_the_journal_keeps_its_order(store, directory):
    """No lull for 10 clicks: a full file is applied on the spot, before the click that did not fit."""
    h = Harness(store, directory)
    small_journal(h, directory)
    picks = [(f"U{n}", str(n)) for n in range(10)]
    for who, pick in picks:
        h.clicks.record("vote", who, pick)
    for settle in h.lulls:
        settle()
    h.clicks.settle()
    assert taken(store) == picks
    assert journal_files(directory) == [h.clicks.journal.name]
    h.clicks.close()


def test_a_long_click_that_does_not_fit_the_rest_of_a_file_goes_to_the_next_in_order(store, directory):
    """A long record (a thread reply's text) takes several slots; one that does not fit in what is left of a
    file starts the next file, and the slots it took in the full one hold nothing and keep nothing waiting:
    the full file is applied to its end and deleted."""
    h = Harness(store, directory)
    small_journal(h, directory, slots=6)
    long = "论" * 200  # 600 bytes of UTF-8: 3 slots with the click's other fields
    assert fragments(len(pickle.dumps(("vote", "U2", long), PROTOCOL))) == 3
    picks = [("U1", "short"), ("U2", long), ("U3", long), ("U4", "short")]  # the 3rd does not fit in slots 5-6
    for who, pick in picks:
        h.clicks.record("vote", who, pick)
    assert len(journal_files(directory)) == 2
    h.clicks.settle()
    assert taken(store) == picks
    assert journal_files(directory) == [h.clicks.journal.name]
    h.clicks.close()


def test_a_dead_process_rotated_journal_is_recovered_without_repeats(store, db_path, directory):
    first = Harness(store, directory)
    small_journal(first, directory)
    picks = [(f"U{n}", str(n)) for n in range(6)]  # 4 fill the first file, the 5th starts a second
    for who, pick in picks:
        first.clicks.record("vote", who, pick)
    die(first)
    assert list(orphans(directory)) == [first.clicks._older[0].path, first.clicks.journal.path]

    with restarted(db_path, directory) as second:
        second.clicks.recover()
        assert taken(store) == picks
        assert journal.applied(store, first.clicks.journal.name) == 0  # forgotten with its file


def test_a_journal_left_beside_a_database_made_afresh_is_not_applied_to_it(tmp_path, caplog):
    """The database was deleted and started again, its `-clicks/` directory kept: a dead process's votes
    were for the old database's polls, whose ids the new one hands out again. They stay in their file."""
    db_path = tmp_path / "bot.db"
    directory = journal_directory(db_path)
    old = open_store(db_path)
    old.write_one("CREATE TABLE taken (id INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT, who TEXT, pick TEXT)")
    first = Harness(old, directory)
    first.clicks.record("vote", "U1", "yes")
    die(first)
    old.close()
    for leftover in tmp_path.glob("bot.db*"):
        if leftover.is_file():
            leftover.unlink()

    fresh = open_store(db_path)
    fresh.write_one("CREATE TABLE taken (id INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT, who TEXT, pick TEXT)")
    second = Harness(fresh, directory)
    with caplog.at_level(logging.WARNING):
        assert second.clicks.recover() == 0
    assert taken(fresh) == []
    assert first.clicks.journal.path.exists()
    assert "written for another database" in caplog.text
    second.clicks.close()
    fresh.close()


def test_a_rotated_journal_still_carries_the_database_id(store, directory):
    h = Harness(store, directory)
    small_journal(h, directory)
    for n in range(6):  # 4 fill the first file, the 5th starts a second
        h.clicks.record("vote", f"U{n}", str(n))
    names = [j.name for j in [*h.clicks._older, h.clicks.journal]]
    assert len(names) == 2 and all(name.endswith(f"-{h.clicks.database.id}.journal") for name in names)
    h.clicks.close()
