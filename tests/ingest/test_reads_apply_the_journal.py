"""Nobody calls `settle()` to read: a read of votes or answers applies what the click journal holds first
(`Store.before_reading_responses`, bot/ingest/clicks.py), so results can never miss an acknowledged click."""

import sqlite3

from bot.ingest.ack_first import AckFirst
from store import polls, privacy
from tests.conftest import TEAM


def test_a_read_of_votes_applies_what_the_journal_holds(http_app, stub, services):
    services.runtime.acks = AckFirst(max_wait=60.0)
    http_app.command("/discuss", "1", user_id="UHOST")
    stub.wait_for("chat.postMessage")
    services.wait_idle()
    post = polls.latest_post(services.store, TEAM, "C0CHAN", 1)
    with services.acks.handling():  # a burst goes on: nothing is applied by the lull
        for n, option in enumerate(["yes", "no", "yes"]):
            assert http_app.click(f"{post.id}|{option}", user_id=f"U{n}", channel_id="C0CHAN").status == 200
        with sqlite3.connect(services.settings.database_path) as conn:
            assert conn.execute("SELECT count(*) FROM votes").fetchone() == (0,)  # journaled only
        assert polls.vote_counts(services.store, post.id) == {"yes": 2, "no": 1}  # the read applied them


def test_a_read_inside_a_write_transaction_does_not_wait_for_the_journal(services):
    """The journal's own applying reads votes inside its transaction; a reader there must not settle (it
    would wait for itself)."""
    calls = []
    services.store.before_reading_responses = lambda: calls.append("settle")
    with services.store.write():
        services.store.rows("SELECT * FROM votes")
    assert calls == []
    services.store.rows("SELECT * FROM votes")
    services.store.rows("SELECT * FROM plans")  # no clicks land there: nothing to apply
    assert calls == ["settle"]


def test_a_person_forgotten_mid_burst_stays_forgotten(http_app, stub, services):
    """A deletion is not a read: without applying the journal first, a vote acknowledged a moment before
    the privacy request would be written after it and outlive it."""
    services.runtime.acks = AckFirst(max_wait=60.0)
    http_app.command("/discuss", "1", user_id="UHOST")
    stub.wait_for("chat.postMessage")
    services.wait_idle()
    post = polls.latest_post(services.store, TEAM, "C0CHAN", 1)
    with services.acks.handling():
        assert http_app.click(f"{post.id}|yes", user_id="U0GONE", channel_id="C0CHAN").status == 200
        assert http_app.click(f"{post.id}|no", user_id="U0STAYS", channel_id="C0CHAN").status == 200
        deleted = privacy.forget_user(services.store, "U0GONE", TEAM)
    assert deleted["votes"] == 1 and deleted["vote_log"] == 1
    services.clicks.settle()
    assert polls.vote_counts(services.store, post.id) == {"no": 1}
