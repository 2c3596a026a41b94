"""Whole poll flows through the real HTTP endpoint: every Slack payload valid, anonymity everywhere, fallbacks,
scheduled polls, closing rights and hostile button values."""

import datetime as dt
import json
import threading

import pytest

from bot.scheduler import run_plan_now
from bot.slack.posting import ChannelPacer
from store import plans, polls
from tests.conftest import TEAM
from tests.support.schemas import assert_valid_message, assert_valid_modal

UTC = dt.UTC
OPTIONS = ["yes", "layers", "no", "unsure"]
MESSAGE_METHODS = ("chat.postMessage", "chat.update")  # notes to one person go through response_urls


def reply(http_app, stub, text, user_id="UHOST"):
    """Send `/discuss text` and return the ephemeral reply it gets through the response_url."""
    before = len(stub.response_posts)
    http_app.command("/discuss", text, user_id=user_id)
    return stub.wait_for_response(count=before + 1)[before].params["text"]


def posted(http_app, stub, services, text, user_id="UHOST"):
    assert reply(http_app, stub, text, user_id).startswith("Posted poll")
    services.wait_idle()
    return polls.latest_post(services.store, TEAM, "C0CHAN", int(text.split()[0]) if text[:1].isdigit() else 1)


def vote(http_app, post, option, user):
    return http_app.click(f"{post.id}|{option}", fallback_action_id="poll.vote.0", user_id=user,
                          channel_id=post.channel_id, message_ts=post.ts,
                          response_url=http_app.stub.response_url(f"vote-{user}"))


def comment(http_app, post, text, user):
    values = {"comment": {"comment_text": {"type": "plain_text_input", "value": text}}}
    return http_app.submit_view("poll.comment_view", values, user_id=user, private_metadata=str(post.id))


def settle(services, clock):
    """Let the coalesced tally catch up: move the clock past the interval and draw what is queued."""
    services.wait_idle()
    clock.advance(seconds=services.live.coalescer.interval)
    services.live.flush()
    services.wait_idle()


def payload(call):
    """The message as sent, without `team_id` (a Web API argument Bolt's request client adds, not content)."""
    return {k: v for k, v in call.params.items() if k != "team_id"}


def shown(call):
    """What a person could read in a call: everything but the addressing (channel, user, ts)."""
    return json.dumps({k: v for k, v in payload(call).items() if k not in ("channel", "user", "ts", "thread_ts")},
                      ensure_ascii=False)


def run_whole_flow(http_app, stub, services, clock, options=""):
    """Post, vote, move, repeat, open the comment form, comment, read results, close: a poll's whole life."""
    post = posted(http_app, stub, services, f"1 {options}".strip())
    acks = [http_app.command("/discuss", "help").json(), http_app.command("/discuss", "9 sideways").json()]
    for user, option in (("UALICE", "yes"), ("UBOB", "no"), ("UALICE", "layers"), ("UBOB", "no")):
        assert vote(http_app, post, option, user).status == 200
    http_app.action("poll.comment", str(post.id), user_id="UALICE", channel_id="C0CHAN", message_ts=post.ts)
    stub.wait_for("views.open")
    comment(http_app, post, "I think <!here> & so", "UALICE")
    services.wait_idle()  # two comments posted at once may reach the thread in either order
    comment(http_app, post, "Bob's view", "UBOB")
    settle(services, clock)
    acks.append(http_app.command("/discuss", "results 1", user_id="UCAROL").json())
    assert "is closed" in reply(http_app, stub, "close 1")
    services.wait_idle()
    vote(http_app, post, "yes", "UCAROL")  # too late
    services.wait_idle()
    return post, acks


def test_every_message_and_modal_of_a_polls_life_is_valid_block_kit(http_app, stub, services, clock):
    post, acks = run_whole_flow(http_app, stub, services, clock)
    messages = [c for c in stub.calls() if c.method in MESSAGE_METHODS]
    assert {c.method for c in messages} == set(MESSAGE_METHODS)
    for call in messages:
        assert_valid_message(payload(call))
    for call in stub.calls("views.open"):
        assert_valid_modal(call.params["view"])
    for call in stub.response_posts:
        assert_valid_message(call.params)
    for ack in acks:
        assert_valid_message(ack)
    charts = [b for c in messages for b in c.params.get("blocks", []) if b["type"] == "data_visualization"]
    assert charts  # the tally really was drawn as a chart, and each chart is consistent
    for chart in charts:
        categories = chart["chart"]["axis_config"]["categories"]
        assert [p["label"] for p in chart["chart"]["series"][0]["data"]] == categories


def test_an_anonymous_poll_shows_no_voter_or_commenter_anywhere(http_app, stub, services, clock):
    post, acks = run_whole_flow(http_app, stub, services, clock, options="anonymous")
    everything = [shown(c) for c in stub.calls()] + [shown(c) for c in stub.response_posts] + \
        [json.dumps(a, ensure_ascii=False) for a in acks]
    for who in ("UALICE", "UBOB"):
        assert not [text for text in everything if who in text], who
    thread = [c for c in stub.calls("chat.postMessage") if c.params.get("thread_ts") == post.ts]
    assert [c.params["text"] for c in thread] == ["Someone (anonymous): I think &lt;!here&gt; &amp; so",
                                                  "Someone (anonymous): Bob's view"]
    results = next(c for c in stub.calls("chat.postMessage") if c.params["text"].startswith("Results:"))
    assert "Bob's view" in shown(results) and "2 voted." in shown(results)
    # the people are still counted once each, by id, in the store only
    assert polls.vote_counts(services.store, post.id) == {"layers": 1, "no": 1}


def test_a_named_poll_credits_commenters_in_the_thread(http_app, stub, services, clock):
    post, _ = run_whole_flow(http_app, stub, services, clock)
    thread = [c.params["text"] for c in stub.calls("chat.postMessage") if c.params.get("thread_ts") == post.ts]
    assert thread == ["<@UALICE>: I think &lt;!here&gt; &amp; so", "<@UBOB>: Bob's view"]


def test_a_late_vote_is_refused_politely_and_only_to_the_voter(http_app, stub, services, clock):
    post, _ = run_whole_flow(http_app, stub, services, clock)
    refusal = stub.wait_for_response(name="vote-UCAROL")[-1]  # her click's own response_url: only she sees it
    assert refusal.params["response_type"] == "ephemeral" and "has closed" in refusal.params["text"]
    assert polls.vote_counts(services.store, post.id) == {"layers": 1, "no": 1}


def test_a_workspace_whose_slack_refuses_charts_gets_text_bars_and_keeps_its_tables(http_app, stub, services, clock):
    """Slack's refusal points at the chart block: that message goes out without it, and so do the workspace's
    next ones for a while; the quiz's table, which Slack never named, is still drawn."""
    stub.unsupported_blocks = {"data_visualization"}
    stub.expect_refusals()
    post = posted(http_app, stub, services, "2")
    vote(http_app, post, "yes", "U1")
    settle(services, clock)
    assert "is closed" in reply(http_app, stub, "close 2")
    services.wait_idle()
    [(first, answer)] = stub.refused[:1]
    assert answer["error"] == "invalid_blocks" and "json-pointer:/blocks/" in answer["errors"][0]
    results = stub.calls("chat.postMessage")[-1]
    assert "data_visualization" not in json.dumps(results.params["blocks"])
    assert "`████████████` 1 (100%)" in json.dumps(results.params["blocks"], ensure_ascii=False)
    assert polls.get_post(services.store, TEAM, post.id).results_ts == results.response["ts"]
    refused_before = len(stub.refused)
    other = posted(http_app, stub, services, "3")  # drawn with text bars straight away: nothing refused
    vote(http_app, other, "yes", "U1")
    services.wait_idle()
    assert len(stub.refused) == refused_before
    assert "data_visualization" not in json.dumps(stub.calls("chat.update")[-1].params["blocks"])
    assert services.block_refusals.omitted(TEAM) == {"data_visualization"}  # tables are not marked


def test_a_refusal_that_names_no_block_falls_back_for_that_message_only(http_app, stub, services, clock):
    post = posted(http_app, stub, services, "2")
    vote(http_app, post, "yes", "U1")
    settle(services, clock)
    stub.respond("chat.postMessage", {"ok": False, "error": "invalid_blocks"}, times=1)
    assert "is closed" in reply(http_app, stub, "close 2")
    services.wait_idle()
    refused, retried = stub.calls("chat.postMessage")[-2:]
    assert "data_visualization" in json.dumps(refused.params["blocks"])
    assert "data_visualization" not in json.dumps(retried.params["blocks"])
    other = posted(http_app, stub, services, "3")
    vote(http_app, other, "yes", "U1")
    services.wait_idle()
    assert "data_visualization" in json.dumps(stub.calls("chat.update")[-1].params["blocks"])  # not a guess


def test_a_refusal_of_the_apps_own_blocks_tells_the_poster_the_real_cause(http_app, stub, services):
    stub.respond("chat.postMessage", {"ok": False, "error": "invalid_blocks", "errors": [
        "duplicate action_id [json-pointer:/blocks/2/elements/1/action_id]"]}, times=1)
    text = reply(http_app, stub, "1")
    assert "refused poll 1 itself (`invalid_blocks`)" in text and "fault in the app" in text
    assert "invite" not in text.lower()
    assert len(stub.calls("chat.postMessage")) == 1  # the same payload is not sent again
    assert services.block_refusals.omitted(TEAM) == frozenset()
    assert polls.latest_post(services.store, TEAM, "C0CHAN", 1) is None  # Slack said no: no row left behind


def test_a_poll_in_a_channel_the_app_is_not_in_says_to_invite_it(http_app, stub, services):
    stub.respond_error("chat.postMessage", "channel_not_found", times=1)
    assert "Invite me with `/invite`" in reply(http_app, stub, "1")


def test_an_error_other_than_invalid_blocks_is_not_retried_as_text(http_app, stub, services, clock):
    post = posted(http_app, stub, services, "1")
    stub.respond("chat.update", {"ok": False, "error": "message_not_found"}, times=1)
    vote(http_app, post, "yes", "U1")
    services.wait_idle()
    assert len(stub.calls("chat.update")) == 1
    assert polls.vote_counts(services.store, post.id) == {"yes": 1}  # the vote stands regardless


def test_an_admin_may_close_a_poll_someone_else_posted(http_app, stub, services):
    posted(http_app, stub, services, "1")
    assert "Sorry, only <@UHOST>" in reply(http_app, stub, "close 1", user_id="USTRANGER")
    assert "is closed" in reply(http_app, stub, "close 1", user_id="UADMIN")
    assert "already closed" in reply(http_app, stub, "close 1", user_id="UHOST")


def test_commenting_on_a_closed_poll_is_refused_in_the_form(http_app, stub, services):
    post = posted(http_app, stub, services, "1")
    assert "is closed" in reply(http_app, stub, "close 1")
    services.wait_idle()
    answer = comment(http_app, post, "too late?", "U1").json()
    assert answer["response_action"] == "errors" and "closed" in json.dumps(answer["errors"])
    assert polls.comments(services.store, TEAM, post.id) == []


def test_an_overlong_comment_is_refused_in_the_form(http_app, stub, services):
    post = posted(http_app, stub, services, "1")
    answer = comment(http_app, post, "x" * 1001, "U1").json()
    assert answer["response_action"] == "errors" and "1000" in json.dumps(answer["errors"])


@pytest.mark.parametrize("value", ["", "abc|yes", "99999|yes", "{post}|bogus", "{post}", "|||"])
def test_forged_or_stale_button_values_change_nothing(http_app, stub, services, value):
    post = posted(http_app, stub, services, "1")
    response = http_app.action("poll.vote.0", value.format(post=post.id), user_id="U1", channel_id="C0CHAN",
                               message_ts=post.ts)
    services.wait_idle()
    assert response.status == 200
    assert polls.vote_counts(services.store, post.id) == {}
    assert not stub.calls("chat.update")


def test_a_reading_plan_posts_the_polls_and_they_take_votes(http_app, stub, services, clock):
    plans.ensure(services.store, TEAM, "C0CHAN", pack_id="sample", language="zh-Hant", days="", post_time="09:30",
                 timezone="UTC", created_by="UOWNER")
    plans.set_schedule(services.store, TEAM, "C0CHAN", days="mon,tue,wed,thu,fri,sat,sun", post_time="09:30",
                       timezone="UTC", now=dt.datetime(2026, 5, 31, tzinfo=UTC).timestamp())
    pacer = ChannelPacer(interval=0.0)
    for day in range(6):  # five sections, then the first poll
        clock.set(dt.datetime(2026, 6, 1, 9, 30, tzinfo=UTC) + dt.timedelta(days=day))
        assert run_plan_now(services, pacer, TEAM, "C0CHAN").status == "posted"
    poll_message = stub.calls("chat.postMessage")[-1]
    assert poll_message.params["text"].startswith("投票:模型會商品化嗎? · A. 會 0 · ")
    post = polls.latest_post(services.store, TEAM, "C0CHAN", 1)
    assert post.ts == poll_message.response["ts"] and post.posted_by == "UOWNER" and post.language == "zh-Hant"
    assert polls.latest_post(services.store, TEAM, "C0CHAN", 2) is None  # one poll per scheduled day
    vote(http_app, post, "yes", "U1")
    vote(http_app, post, "no", "U1")
    services.wait_idle()
    assert stub.wait_for_response(name="vote-U1")[-1].params["text"].endswith("改投「不會」。")
    assert_valid_message(payload(stub.calls("chat.update")[-1]))
    assert "投票 1 已結束" in reply(http_app, stub, "close 1", user_id="UOWNER")  # in the channel's language


@pytest.mark.slow
def test_a_burst_of_1000_votes_over_http_loses_none(http_app, stub, services, clock):
    post = posted(http_app, stub, services, "1")
    statuses: list[int] = []
    barrier = threading.Barrier(25)

    def voter(n):
        barrier.wait()
        for i in range(40):
            statuses.append(vote(http_app, post, OPTIONS[i % 4], f"U{n:02d}{i:02d}").status)

    threads = [threading.Thread(target=voter, args=(n,)) for n in range(25)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert statuses == [200] * 1000
    settle(services, clock)
    assert polls.vote_counts(services.store, post.id) == {option: 250 for option in OPTIONS}
    updates = stub.calls("chat.update")
    assert len(updates) == 2  # one at once, one for everything after: the clock moved a single interval
    assert "*1000* voted" in json.dumps(updates[-1].params["blocks"])
