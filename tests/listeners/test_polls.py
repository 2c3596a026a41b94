"""Polls end to end: signed /discuss, votes and comment submissions through the real HTTP endpoint."""

import json
import threading

import pytest

from bot.flows import polls as poll_flow
from store import polls
from tests.conftest import TEAM
from tests.support.schemas import assert_valid_blocks, assert_valid_message, assert_valid_modal

HOSTILE = "<!channel> hey <@U123> & <script>alert(1)</script> @here"


def post_polls(http_app, stub, services, text="", count=3, user_id="UHOST"):
    http_app.command("/discuss", text, user_id=user_id)
    posts = stub.wait_for("chat.postMessage", count=count)
    services.wait_idle()
    return posts


def chart_consistent(block):
    """Slack's runtime rule the JSON schema can't express: one data point per category, labels matching."""
    chart = block["chart"]
    categories = chart["axis_config"]["categories"]
    assert len(set(categories)) == len(categories)
    for series in chart["series"]:
        assert [p["label"] for p in series["data"]] == categories


def vote(http_app, post, option, user):
    """A click on an option, with a response_url of its own (a note about the vote goes there, as in Slack)."""
    return http_app.click(f"{post.id}|{option}", fallback_action_id="poll.vote.0", user_id=user,
                          channel_id=post.channel_id, message_ts=post.ts,
                          response_url=http_app.stub.response_url(f"vote-{user}"))


def notes_to(stub, user, count=1):
    """The private notes `user`'s clicks got through their response_urls (waiting for `count` of them)."""
    return [c.params for c in stub.wait_for_response(count=count, name=f"vote-{user}")]


def test_discuss_posts_three_valid_polls_with_buttons(http_app, stub, services):
    posts = post_polls(http_app, stub, services)
    for call in posts:
        assert_valid_message(call.params)
    texts = [c.params["text"] for c in posts]
    assert [t.split(" · ")[0] for t in texts] == [
        "Poll: Will models be commoditised?", "Poll: Is memory a moat?", "Poll: Is the compute bet sound?"]
    # the text carries the counts too (notifications, screen readers, clients that draw no chart)
    assert texts[0].endswith(" · A. Yes 0 · B. Only the lower layers 0 · C. No 0 · D. Too early to say 0 · 0 voted.")
    buttons = [e for b in posts[0].params["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert [b["text"]["text"] for b in buttons][:4] == ["A. Yes", "B. Only the lower layers", "C. No",
                                                         "D. Too early to say"]
    assert "Posted polls 1, 2, 3" in stub.wait_for_response()[0].params["text"]


def test_votes_move_and_a_repeat_click_keeps_the_vote(http_app, stub, services, clock):
    post_polls(http_app, stub, services, "1", count=1)
    post = polls.latest_post(services.store, TEAM, "C0CHAN", 1)
    vote(http_app, post, "yes", "U1")
    services.wait_idle()
    vote(http_app, post, "no", "U1")
    services.wait_idle()
    vote(http_app, post, "no", "U1")
    services.wait_idle()
    assert polls.vote_counts(services.store, post.id) == {"no": 1}
    notes = notes_to(stub, "U1", count=2)
    assert len(notes) == 2  # a first vote shows in the tally; the move and the repeat are explained
    assert "moved to *No*" in notes[0]["text"] and "already counted" in notes[1]["text"]
    for note in notes:  # to the voter alone, leaving the poll message as it is
        assert note["response_type"] == "ephemeral" and note["replace_original"] is False
        assert_valid_message(note)
    assert stub.calls("chat.postEphemeral") == []  # none of the workspace's Web API allowance spent
    # the first vote redrew the poll at once; the move is drawn when the second has passed
    assert len(stub.calls("chat.update")) == 1
    clock.advance(seconds=services.live.coalescer.interval)
    services.live.flush()
    services.wait_idle()
    update = stub.calls("chat.update")[-1]
    assert update.params["ts"] == post.ts
    assert_valid_blocks(update.params["blocks"])
    chart = next(b for b in update.params["blocks"] if b["type"] == "data_visualization")
    chart_consistent(chart)
    assert [p["value"] for p in chart["chart"]["series"][0]["data"]] == [0, 0, 1, 0]


def test_a_burst_of_votes_loses_none_and_updates_are_coalesced(http_app, stub, services, clock):
    post_polls(http_app, stub, services, "2", count=1)
    post = polls.latest_post(services.store, TEAM, "C0CHAN", 2)
    options = ["yes", "no", "partly", "unsure"]
    barrier, statuses = threading.Barrier(20), []

    def voter(n):
        barrier.wait()
        for i in range(10):
            user = f"U{n:02d}{i:02d}"
            statuses.append(vote(http_app, post, options[(n + i) % 4], user).status)

    threads = [threading.Thread(target=voter, args=(n,)) for n in range(20)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert statuses == [200] * 200
    services.wait_idle()
    counts = polls.vote_counts(services.store, post.id)
    assert sum(counts.values()) == 200 and counts == {"yes": 50, "no": 50, "partly": 50, "unsure": 50}
    assert len(stub.calls("chat.update")) == 1  # all within one second of the fixture clock
    clock.advance(seconds=1)
    services.live.flush()
    assert len(stub.calls("chat.update")) == 1  # still within the interval: nothing more yet
    clock.advance(seconds=services.live.coalescer.interval - 1)
    services.live.flush()
    services.wait_idle()
    final = stub.calls("chat.update")[-1]
    assert len(stub.calls("chat.update")) == 2
    assert "*200* voted" in json.dumps(final.params["blocks"])


def test_hostile_comments_are_escaped_in_the_thread(http_app, stub, services):
    post_polls(http_app, stub, services, "3", count=1)
    post = polls.latest_post(services.store, TEAM, "C0CHAN", 3)
    http_app.action("poll.comment", str(post.id), user_id="U1", channel_id="C0CHAN", message_ts=post.ts)
    view = stub.wait_for("views.open")[0].params["view"]
    assert_valid_modal(view)
    response = http_app.submit_view("poll.comment_view", {"comment": {"comment_text": {
        "type": "plain_text_input", "value": HOSTILE}}}, user_id="U1", private_metadata=str(post.id))
    assert response.status == 200
    services.wait_idle()
    reply = stub.calls("chat.postMessage")[-1]
    assert reply.params["thread_ts"] == post.ts
    text = json.dumps(reply.params, ensure_ascii=False)
    for raw in ("<!channel>", "<@U123>", "<script>", " & "):
        assert raw not in text.replace('"<@U1>', '"')
    assert "&lt;!channel&gt;" in text and "&amp;" in text and "&lt;script&gt;" in text and "@\u200bhere" in text
    stored = polls.comments(services.store, TEAM, post.id)
    assert stored[0]["text"] == HOSTILE  # kept as typed; escaped only when shown


def test_empty_comment_is_refused_in_the_modal(http_app, services):
    response = http_app.submit_view("poll.comment_view", {"comment": {"comment_text": {
        "type": "plain_text_input", "value": "   "}}}, user_id="U1", private_metadata="1")
    assert response.json()["response_action"] == "errors"


def test_anonymous_poll_shows_no_names_anywhere(http_app, stub, services, clock):
    post_polls(http_app, stub, services, "1 anonymous", count=1)
    post = polls.latest_post(services.store, TEAM, "C0CHAN", 1)
    assert "names are never shown" in json.dumps(stub.calls("chat.postMessage")[0].params["blocks"])
    for user in ("UALICE", "UBOB"):
        vote(http_app, post, "yes", user)
    http_app.submit_view("poll.comment_view", {"comment": {"comment_text": {"type": "plain_text_input",
                         "value": "I agree"}}}, user_id="UALICE", private_metadata=str(post.id))
    services.wait_idle()
    http_app.command("/discuss", "close 1", user_id="UHOST")
    stub.wait_for_response(count=2)
    services.wait_idle()
    channel_traffic = [c for c in stub.calls() if c.method in ("chat.postMessage", "chat.update")]
    blob = json.dumps([c.params for c in channel_traffic])
    assert "UALICE" not in blob and "UBOB" not in blob
    assert "Someone (anonymous): I agree" in blob
    from bot.flows.export import rows
    exported = rows(services, team_id=TEAM)
    assert exported and all(r["user_id"] == "" for r in exported)


def test_closing_posts_results_and_later_votes_are_refused(http_app, stub, services):
    post_polls(http_app, stub, services, "1", count=1)
    post = polls.latest_post(services.store, TEAM, "C0CHAN", 1)
    vote(http_app, post, "layers", "U1")
    services.wait_idle()
    http_app.command("/discuss", "close 1", user_id="USTRANGER")
    assert "Sorry, only <@UHOST>" in stub.wait_for_response(count=2)[-1].params["text"]
    http_app.command("/discuss", "close 1", user_id="UHOST")
    assert "is closed" in stub.wait_for_response(count=3)[-1].params["text"]
    services.wait_idle()
    results = stub.calls("chat.postMessage")[-1]
    assert results.params["text"].startswith("Results:")
    assert_valid_message(results.params)
    assert "1 voted" in json.dumps(results.params["blocks"])
    vote(http_app, post, "no", "U2")
    services.wait_idle()
    assert "has closed" in notes_to(stub, "U2")[-1]["text"]
    assert polls.vote_counts(services.store, post.id) == {"layers": 1}


def test_a_closing_time_closes_the_poll_on_the_timer(http_app, stub, services, clock):
    post_polls(http_app, stub, services, "2 closes in 2h", count=1)
    post = polls.latest_post(services.store, TEAM, "C0CHAN", 2)
    assert "Closes" in json.dumps(stub.calls("chat.postMessage")[0].params["blocks"])
    [timer() for timer in services.timers]
    assert polls.get_post(services.store, TEAM, post.id).closed_at is None
    clock.advance(hours=2)
    [timer() for timer in services.timers]
    assert polls.get_post(services.store, TEAM, post.id).closed_at is not None
    assert stub.calls("chat.postMessage")[-1].params["text"].startswith("Results:")


def test_hidden_results_stay_hidden_until_close(http_app, stub, services):
    post_polls(http_app, stub, services, "1 hidden", count=1)
    post = polls.latest_post(services.store, TEAM, "C0CHAN", 1)
    vote(http_app, post, "yes", "U1")
    services.wait_idle()
    update = stub.calls("chat.update")[-1]
    assert "data_visualization" not in json.dumps(update.params["blocks"])
    assert "hidden until the poll closes" in json.dumps(update.params["blocks"])
    reply = http_app.command("/discuss", "results 1").json()
    assert "hidden until it closes" in json.dumps(reply["blocks"])


def test_invalid_blocks_falls_back_to_text_bars(http_app, stub, services):
    post_polls(http_app, stub, services, "1", count=1)
    post = polls.latest_post(services.store, TEAM, "C0CHAN", 1)
    stub.respond("chat.update", {"ok": False, "error": "invalid_blocks"}, times=1)
    vote(http_app, post, "yes", "U1")
    services.wait_idle()
    updates = stub.calls("chat.update")
    assert len(updates) == 2
    assert "data_visualization" in json.dumps(updates[0].params["blocks"])
    assert "data_visualization" not in json.dumps(updates[1].params["blocks"])
    assert "`█" in json.dumps(updates[1].params["blocks"], ensure_ascii=False)


@pytest.mark.parametrize("text", ["7", "close", "1 sideways", "results 1 2"])
def test_bad_discuss_input_gets_the_right_form(http_app, text):
    reply = http_app.command("/discuss", text).json()
    assert reply["response_type"] == "ephemeral" and "/discuss" in json.dumps(reply)


def test_posts_from_every_feature_share_one_pacer_per_channel(http_app, stub, services, clock):
    """Slack takes about one post a second per channel (https://docs.slack.dev/apis/web-api/rate-limits):
    three polls and a quiz question in one channel go out a pacer's interval apart, whichever feature
    posts them, while a poll in another channel goes out at once."""
    post_polls(http_app, stub, services, "")  # three polls in C0CHAN
    http_app.command("/quiz", "1", user_id="UHOST")  # its question, in C0CHAN too
    http_app.command("/discuss", "1", user_id="UHOST", channel_id="C0SIDE")
    stub.wait_for("chat.postMessage", count=5)
    services.wait_idle()
    now, interval = clock.now().timestamp(), services.pacer.interval
    assert sorted(c.params["channel"] for c in stub.calls("chat.postMessage")) == ["C0CHAN"] * 4 + ["C0SIDE"]
    spaced = [now + n * interval for n in range(4)]
    assert services.pacer.turns_in("C0CHAN") == pytest.approx(spaced, abs=1e-6)
    assert services.pacer.turns_in("C0SIDE") == pytest.approx([now], abs=1e-6)  # not queued behind C0CHAN


def test_a_poll_closed_the_moment_after_a_vote_still_counts_it(http_app, stub, services, clock):
    """A vote is journaled when it is acknowledged and applied once the requests lull (bot/ingest/clicks.py).
    Closing the poll right after the acknowledgement, before that lull, must still count it: closing
    applies the journal first."""
    post_polls(http_app, stub, services, "1", count=1)
    post = polls.latest_post(services.store, TEAM, "C0CHAN", 1)
    assert vote(http_app, post, "layers", "U1").status == 200
    clock.advance(seconds=1)
    assert poll_flow.close(services, services.pacer, post)
    assert polls.vote_counts(services.store, post.id) == {"layers": 1}
    services.wait_idle()
    results = stub.calls("chat.postMessage")[-1]
    assert results.params["text"].startswith("Results:")
    assert "1 voted" in json.dumps(results.params["blocks"])


def test_votes_journaled_across_a_close_count_by_when_they_were_made(http_app, stub, services, clock):
    """A vote still in the journal when the poll closes is applied after it: it counts if it was made
    before the close, and a vote made after the close is refused, whenever each is applied."""
    post_polls(http_app, stub, services, "1", count=1)
    post = polls.latest_post(services.store, TEAM, "C0CHAN", 1)
    vote(http_app, post, "layers", "UBEFORE")
    clock.advance(seconds=1)
    assert polls.mark_closed(services.store, post.id, clock.now().timestamp())
    clock.advance(seconds=1)
    vote(http_app, post, "no", "UAFTER")
    services.settle()
    assert polls.vote_counts(services.store, post.id) == {"layers": 1}
    services.wait_idle()
    assert "has closed" in notes_to(stub, "UAFTER")[-1]["text"]
