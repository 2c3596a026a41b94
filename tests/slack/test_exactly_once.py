"""Exactly once when Slack's answer is lost (faults.md D7).

Slack takes a post and the connection drops before its answer arrives; or it answers 5xx after storing
it. The app then looks for the post's slot (message metadata) in the channel's history and takes the
message it finds, instead of posting a second copy. The stand-in stores the post and hangs up
(`accept_then_drop`), and answers conversations.history from what it stored.
"""

import datetime as dt
import json
import time
from collections import Counter
from http.client import RemoteDisconnected
from urllib.error import URLError

import pytest
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.state import RetryState

from bot.flows import digests
from bot.flows.digests import find_unrecorded
from bot.scheduler import DigestScheduler, run_plan_now
from bot.slack import message_slots
from bot.slack.posting import (
    HISTORY_PAGE_SIZE,
    ChannelPacer,
    ConnectionErrorRetryHandlerForPosts,
    ServerErrorRetryHandlerForPosts,
)
from store import plans, polls, quizzes, replies, unconfirmed_posts
from tests.conftest import TEAM
from tests.support.schemas import assert_valid_message
from tests.test_scheduler import scheduled_plan

UTC = dt.UTC


@pytest.fixture(autouse=True)
def slack_time(stub):
    """Message ts on Slack's (the real) clock, as the app's `oldest` is reckoned from it."""
    stub.ts_clock = time.time


def channel_messages(stub, channel="C0CHAN"):
    return [m for (ch, _ts), m in sorted(stub.messages.items()) if ch == channel and not m.get("thread_ts")]


def slots_posted(stub, event_type):
    """How many messages the stand-in stored for each slot of `event_type` (every count must be 1), from
    the posts themselves: what a later chat.update does to a message's metadata does not matter here."""
    stored = [c.params.get("metadata") or {} for c in stub.calls("chat.postMessage") if (c.response or {}).get("ok")]
    return Counter(json.dumps(m["event_payload"], sort_keys=True) for m in stored if m.get("event_type") == event_type)


def history_lookups(stub):
    return stub.calls("conversations.history")


# -- digests ---------------------------------------------------------------------------------------

def test_a_digest_slack_took_whose_answer_was_lost_is_not_posted_again(http_app, stub, services):
    stub.accept_then_drop("chat.postMessage")
    before = time.time()
    http_app.command("/digest", "next", user_id="UOWNER")
    reply = stub.wait_for_response()[0]
    services.wait_idle()
    assert "Posted part 1" in reply.params["text"]
    [message] = channel_messages(stub)
    assert len(stub.dropped) == 1 and len(stub.calls("chat.postMessage")) == 1  # never sent twice
    assert message["metadata"] == {"event_type": "digest_item_posted", "event_payload": {
        "team_id": TEAM, "channel_id": "C0CHAN", "run": 1, "item_index": 0,
        "claim_id": plans.posts(services.store, TEAM)[0]["id"]}}
    [lookup] = history_lookups(stub)
    assert lookup.params["channel"] == "C0CHAN" and lookup.params["include_all_metadata"] in (True, "true", "1")
    assert int(lookup.params["limit"]) <= HISTORY_PAGE_SIZE
    assert before - 60 < float(lookup.params["oldest"]) < before  # "a little before the attempt"
    [row] = plans.posts(services.store, TEAM)
    assert row["status"] == "posted" and row["ts"] == message["ts"]
    assert plans.get(services.store, TEAM, "C0CHAN").next_index == 1
    posted = stub.calls("chat.postMessage")[0].params
    assert_valid_message(posted)

    http_app.command("/digest", "next", user_id="UOWNER")  # the plan moved on: the next item, once
    stub.wait_for_response(count=2)
    services.wait_idle()
    assert sorted(slots_posted(stub, "digest_item_posted").values()) == [1, 1]
    assert len(history_lookups(stub)) == 1  # an answered post is never looked up


def test_a_digest_dropped_before_slack_stored_it_is_posted_once_more(http_app, stub, services):
    stub.accept_then_drop("chat.postMessage", taken=False)
    http_app.command("/digest", "next", user_id="UOWNER")
    assert "Posted part 1" in stub.wait_for_response()[0].params["text"]
    services.wait_idle()
    assert len(stub.calls("chat.postMessage")) == 2 and len(history_lookups(stub)) == 1
    [message] = channel_messages(stub)
    assert plans.posts(services.store, TEAM)[0]["ts"] == message["ts"]


def test_unreadable_history_posts_nothing_more_and_the_next_try_looks_first(http_app, stub, services):
    """The safe side: without `channels:history` the app can't tell, so it does not post a second copy;
    the item stays next, and the next `/digest next` finds the first copy instead of posting."""
    stub.accept_then_drop("chat.postMessage")
    stub.respond_error("conversations.history", "missing_scope", times=1, needed="channels:history")
    http_app.command("/digest", "next", user_id="UOWNER")
    assert "answer was lost" in stub.wait_for_response()[0].params["text"]
    services.wait_idle()
    [message] = channel_messages(stub)
    plan = plans.get(services.store, TEAM, "C0CHAN")
    assert plan.next_index == 0 and plans.posts(services.store, TEAM) == []  # the item stays next
    # a missing history scope is no reason to stop the plan: its owner is not told it was paused
    assert [c for c in stub.calls("chat.postMessage") if c.params["channel"] != "C0CHAN"] == []

    http_app.command("/digest", "next", user_id="UOWNER")
    assert "Posted part 1" in stub.wait_for_response(count=2)[1].params["text"]
    services.wait_idle()
    assert len(stub.calls("chat.postMessage")) == 1 and channel_messages(stub) == [message]
    [row] = plans.posts(services.store, TEAM)
    assert row["ts"] == message["ts"] and row["item_index"] == 0
    assert unconfirmed_posts.attempted_at(services.store, TEAM, "C0CHAN",
                                          message_slots.digest_item(TEAM, "C0CHAN", run=1, item_index=0,
                                                                    claim_id=0).key) is None


def test_the_scheduler_takes_the_post_whose_answer_was_lost(services, stub, clock):
    scheduled_plan(services)
    stub.accept_then_drop("chat.postMessage")
    clock.set(dt.datetime(2026, 6, 1, 13, 30, tzinfo=UTC))
    outcome = run_plan_now(services, ChannelPacer(interval=0), TEAM, "C0CHAN")
    [message] = channel_messages(stub)
    assert outcome.status == "posted" and outcome.ts == message["ts"]
    assert plans.get(services.store, TEAM, "C0CHAN").next_index == 1
    clock.set(dt.datetime(2026, 6, 2, 13, 30, tzinfo=UTC))  # the next day posts the next item
    assert run_plan_now(services, ChannelPacer(interval=0), TEAM, "C0CHAN").status == "posted"
    assert sorted(slots_posted(stub, "digest_item_posted").values()) == [1, 1]


def test_a_schedules_run_looks_first_for_a_post_whose_outcome_was_unknown(services, stub, clock):
    """A schedule's run reads its batch's unknown attempts in one go (bot/scheduler.py): the channel whose
    post Slack took while its history could not be read is looked up, not posted to again, when the job
    runs again; the channel beside it in the same batch is posted to as usual."""
    for channel in ("C0CHAN", "C0OTHER"):
        scheduled_plan(services, channel=channel, at="09:00", tz="UTC")
    clock.set(dt.datetime(2026, 6, 1, 9, 0, tzinfo=UTC))
    scheduler = DigestScheduler(services, pacer=ChannelPacer(interval=0))
    try:
        stub.accept_then_drop("chat.postMessage", times=None, channel="C0CHAN")
        stub.respond_error("conversations.history", "missing_scope", times=1, needed="channels:history")
        first = scheduler.run_schedule("mon,tue,wed,thu,fri", "09:00", "UTC")
        assert sorted(o.status for o in first) == ["failed", "posted"]
        stub.clear_overrides("chat.postMessage")
        again = scheduler.run_schedule("mon,tue,wed,thu,fri", "09:00", "UTC")  # the catch-up, the same morning
    finally:
        scheduler.shutdown()
    [message] = channel_messages(stub)
    assert [(o.status, o.ts) for o in again] == [("posted", message["ts"])]
    assert len(history_lookups(stub)) == 2 and len(channel_messages(stub, "C0OTHER")) == 1
    assert {r["channel_id"]: r["ts"] for r in plans.posts(services.store, TEAM)}["C0CHAN"] == message["ts"]
    assert sorted(slots_posted(stub, "digest_item_posted").values()) == [1, 1]


def test_a_start_records_the_digests_a_killed_run_posted_and_never_recorded(services, stub, clock, monkeypatch):
    """A schedule's run records its answered posts in batches, so a process killed in between leaves posts
    Slack took with no ts in the store. The next start finds each by its slot and records it (replies in its
    thread are then kept); one Slack never got stays claimed and skipped, and nothing is posted again."""
    for channel in ("C0CHAN", "C0OTHER"):
        scheduled_plan(services, channel=channel, at="09:00", tz="UTC")
    clock.set(dt.datetime(2026, 6, 1, 9, 0, tzinfo=UTC))
    claims = {c.plan.channel_id: c for c in plans.claim_due(services.store, [(TEAM, "C0CHAN"), (TEAM, "C0OTHER")],
                                                              lambda plan: "2026-06-01")}
    posted = claims["C0CHAN"]  # Slack took it; the process was killed before recording it, and before C0OTHER's
    slot = message_slots.digest_item(TEAM, "C0CHAN", run=posted.plan.run, item_index=0, claim_id=posted.post_id)
    ts = services.client_for(TEAM).chat_postMessage(channel="C0CHAN", text="Introduction",
                                                    metadata=slot.metadata())["ts"]
    assert find_unrecorded(services, time.time()) == 0 and history_lookups(stub) == []  # too young: maybe in flight

    monkeypatch.setattr(digests, "UNRECORDED_AFTER_S", 0.0)
    restarted = DigestScheduler(services, pacer=ChannelPacer(interval=0))
    try:
        restarted.start()
        assert restarted.caught_up.wait(10)
    finally:
        restarted.shutdown()
    rows = {r["channel_id"]: r for r in plans.posts(services.store, TEAM)}
    assert (rows["C0CHAN"]["status"], rows["C0CHAN"]["ts"]) == ("posted", ts)
    assert (rows["C0OTHER"]["status"], rows["C0OTHER"]["ts"]) == ("claimed", None)
    assert replies.thread_of(services.store, TEAM, "C0CHAN", ts) is not None  # its replies are kept now
    assert len(stub.calls("chat.postMessage")) == 1 and len(history_lookups(stub)) == 2


def test_a_5xx_after_slack_stored_the_post_is_not_sent_again(services, stub, clock):
    """slack_sdk's ServerErrorRetryHandler would re-send it blindly; the app looks first."""
    scheduled_plan(services)

    def store_then_fail(call):
        stub.default_response(call)
        return 500, {}, {"ok": False, "error": "internal_error"}

    stub.respond("chat.postMessage", store_then_fail, times=1)
    clock.set(dt.datetime(2026, 6, 1, 13, 30, tzinfo=UTC))
    outcome = run_plan_now(services, ChannelPacer(interval=0), TEAM, "C0CHAN")
    [message] = channel_messages(stub)
    assert outcome.status == "posted" and outcome.ts == message["ts"]
    assert len(stub.calls("chat.postMessage")) == 1 and len(history_lookups(stub)) == 1


def test_a_429_is_still_retried_without_looking(services, stub, clock):
    scheduled_plan(services)
    stub.respond_rate_limited("chat.postMessage", retry_after=0)
    clock.set(dt.datetime(2026, 6, 1, 13, 30, tzinfo=UTC))
    assert run_plan_now(services, ChannelPacer(interval=0), TEAM, "C0CHAN").status == "posted"
    assert len(stub.calls("chat.postMessage")) == 2 and history_lookups(stub) == []
    assert len(channel_messages(stub)) == 1


# -- polls -----------------------------------------------------------------------------------------

def vote(http_app, post, option, user):
    return http_app.click(f"{post.id}|{option}", user_id=user, channel_id=post.channel_id, message_ts=post.ts)


def test_a_poll_whose_answer_was_lost_keeps_its_message_redraws_and_closes_it(http_app, stub, services):
    stub.accept_then_drop("chat.postMessage")
    http_app.command("/discuss", "1", user_id="UHOST")
    assert "Posted poll 1" in stub.wait_for_response()[0].params["text"]
    services.wait_idle()
    [ghost] = channel_messages(stub)
    post = polls.latest_post(services.store, TEAM, "C0CHAN", 1)
    assert post is not None and post.ts == ghost["ts"]
    assert ghost["metadata"] == {"event_type": "poll_posted", "event_payload": {"team_id": TEAM,
                                                                               "poll_post_id": post.id}}
    assert_valid_message(stub.calls("chat.postMessage")[0].params)

    vote(http_app, post, "yes", "U1")
    services.wait_idle()
    assert stub.calls("chat.update")[-1].params["ts"] == ghost["ts"]  # the tally is drawn on that message
    http_app.command("/discuss", "close 1", user_id="UHOST")
    stub.wait_for_response(count=2)
    services.wait_idle()
    assert stub.calls("chat.update")[-1].params["ts"] == ghost["ts"]
    assert slots_posted(stub, "poll_posted") == Counter({json.dumps({"poll_post_id": post.id, "team_id": TEAM},
                                                                    sort_keys=True): 1})
    assert len(slots_posted(stub, "poll_results_posted")) == 1


def test_a_poll_with_unreadable_history_is_kept_and_the_retry_takes_its_message(http_app, stub, services):
    stub.accept_then_drop("chat.postMessage")
    stub.respond_error("conversations.history", "missing_scope", times=1)
    http_app.command("/discuss", "1", user_id="UHOST")
    assert "was lost" in stub.wait_for_response()[0].params["text"]
    services.wait_idle()
    [ghost] = channel_messages(stub)
    ghost_id = ghost["metadata"]["event_payload"]["poll_post_id"]
    kept = polls.get_post(services.store, TEAM, ghost_id)
    assert kept is not None and kept.ts is None  # not discarded: its message may be live
    vote(http_app, kept, "no", "U1")  # a click on the ghost counts toward its own row
    services.wait_idle()

    http_app.command("/discuss", "1", user_id="UHOST")
    assert "Posted poll 1" in stub.wait_for_response(count=2)[-1].params["text"]
    services.wait_idle()
    assert len(stub.calls("chat.postMessage")) == 1 and channel_messages(stub) == [ghost]
    post = polls.latest_post(services.store, TEAM, "C0CHAN", 1)
    assert post.id == ghost_id and post.ts == ghost["ts"]  # the same row, now with its message
    assert polls.vote_counts(services.store, post.id) == {"no": 1}


def test_a_poll_slack_refused_is_discarded(http_app, stub, services):
    stub.respond_error("chat.postMessage", "msg_too_long", times=1)
    http_app.command("/discuss", "1", user_id="UHOST")
    assert "refused poll 1 itself (`msg_too_long`)" in stub.wait_for_response()[0].params["text"]
    services.wait_idle()
    assert services.store.rows("SELECT * FROM poll_posts") == [] and history_lookups(stub) == []


# -- quizzes ---------------------------------------------------------------------------------------

def tick(services):
    for timer in services.timers:
        timer()
    services.wait_idle()


def test_a_quiz_question_whose_answer_was_lost_is_asked_once_and_revealed_in_place(http_app, stub, services,
                                                                                   clock):
    asked_at = clock.now()
    stub.accept_then_drop("chat.postMessage")
    http_app.command("/quiz", "1 timer 30", user_id="UHOST")
    stub.wait_for("chat.postMessage")
    services.wait_idle()
    [question] = channel_messages(stub)
    quiz = quizzes.running(services.store, TEAM, "C0CHAN")[0]
    assert question["metadata"] == {"event_type": "quiz_question_posted",
                                    "event_payload": {"team_id": TEAM, "quiz_id": quiz.id, "position": 0}}
    assert quizzes.asked(services.store, quiz.id, 0).ts == question["ts"]
    assert_valid_message(stub.calls("chat.postMessage")[0].params)

    clock.set(asked_at + dt.timedelta(seconds=31))
    tick(services)
    assert stub.calls("chat.update")[-1].params["ts"] == question["ts"]  # the reveal replaces it
    assert list(slots_posted(stub, "quiz_question_posted").values()) == [1]
    assert list(slots_posted(stub, "quiz_results_posted").values()) == [1]


def test_a_first_question_with_unreadable_history_is_found_by_the_next_tick(http_app, stub, services):
    stub.accept_then_drop("chat.postMessage")
    stub.respond_error("conversations.history", "missing_scope", times=1)
    http_app.command("/quiz", "1 timer 30", user_id="UHOST")
    stub.wait_for("chat.postMessage")
    services.wait_idle()
    [quiz] = quizzes.running(services.store, TEAM, "C0CHAN")  # kept running: the question may be live
    assert quizzes.asked(services.store, quiz.id, 0) is None
    tick(services)
    [question] = channel_messages(stub)
    assert len(stub.calls("chat.postMessage")) == 1 and quizzes.asked(services.store, quiz.id, 0).ts == question["ts"]


def test_quiz_results_whose_answer_was_lost_are_posted_once(http_app, stub, services, clock):
    asked_at = clock.now()
    http_app.command("/quiz", "1 timer 30", user_id="UHOST")
    stub.wait_for("chat.postMessage")
    services.wait_idle()
    stub.accept_then_drop("chat.postMessage")  # the results
    clock.set(asked_at + dt.timedelta(seconds=31))
    tick(services)
    tick(services)  # a later tick would post results again if they were not recorded
    [row] = services.store.rows("SELECT id FROM quizzes")
    quiz = quizzes.get(services.store, TEAM, row["id"])
    assert list(slots_posted(stub, "quiz_results_posted").values()) == [1] and len(stub.dropped) == 1
    [results] = [c for c in stub.calls("chat.postMessage")
                 if c.params["metadata"]["event_type"] == "quiz_results_posted"]
    assert quiz.results_ts == results.response["ts"] and (quiz.channel_id, quiz.results_ts) in stub.messages


# -- the pieces ------------------------------------------------------------------------------------

def test_slot_metadata_follows_slacks_rules_and_matches_on_identity_only():
    slot = message_slots.digest_item("T1", "C1", run=2, item_index=3, claim_id=40)
    metadata = slot.metadata()
    assert metadata["event_type"].replace("_", "").isalnum() and metadata["event_type"].islower()
    assert all(isinstance(v, (str, int, bool)) for v in metadata["event_payload"].values())
    assert len(json.dumps(metadata)) < 1000
    again = message_slots.digest_item("T1", "C1", run=2, item_index=3, claim_id=41)  # claimed again
    assert again.is_in({"ts": "1.0", "metadata": metadata}) and again.key == slot.key
    other_run = message_slots.digest_item("T1", "C1", run=3, item_index=3, claim_id=41)
    assert not other_run.is_in({"ts": "1.0", "metadata": metadata})
    assert not message_slots.poll("T1", 3).is_in({"ts": "1.0", "metadata": metadata})
    assert message_slots.find(slot, [{"ts": "2.0"}, {"ts": "1.0", "metadata": metadata}]) == "1.0"
    assert message_slots.find(slot, [{"ts": "2.0", "text": "no metadata"}]) is None


def request(method):
    return HttpRequest(method="POST", url=f"https://slack.com/api/{method}", headers={})


def test_posts_are_not_resent_blindly_but_unsent_ones_and_other_methods_are():
    connection = ConnectionErrorRetryHandlerForPosts(max_retry_count=2)
    server = ServerErrorRetryHandlerForPosts(max_retry_count=2)
    from slack_sdk.http_retry.response import HttpResponse
    five_hundred = HttpResponse(status_code=500, headers={})
    post, update = request("chat.postMessage"), request("chat.update")
    assert not connection.can_retry(state=RetryState(), request=post, error=RemoteDisconnected())
    assert not connection.can_retry(state=RetryState(), request=post, error=ConnectionResetError())
    assert connection.can_retry(state=RetryState(), request=post, error=URLError("refused"))  # never sent
    assert connection.can_retry(state=RetryState(), request=update, error=RemoteDisconnected())
    assert not server.can_retry(state=RetryState(), request=post, response=five_hundred)
    assert server.can_retry(state=RetryState(), request=update, response=five_hundred)


def test_the_stand_ins_history_answers_like_slack(stub):
    from slack_sdk import WebClient
    client = WebClient(base_url=stub.base_url, token="xoxb-test", retry_handlers=[])
    metadata = {"event_type": "x_posted", "event_payload": {"id": 1}}
    first = client.chat_postMessage(channel="C1", text="one", metadata=metadata)["ts"]
    second = client.chat_postMessage(channel="C1", text="two")["ts"]
    client.chat_postMessage(channel="C2", text="elsewhere")
    client.chat_postMessage(channel="C1", text="reply", thread_ts=first)
    plain = client.conversations_history(channel="C1")
    assert [m["text"] for m in plain["messages"]] == ["two", "one"] and "metadata" not in plain["messages"][1]
    assert set(plain.data) >= {"ok", "messages", "has_more", "pin_count", "response_metadata"}
    rich = client.conversations_history(channel="C1", include_all_metadata=True)
    assert rich["messages"][1]["metadata"] == metadata
    assert [m["text"] for m in client.conversations_history(channel="C1", oldest=first)["messages"]] == ["two"]
    assert [m["text"] for m in client.conversations_history(channel="C1", latest=second)["messages"]] == ["one"]
    assert [m["text"] for m in client.conversations_history(channel="C1", oldest=first, inclusive=True)[
        "messages"]] == ["two", "one"]
    page = client.conversations_history(channel="C1", limit=1)
    assert page["has_more"] and [m["text"] for m in page["messages"]] == ["two"]
    rest = client.conversations_history(channel="C1", limit=1, cursor=page["response_metadata"]["next_cursor"])
    assert not rest["has_more"] and [m["text"] for m in rest["messages"]] == ["one"]


def test_accept_then_drop_hangs_up_quickly(stub):
    from slack_sdk import WebClient
    client = WebClient(base_url=stub.base_url, token="xoxb-test", retry_handlers=[], timeout=30)
    stub.accept_then_drop("chat.postMessage")
    started = time.monotonic()
    with pytest.raises((ConnectionError, OSError)):
        client.chat_postMessage(channel="C1", text="lost answer")
    assert time.monotonic() - started < 2
    assert [m["text"] for m in stub.messages.values()] == ["lost answer"]
    assert client.chat_postMessage(channel="C1", text="answered")["ok"]  # only the next call was dropped
