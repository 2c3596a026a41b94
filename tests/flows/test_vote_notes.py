""""Your vote moved" and the other notes about a vote go through the click's response_url (bot/flows/polls.py
`after_vote`), not chat.postEphemeral: over the app's real HTTP endpoint, the click journal and the stand-in."""

import logging
import pickle

from bot.flows import polls as poll_flow
from bot.ingest.clicks import PROTOCOL
from store import polls
from store.journal import MAX_PAYLOAD
from tests.conftest import TEAM
from tests.support.schemas import assert_valid_message

# as Slack sends them: https://hooks.slack.com/actions/<team>/<13 digits>/<24 characters>, ~80-110 characters
SLACK_RESPONSE_URL = "https://hooks.slack.com/actions/T0123456789AB/7654321098765/AbCdEfGhIjKlMnOpQrStUvWxYz"
LONG_USER = "W0123456789ABCD"  # an Enterprise Grid user id
LONG_CHANNEL = "C0123456789ABCDE"


def post_poll(http_app, stub, services, channel_id="C0CHAN"):
    http_app.command("/discuss", "1", user_id="UHOST", channel_id=channel_id)
    stub.wait_for("chat.postMessage")
    services.wait_idle()
    return polls.latest_post(services.store, TEAM, channel_id, 1)


def vote(http_app, post, option, user, response_url):
    return http_app.click(f"{post.id}|{option}", user_id=user, channel_id=post.channel_id,
                          message_ts=post.ts, response_url=response_url)


def journaled_votes(services):
    records = [pickle.loads(payload) for _, payload in services.clicks.journal.read(0)]
    return [r for r in records if r[0] == "vote"]


def test_a_vote_click_with_its_response_url_still_fits_one_journal_slot():
    """A click journaled is acknowledged before SQLite is touched; one too long for a slot is written
    at once instead, on the request thread. A Slack-sized response_url with long ids still fits."""
    record = ("vote", "T0123456789AB", 2_000_000_000, LONG_USER, "only-the-lower-layers", LONG_CHANNEL,
              1_780_000_000.123456, SLACK_RESPONSE_URL + "x" * 20)
    assert len(SLACK_RESPONSE_URL) + 20 >= 105
    assert len(pickle.dumps(record, PROTOCOL)) <= MAX_PAYLOAD


def test_a_moved_vote_is_explained_through_the_clicks_response_url(http_app, stub, services):
    post = post_poll(http_app, stub, services, channel_id=LONG_CHANNEL)
    first = stub.response_url("first-click")
    moved = stub.response_url("moved-" + "x" * (105 - len(stub.response_url("moved-"))))  # as long as Slack's
    assert len(moved) >= 105
    assert vote(http_app, post, "yes", LONG_USER, first).status == 200
    assert vote(http_app, post, "no", LONG_USER, moved).status == 200
    services.wait_idle()
    assert [v[-1] for v in journaled_votes(services)] == [first, moved]  # both journaled, URL and all
    assert polls.vote_counts(services.store, post.id) == {"no": 1}

    note = stub.wait_for_response(name=moved.rsplit("/", 1)[-1])[0].params
    assert note == {"response_type": "ephemeral", "replace_original": False, "text": note["text"]}
    assert "moved to *No*" in note["text"]
    assert_valid_message(note)
    assert stub.calls("chat.postEphemeral") == []
    assert [c.method for c in stub.response_posts].count("first-click") == 0  # a first vote: the tally says it


def test_a_vote_journaled_by_the_previous_version_still_applies(http_app, stub, services, clock):
    """Before votes kept their response_url a vote was journaled with six fields: a journal written then
    (applied by the next start, or still held when the process is upgraded in place) must still count,
    and its note falls back to chat.postEphemeral."""
    post = post_poll(http_app, stub, services)
    replies = len(stub.response_posts)  # /discuss's own
    now = clock.now().timestamp()
    services.clicks.record("vote", TEAM, post.id, "UOLD", "yes", "C0CHAN", now)  # the old take_vote's record
    services.clicks.record("vote", TEAM, post.id, "UOLD", "no", "C0CHAN", now + 1)
    services.settle()
    services.wait_idle()
    assert polls.vote_counts(services.store, post.id) == {"no": 1}
    notice = stub.wait_for("chat.postEphemeral")[0].params
    assert notice["user"] == "UOLD" and "moved to *No*" in notice["text"]
    assert len(stub.response_posts) == replies


def test_a_response_url_that_cannot_be_reached_costs_the_vote_nothing(http_app, stub, services, caplog):
    caplog.set_level(logging.INFO, logger="bot.flows.polls")
    post = post_poll(http_app, stub, services)
    unreachable = "http://127.0.0.1:9/hooks/actions/T0001/1/abc"  # nothing listens on the discard port
    vote(http_app, post, "yes", "U1", stub.response_url("u1-first"))
    assert vote(http_app, post, "no", "U1", unreachable).status == 200
    services.wait_idle()
    assert polls.vote_counts(services.store, post.id) == {"no": 1}
    assert "vote notice not shown" in caplog.text
    assert unreachable not in caplog.text  # whoever holds a response_url can write to that person
    assert stub.calls("chat.postEphemeral") == []


def test_after_vote_without_a_response_url_uses_chat_post_ephemeral(http_app, stub, services):
    post = post_poll(http_app, stub, services)
    poll_flow.after_vote(services, services.client_for(TEAM), status="same", team_id=TEAM, post_id=post.id,
                            user_id="U1", option_id="yes", channel_id="C0CHAN")
    assert "already counted" in stub.wait_for("chat.postEphemeral")[0].params["text"]
