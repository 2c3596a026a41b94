"""App Home's channel list: users.conversations (Tier 2) asked once per few minutes per viewer, a 429
answered with what Slack said earlier, or with a plain notice, never with an empty Home."""

import time

from slack_sdk import WebClient

from bot.context import retry_handlers
from bot.slack.memberships import FRESH_SECONDS, STALE_SECONDS, MemberChannels
from store import plans
from tests.conftest import TEAM
from tests.support.schemas import assert_valid_home
from tests.support.signing import app_home_opened_event, event_body

BUSY = "Slack is busy, open Home again in a minute"


def assert_publishable(view: dict) -> None:
    """Valid for Slack, and ids unique as Slack insists: block_id per view, action_id per block."""
    assert_valid_home(view)
    block_ids = [b["block_id"] for b in view["blocks"] if "block_id" in b]
    assert len(block_ids) == len(set(block_ids))
    for block in view["blocks"]:
        action_ids = [e["action_id"] for e in block.get("elements", []) if "action_id" in e]
        assert len(action_ids) == len(set(action_ids))


def open_home(http_app, stub, user_id: str = "UVIEW") -> dict:
    count = len(stub.calls("views.publish")) + 1
    assert http_app.post(event_body(app_home_opened_event(user_id), team_id=TEAM)).status == 200
    view = stub.wait_for("views.publish", count=count)[-1].params["view"]
    assert_publishable(view)
    return view


def asked(stub) -> int:
    return len(stub.calls("users.conversations"))


def reading_in(services, *channels: str) -> None:
    for channel in channels:
        plans.ensure(services.store, TEAM, channel, pack_id="sample", language="en", days="", post_time="09:30",
                     timezone="UTC", created_by="U1")


def test_two_opens_within_the_cache_time_ask_slack_once(http_app, stub, services, clock):
    reading_in(services, "C1")
    stub.memberships["UVIEW"] = ["C1"]
    assert "<#C1>" in str(open_home(http_app, stub)["blocks"])
    clock.advance(seconds=FRESH_SECONDS - 1)
    assert "<#C1>" in str(open_home(http_app, stub)["blocks"])
    assert asked(stub) == 1


def test_after_the_cache_time_slack_is_asked_again(http_app, stub, services, clock):
    reading_in(services, "C1", "C2")
    stub.memberships["UVIEW"] = ["C1"]
    open_home(http_app, stub)
    stub.memberships["UVIEW"] = ["C1", "C2"]  # joined a channel
    clock.advance(seconds=FRESH_SECONDS + 1)
    assert "<#C2>" in str(open_home(http_app, stub)["blocks"])
    assert asked(stub) == 2


def test_each_viewer_has_their_own_answer(http_app, stub, services):
    reading_in(services, "CPUBLIC", "CSECRET")
    stub.memberships["UINSIDER"] = ["CPUBLIC", "CSECRET"]
    stub.memberships["UOUTSIDER"] = ["CPUBLIC"]
    assert "CSECRET" in str(open_home(http_app, stub, "UINSIDER")["blocks"])
    assert "CSECRET" not in str(open_home(http_app, stub, "UOUTSIDER")["blocks"])
    assert asked(stub) == 2


def test_a_429_with_an_earlier_answer_shows_those_channels_at_once(http_app, stub, services, clock):
    reading_in(services, "C1")
    stub.memberships["UVIEW"] = ["C1"]
    open_home(http_app, stub)
    clock.advance(seconds=FRESH_SECONDS + 1)
    # Retry-After 30: had slack_sdk's handler slept on it, no view would come within wait_for's 5 s
    stub.respond_rate_limited("users.conversations", retry_after=30)
    started = time.monotonic()
    view = open_home(http_app, stub)
    assert time.monotonic() - started < 5
    assert "<#C1>" in str(view["blocks"]) and BUSY not in str(view["blocks"])
    assert [c.status for c in stub.calls("users.conversations")] == [200, 429]  # asked once, not retried


def test_a_429_with_no_earlier_answer_shows_the_busy_notice(http_app, stub, services):
    reading_in(services, "C1")
    stub.memberships["UVIEW"] = ["C1"]
    stub.respond_rate_limited("users.conversations", retry_after=30)
    view = open_home(http_app, stub)
    text = str(view["blocks"])
    assert BUSY in text and "No channel is reading yet" not in text
    assert asked(stub) == 1
    assert stub.calls("users.info") == []  # nothing else asked of Slack for a notice
    assert "<#C1>" in str(open_home(http_app, stub)["blocks"])  # the next open asks again, and Slack answers


def test_an_answer_too_old_is_not_shown_on_a_429(http_app, stub, services, clock):
    reading_in(services, "C1")
    stub.memberships["UVIEW"] = ["C1"]
    open_home(http_app, stub)
    clock.advance(seconds=STALE_SECONDS + 1)
    stub.respond_rate_limited("users.conversations", retry_after=30)
    assert BUSY in str(open_home(http_app, stub)["blocks"])


def test_a_429_on_a_later_page_shows_the_busy_notice_not_half_the_channels(http_app, stub, services):
    channels = [f"C{n}" for n in range(5)]  # the stand-in answers two to a page
    reading_in(services, *channels)
    stub.memberships["UVIEW"] = channels

    def second_page_limited(call):
        if call.params.get("cursor"):
            return 429, {"Retry-After": "30"}, {"ok": False, "error": "ratelimited"}
        return 200, {}, stub.default_response(call)

    stub.respond("users.conversations", second_page_limited, times=2)
    text = str(open_home(http_app, stub)["blocks"])
    assert BUSY in text and "<#C0>" not in text


def test_another_error_with_no_earlier_answer_shows_the_notice(http_app, stub, services):
    stub.respond_error("users.conversations", "internal_error", times=1)
    assert BUSY in str(open_home(http_app, stub)["blocks"])


def test_post_next_reuses_the_answer_home_got(http_app, stub, services):
    reading_in(services, "C1")
    stub.users["UBOSS"] = {"is_admin": True}
    stub.memberships["UBOSS"] = ["C1"]
    home = open_home(http_app, stub, "UBOSS")
    assert "home.post_next" in str(home["blocks"])
    http_app.action("home.post_next", "C1|0", user_id="UBOSS", channel_id=None, view={"type": "home", "blocks": []})
    stub.wait_for("chat.postMessage")
    refreshed = stub.wait_for("views.publish", count=2)[-1].params["view"]
    assert_publishable(refreshed)
    assert "1 of" in str(refreshed["blocks"])
    assert asked(stub) == 1


def test_memory_is_bounded_least_recently_used_first(stub, clock):
    client = WebClient(token="xoxb-test-token", base_url=stub.base_url, retry_handlers=retry_handlers())
    cache = MemberChannels(clock, max_viewers=2)
    for user in ("UA", "UB", "UA", "UC"):  # UA used again, so UB is the one dropped
        stub.memberships[user] = [f"C{user}"]
        assert cache.of(client, TEAM, user) == {f"C{user}"}
    assert len(cache) == 2
    assert asked(stub) == 3
    cache.of(client, TEAM, "UA")
    assert asked(stub) == 3
    cache.of(client, TEAM, "UB")
    assert asked(stub) == 4


def test_the_lookup_leaves_the_apps_own_client_retrying_429s(stub, clock):
    client = WebClient(token="xoxb-test-token", base_url=stub.base_url, retry_handlers=retry_handlers())
    before = list(client.retry_handlers)
    MemberChannels(clock).of(client, TEAM, "UVIEW")
    assert client.retry_handlers == before  # posts and updates still wait out a 429 and retry


def test_the_busy_notice_in_each_language_is_a_valid_home():
    from bot.blocks.home import home_busy_view

    english, chinese = home_busy_view("en"), home_busy_view("zh-Hant")
    for view in (english, chinese):
        assert_publishable(view)
    assert BUSY in str(english["blocks"]) and "Slack 正忙" in str(chinese["blocks"])
