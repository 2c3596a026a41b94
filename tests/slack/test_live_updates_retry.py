"""The final tally always reaches Slack: a refused `chat.update` is drawn again after a backoff
(bot/slack/live_updates.py, bot/slack/coalesce.py), through the app's real HTTP endpoint and the Web API stand-in."""

import json
from itertools import pairwise

from slack_sdk.errors import SlackApiError
from slack_sdk.web import SlackResponse

from bot.slack.live_updates import LiveUpdates
from store import polls
from tests.conftest import TEAM
from tests.support.schemas import assert_valid_message


def vote(http_app, post, option, user):
    return http_app.click(f"{post.id}|{option}", user_id=user, channel_id=post.channel_id,
                          message_ts=post.ts, response_url=http_app.stub.response_url(f"vote-{user}"))


def post_poll(http_app, stub, services):
    http_app.command("/discuss", "1", user_id="UHOST")
    stub.wait_for("chat.postMessage")
    services.wait_idle()
    return polls.latest_post(services.store, TEAM, "C0CHAN", 1)


def live_sizes(live):
    """The maps of `live` that still hold something."""
    return {name: size for name, size in live.sizes().items() if size}


def run_clock(services, clock, seconds, step=1.0):
    """Let `seconds` pass on the fixture clock, drawing whatever comes due on the way (as the app's loop does)."""
    for _ in range(int(seconds / step)):
        clock.advance(seconds=step)
        services.live.flush()
        services.wait_idle()


def test_a_burst_whose_updates_slack_refuses_still_ends_with_the_final_tally(http_app, stub, services, clock):
    stub.clock = lambda: clock.now().timestamp()  # the calls' times on the fixture clock
    post = post_poll(http_app, stub, services)
    stub.respond_error("chat.update", "fatal_error", times=6)  # Slack fails six updates in a row
    options = ["yes", "no", "layers", "unsure"]
    for n in range(30):
        assert vote(http_app, post, options[n % 4], f"U{n:02d}").status == 200
    services.wait_idle()
    assert polls.vote_counts(services.store, post.id) == {"yes": 8, "no": 8, "layers": 7, "unsure": 7}
    assert len(stub.calls("chat.update")) == 1  # drawn at once, and refused

    run_clock(services, clock, 130)
    updates = stub.calls("chat.update")
    assert [c.response["ok"] for c in updates] == [False] * 6 + [True]
    gaps = [round(b.at - a.at) for a, b in pairwise(updates)]
    assert gaps == [2, 4, 8, 16, 32, 60]  # backing off, never more than a minute apart
    shown = stub.messages[(post.channel_id, post.ts)]
    assert "*30* voted" in json.dumps(shown["blocks"])
    assert_valid_message(updates[-1].params)

    run_clock(services, clock, 120)
    assert len(stub.calls("chat.update")) == 7  # drawn: nothing more to send
    assert live_sizes(services.live) == {}  # and nothing is kept about the message


def test_a_vote_while_slack_refuses_is_in_the_update_that_gets_through(http_app, stub, services, clock):
    post = post_poll(http_app, stub, services)
    stub.respond_error("chat.update", "request_timeout", times=2)
    vote(http_app, post, "yes", "U1")
    services.wait_idle()
    run_clock(services, clock, 3)  # the first retry, refused too
    vote(http_app, post, "no", "U2")  # a change while the message waits to be retried
    services.wait_idle()
    assert len(stub.calls("chat.update")) == 2  # not drawn at once: it waits for the retry
    run_clock(services, clock, 5)
    assert [c.response["ok"] for c in stub.calls("chat.update")] == [False, False, True]
    assert "*2* voted" in json.dumps(stub.messages[(post.channel_id, post.ts)]["blocks"])


def test_a_poll_message_that_is_gone_is_tried_three_times_then_left(http_app, stub, services, clock):
    post = post_poll(http_app, stub, services)
    stub.respond_error("chat.update", "message_not_found")  # deleted in Slack, for good
    vote(http_app, post, "yes", "U1")
    services.wait_idle()
    run_clock(services, clock, 600, step=2.0)
    assert len(stub.calls("chat.update")) == 3
    assert live_sizes(services.live) == {}


def refused(error, status=200, headers=None):
    response = SlackResponse(client=None, http_verb="POST", api_url="https://slack.test/api/chat.update",
                             req_args={}, data={"ok": False, "error": error}, headers=headers or {},
                             status_code=status)
    return SlackApiError(f"refused: {error}", response)


class Slack:
    """A draw whose next answers are given in advance: an exception to raise, or None for taken."""

    def __init__(self, *answers):
        self.answers, self.calls = list(answers), 0

    def __call__(self):
        self.calls += 1
        answer = self.answers.pop(0) if self.answers else None
        if answer is not None:
            raise answer


def test_a_rate_limit_that_outlasts_the_clients_retries_waits_for_slacks_retry_after():
    now = [0.0]
    live = LiveUpdates(interval=1.1, monotonic=lambda: now[0], background=False)
    slack = Slack(refused("ratelimited", 429, {"Retry-After": "30"}))
    live.changed(("poll", 1), slack, "T1")
    for now[0] in (2.0, 10.0, 29.9):
        live.flush()
    assert slack.calls == 1
    now[0] = 30.0
    live.flush()
    assert slack.calls == 2


def test_a_network_failure_is_retried_and_the_draws_map_is_pruned():
    now = [0.0]
    live = LiveUpdates(interval=1.1, monotonic=lambda: now[0], background=False)
    slack = Slack(ConnectionResetError("reset by peer"), ConnectionResetError("reset by peer"))
    live.changed(("quiz", 1, 0), slack, "T1")
    for other in range(50):  # fifty other messages in fifty workspaces, each drawn once
        live.changed(("poll", other), lambda: None, f"T{other + 2}")
    for step in range(1, 20):
        now[0] = float(step)
        live.flush()
    assert slack.calls == 3  # twice refused, then taken
    assert live_sizes(live) == {}


def test_a_closing_edit_slack_refuses_is_drawn_again_until_the_poll_shows_closed(http_app, stub, services, clock):
    post = post_poll(http_app, stub, services)
    vote(http_app, post, "yes", "U1")
    services.wait_idle()
    run_clock(services, clock, 3)
    stub.respond_error("chat.update", "fatal_error", times=3)  # the closing edit and two retries fail
    http_app.command("/discuss", "close 1", user_id="UHOST")
    services.wait_idle()
    run_clock(services, clock, 30)
    shown = json.dumps(stub.messages[(post.channel_id, post.ts)]["blocks"], ensure_ascii=False)
    assert "Closed." in shown and "poll.vote" not in shown  # the buttons are gone: nobody votes on a closed poll
    assert [c.response["ok"] for c in stub.calls("chat.update")][-4:] == [False, False, False, True]
