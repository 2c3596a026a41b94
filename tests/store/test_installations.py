"""slack_sdk's installation and OAuth state stores on a real SQLite file, run on the store's connections:
its busy timeout, its write lock, one connection per thread kept open."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from slack_sdk.oauth.installation_store import Installation

from store import installations, open_store
from store.db import Store, StoreError
from tests.store.holding import another_thread_holding_a_transaction

TEAM = "T1"


def an_installation(token: str = "xoxb-1") -> Installation:
    return Installation(app_id="A1", enterprise_id=None, team_id=TEAM, bot_token=token, bot_id="B1",
                        bot_user_id="UBOT", bot_scopes=["chat:write"], user_id="UINSTALLER")


def store_with(tmp_path: Path, busy_timeout_ms: int) -> Store:
    open_store(tmp_path / "bot.db").close()
    store = Store(tmp_path / "bot.db", busy_timeout_ms=busy_timeout_ms)
    store.value("SELECT 1")  # this thread's connection stays open (see tests/store/test_db.py)
    return store


@pytest.fixture
def blocker(tmp_path: Path) -> Iterator[sqlite3.Connection]:
    """Another process's writer, as SQLite sees it: a connection of its own holding the write lock."""
    conn = sqlite3.connect(tmp_path / "bot.db", isolation_level=None)
    yield conn
    conn.close()


def test_the_installation_store_waits_as_long_as_the_store_and_no_longer(tmp_path, blocker):
    store = store_with(tmp_path, busy_timeout_ms=300)
    installs = installations.installation_store(store, "client")
    installs.init()
    assert installs.connect().execute("PRAGMA busy_timeout").fetchone()[0] == 300
    blocker.execute("BEGIN IMMEDIATE")

    started = time.monotonic()
    with pytest.raises(sqlite3.OperationalError, match="locked"):
        installs.save(an_installation())
    waited = time.monotonic() - started

    assert 0.25 <= waited < 2  # slack_sdk's own connections would wait Python's default 5 s
    blocker.execute("ROLLBACK")
    installs.save(an_installation())
    found = installs.find_installation(enterprise_id=None, team_id=TEAM)
    assert found is not None and found.bot_token == "xoxb-1"


def test_the_state_store_waits_as_long_as_the_store(tmp_path, blocker):
    store = store_with(tmp_path, busy_timeout_ms=300)
    states = installations.state_store(store)
    state = states.issue()
    assert states.connect().execute("PRAGMA busy_timeout").fetchone()[0] == 300
    blocker.execute("BEGIN IMMEDIATE")
    started = time.monotonic()
    with pytest.raises(sqlite3.OperationalError, match="locked"):
        states.issue()
    assert time.monotonic() - started < 2
    blocker.execute("ROLLBACK")
    assert states.consume(state) is True
    assert states.consume(state) is False  # used once


def test_a_save_queues_behind_another_threads_transaction_instead_of_failing(tmp_path):
    store = store_with(tmp_path, busy_timeout_ms=0)  # SQLite would refuse at once: only the lock can order them
    installs = installations.installation_store(store, "client")
    installs.init()
    failures: list[BaseException] = []

    def save() -> None:
        try:
            installs.save(an_installation("xoxb-2"))
        except BaseException as exc:  # noqa: BLE001 - checked below
            failures.append(exc)

    saver = threading.Thread(target=save)
    with another_thread_holding_a_transaction(store):
        saver.start()
        saver.join(0.2)
        assert saver.is_alive() and failures == []
    saver.join(5)
    assert failures == []
    found = installs.find_installation(enterprise_id=None, team_id=TEAM)
    assert found is not None and found.bot_token == "xoxb-2"


def test_a_save_inside_a_store_transaction_is_refused_at_once_not_after_the_busy_timeout(tmp_path):
    store = store_with(tmp_path, busy_timeout_ms=15_000)
    installs = installations.installation_store(store, "client")
    started = time.monotonic()
    with pytest.raises(StoreError, match="wait for itself"), store.write():
        installs.save(an_installation())
    assert time.monotonic() - started < 1


def test_each_thread_keeps_one_connection_for_every_call(tmp_path):
    store = store_with(tmp_path, busy_timeout_ms=1000)
    installs = installations.installation_store(store, "client")
    installs.save(an_installation())
    first = installs.connect()
    installs.find_installation(enterprise_id=None, team_id=TEAM)
    assert installs.connect() is first
    other: list[sqlite3.Connection] = []
    thread = threading.Thread(target=lambda: other.append(installs.connect()))
    thread.start()
    thread.join()
    assert other[0] is not first  # sqlite3 pins a connection to the thread that opened it
