"""Thread replies end to end: signed Events API deliveries (shaped like Slack's samples) to the real endpoint,
the store read back, and the Web API calls the strict stand-in saw."""

from __future__ import annotations

import csv
import io
import json
import sqlite3

from bot.flows import export
from bot.ingest.ack_first import AckFirst
from store import plans, privacy, replies, teams
from tests.conftest import TEAM
from tests.support.signing import (
    event_body,
    message_changed_event,
    message_deleted_event,
    message_event,
    reaction_event,
)

CHANNEL = "C0CHAN"
HOSTILE = "<!channel> ping <@U0BOSS> see <https://evil.example|click> *bold* _it_ ~s~ `x` & more"


def post_digest(http_app, stub, services, count: int = 1) -> str:
    """`/digest next` in the channel; the ts of the newest digest."""
    before = len(stub.calls("chat.postMessage"))
    http_app.command("/digest", "next", user_id="UOWNER", channel_id=CHANNEL)
    stub.wait_for("chat.postMessage", count=before + 1)
    services.wait_idle()
    taken = [c for c in stub.calls("chat.postMessage")[before:] if c.response and c.response.get("ok")]
    return str(taken[-1].response["ts"])


def say(http_app, text: str, thread_ts: str, *, user: str = "U0ALICE", event_id: str | None = None,
        headers: dict | None = None, ts: str | None = None):
    event = message_event(text, user_id=user, channel_id=CHANNEL, thread_ts=thread_ts, ts=ts)
    response = http_app.post(event_body(event, team_id=TEAM, event_id=event_id), headers)
    assert response.status == 200
    return event["ts"]


def react(http_app, ts: str, user: str, reaction: str = "thumbsup", added: bool = True):
    response = http_app.post(event_body(reaction_event(reaction, user_id=user, channel_id=CHANNEL, ts=ts, added=added),
                                        team_id=TEAM))
    assert response.status == 200


def kept(services) -> list[dict]:
    return services.store.rows("SELECT * FROM replies ORDER BY ts")


def test_replies_in_the_apps_thread_are_kept_and_nothing_else_is(http_app, stub, services):
    digest_ts = post_digest(http_app, stub, services)
    say(http_app, "The intro was clear", digest_ts)
    say(http_app, "Not in any thread", "")  # a top-level message
    say(http_app, "Someone else's thread", "1690000000.000100")
    bot = message_event("a bot", user_id="UBOT", channel_id=CHANNEL, thread_ts=digest_ts) | {"bot_id": "B0001"}
    assert http_app.post(event_body(bot, team_id=TEAM)).status == 200
    rows = kept(services)
    assert [(r["text"], r["user_id"], r["thread_kind"], r["item_ref"]) for r in rows] == [
        ("The intro was clear", "U0ALICE", "digest", "intro")]


def test_a_retried_delivery_is_kept_once(http_app, stub, services):
    digest_ts = post_digest(http_app, stub, services)
    event = message_event("once", user_id="U0ALICE", channel_id=CHANNEL, thread_ts=digest_ts)
    body = event_body(event, team_id=TEAM, event_id="Ev0REPLY")
    for retry in (None, {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}):
        assert http_app.post(body, retry).status == 200
    assert len(kept(services)) == 1
    assert services.store.value("SELECT COUNT(*) FROM deliveries WHERE delivery_key = 'event:Ev0REPLY'") == 1
    # a retried reaction counts once too
    reaction = event_body(reaction_event("tada", user_id="U0BOB", channel_id=CHANNEL, ts=event["ts"]),
                          team_id=TEAM, event_id="Ev0REACT")
    removed = event_body(reaction_event("tada", user_id="U0BOB", channel_id=CHANNEL, ts=event["ts"], added=False),
                         team_id=TEAM, event_id="Ev0UNREACT")
    http_app.post(reaction)
    http_app.post(removed)
    http_app.post(reaction, {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"})
    assert services.store.value("SELECT COUNT(*) FROM reply_reactions") == 0


def test_edits_replace_the_text_and_deletions_delete_it_everywhere(http_app, stub, services):
    digest_ts = post_digest(http_app, stub, services)
    ts = say(http_app, "first take", digest_ts)
    react(http_app, ts, "U0BOB")
    edited = message_changed_event("second take", user_id="U0ALICE", channel_id=CHANNEL, ts=ts, thread_ts=digest_ts)
    http_app.post(event_body(edited, team_id=TEAM))
    assert [r["text"] for r in kept(services)] == ["second take"]
    assert [r["text"] for r in export.rows(services, team_id=TEAM) if r["kind"] == "reply"] == ["second take"]
    gone = message_deleted_event(user_id="U0ALICE", channel_id=CHANNEL, ts=ts, thread_ts=digest_ts)
    http_app.post(event_body(gone, team_id=TEAM))
    assert kept(services) == [] and services.store.value("SELECT COUNT(*) FROM reply_reactions") == 0
    assert [r for r in export.rows(services, team_id=TEAM) if r["kind"] == "reply"] == []


def test_the_digest_shows_a_live_count_coalesced(http_app, stub, services, clock):
    digest_ts = post_digest(http_app, stub, services)
    first = stub.calls("chat.postMessage")[0]
    assert "Reply in this thread" in json.dumps(first.params["blocks"])
    for n, user in enumerate(["U0A", "U0B", "U0A", "U0C", "U0D", "U0E", "U0E"]):
        say(http_app, f"thought {n}", digest_ts, user=user)
    services.wait_idle()
    clock.advance(seconds=services.live.coalescer.interval)
    services.live.flush()
    services.wait_idle()
    updates = [c for c in stub.calls("chat.update") if c.params["ts"] == digest_ts]
    assert 1 <= len(updates) <= 2  # the first reply at once, the rest together when the interval passed
    context = updates[-1].params["blocks"][-1]
    assert context["type"] == "context"
    assert context["elements"][-1]["text"] == ":speech_balloon: 7 replies from 5 people"


def test_the_next_digest_recaps_the_most_reacted_reply_escaped_short_and_linked(http_app, stub, services):
    digest_ts = post_digest(http_app, stub, services)
    plain = say(http_app, "a quiet reply", digest_ts, user="U0BOB")
    hostile = say(http_app, HOSTILE + " " + "long " * 8000, digest_ts, user="U0ALICE")  # 40,000+ characters
    react(http_app, hostile, "U0BOB")
    react(http_app, hostile, "U0CAROL", "tada")
    react(http_app, plain, "U0CAROL")
    assert len(replies.reply(services.store, TEAM, CHANNEL, hostile)["text"]) > 40_000  # stored whole
    post_digest(http_app, stub, services)
    second = stub.calls("chat.postMessage")[-1]
    recap = second.params["blocks"][1]["text"]["text"]
    assert "2 people replied" in recap and "Introduction" in recap
    assert "(2)" in recap  # the reply with two reactions
    assert "&lt;!channel&gt;" in recap and "&lt;@U0BOSS&gt;" in recap and "<!channel>" not in recap
    assert "<https://evil" not in recap and "*\u200bbold*\u200b" in recap
    assert len(recap) < 600
    [link] = stub.calls("chat.getPermalink")
    assert link.params["message_ts"] == hostile and link.params["channel"] == CHANNEL
    assert f"p{hostile.replace('.', '')}|View in thread>" in recap


def test_opted_out_replies_stay_out_of_recaps_and_exports(http_app, stub, services):
    digest_ts = post_digest(http_app, stub, services)
    answer = http_app.command("/digest", "privacy off", user_id="U0ALICE", channel_id=CHANNEL)
    assert "kept out of recaps and exports" in answer.json()["text"]
    popular = say(http_app, "Alice's popular take", digest_ts, user="U0ALICE")
    other = say(http_app, "Bob's take", digest_ts, user="U0BOB")
    react(http_app, popular, "U0BOB")
    react(http_app, popular, "U0CAROL")
    react(http_app, other, "U0CAROL")
    csv_text = export.to_csv(export.rows(services, team_id=TEAM))
    assert "Bob's take" in csv_text and "Alice" not in csv_text
    post_digest(http_app, stub, services)
    recap = stub.calls("chat.postMessage")[-1].params["blocks"][1]["text"]["text"]
    assert "1 person replied" in recap and "Bob" in recap and "Alice" not in recap
    # on again: shared again
    http_app.command("/digest", "privacy on", user_id="U0ALICE", channel_id=CHANNEL)
    assert "Alice's popular take" in export.to_csv(export.rows(services, team_id=TEAM))


def test_export_has_replies_with_their_section_formula_safe(http_app, stub, services):
    digest_ts = post_digest(http_app, stub, services)
    say(http_app, "=HYPERLINK(\"https://evil.example\")", digest_ts)
    records = list(csv.DictReader(io.StringIO(export.to_csv(export.rows(services, team_id=TEAM)))))
    [row] = [r for r in records if r["kind"] == "reply"]
    assert row["section"] == "intro" and row["text"].startswith("'=") and row["user_id"] == "U0ALICE"


def test_replies_in_a_poll_thread_are_the_polls_discussion(http_app, stub, services):
    http_app.command("/discuss", "1", user_id="UOWNER", channel_id=CHANNEL)
    poll = stub.wait_for("chat.postMessage")[0]
    services.wait_idle()
    say(http_app, "Layers, surely", str(poll.response["ts"]))
    [row] = kept(services)
    assert (row["thread_kind"], row["item_ref"]) == ("poll", "p1")
    [exported] = [r for r in export.rows(services, team_id=TEAM) if r["kind"] == "reply"]
    poll_section = services.pack(TEAM, "sample").poll("p1").section or ""
    assert exported["item_id"] == "p1" and exported["section"] == poll_section and exported["question"]


def test_forgetting_a_person_or_a_workspace_takes_their_replies(http_app, stub, services):
    digest_ts = post_digest(http_app, stub, services)
    mine = say(http_app, "mine", digest_ts, user="U0ALICE")
    say(http_app, "theirs", digest_ts, user="U0BOB")
    react(http_app, mine, "U0BOB")
    http_app.command("/digest", "privacy off", user_id="U0ALICE", channel_id=CHANNEL)
    deleted = privacy.forget_user(services.store, "U0ALICE", TEAM)
    assert deleted["replies"] == 1 and deleted["reply_privacy"] == 1
    assert [r["text"] for r in kept(services)] == ["theirs"]
    teams.forget_team(services.store, TEAM)
    assert kept(services) == [] and plans.get(services.store, TEAM, CHANNEL) is None


def test_home_shows_each_channels_discussion(http_app, stub, services):
    from bot.blocks.home import home_view
    from bot.flows.home import gather
    from tests.support.slack_rules import HOME, check_view

    digest_ts = post_digest(http_app, stub, services)
    say(http_app, "one", digest_ts, user="U0ALICE")
    say(http_app, "two", digest_ts, user="U0BOB")
    view = home_view(gather(services, TEAM, "U0ALICE", None, False, {CHANNEL}))
    assert check_view(view, HOME) is None
    assert ":speech_balloon: 2 replies from 2 people in the threads" in json.dumps(view["blocks"])
    assert "replies from" not in json.dumps(home_view(gather(services, TEAM, "U0ALICE", None, False, set())))


def test_in_a_burst_replies_are_journaled_acknowledged_and_applied_in_the_order_they_came(http_app, stub, services):
    """Replies are acknowledged from the click journal like votes; a reaction, an edit and a deletion right
    behind a reply are applied after it, never before (which would find no reply and drop them)."""
    digest_ts = post_digest(http_app, stub, services)
    services.runtime.acks = AckFirst(max_wait=60.0)
    long = "算力是瓶颈，电力更是瓶颈。" * 3000  # 39,000 characters, 117,000 bytes: 480 slots of the journal
    with services.acks.handling():  # the burst goes on: nothing is applied by a lull
        first = say(http_app, "first", digest_ts, user="U0ALICE")
        second = say(http_app, long, digest_ts, user="U0BOB")
        react(http_app, first, "U0BOB", "fire")
        react(http_app, second, "U0ALICE", "eyes")
        edit = message_changed_event("first, edited", user_id="U0ALICE", channel_id=CHANNEL, ts=first,
                                     thread_ts=digest_ts)
        assert http_app.post(event_body(edit, team_id=TEAM)).status == 200
        gone = say(http_app, "said in haste", digest_ts, user="U0CAROL")
        assert http_app.post(event_body(message_deleted_event(user_id="U0CAROL", channel_id=CHANNEL, ts=gone,
                                                              thread_ts=digest_ts),
                                        team_id=TEAM)).status == 200
        with sqlite3.connect(services.settings.database_path) as conn:
            assert conn.execute("SELECT count(*) FROM replies").fetchone() == (0,)  # journaled only
        rows = kept(services)  # a read applies what the journal holds
    assert [(r["user_id"], r["text"]) for r in rows] == [("U0ALICE", "first, edited"), ("U0BOB", long)]
    assert services.store.rows("SELECT ts, reaction FROM reply_reactions ORDER BY reaction") == [
        {"ts": second, "reaction": "eyes"}, {"ts": first, "reaction": "fire"}]


def test_a_reply_no_disk_takes_is_not_acknowledged_so_slack_sends_it_again(http_app, stub, services):
    """Acknowledged means kept: when the journal's file is gone, Slack hears an error, not "ok", and the
    delivery it sends again (the same event_id) is kept once."""
    digest_ts = post_digest(http_app, stub, services)
    event = message_event("keep me", user_id="U0ALICE", channel_id=CHANNEL, thread_ts=digest_ts)
    body = event_body(event, team_id=TEAM, event_id="Ev0DISK")
    journal = services.clicks.journal
    journal.path.unlink()
    assert http_app.post(body).status == 503
    assert kept(services) == []
    services.clicks.journal = None  # the disk is back (a new start): written before the acknowledgement
    assert http_app.post(body, {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_error"}).status == 200
    assert http_app.post(body, {"X-Slack-Retry-Num": "2", "X-Slack-Retry-Reason": "http_error"}).status == 200
    assert [r["text"] for r in kept(services)] == ["keep me"]
    journal.close()
