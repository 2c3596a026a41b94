"""/digest end to end: signed requests to the real HTTP endpoint, Web API calls seen by the stand-in."""

import json
import time

import pytest

from store import plans
from tests.conftest import TEAM
from tests.support.schemas import assert_valid_blocks, assert_valid_message, assert_valid_modal


def post_blocks(call):
    blocks = call.params["blocks"]
    return blocks if isinstance(blocks, list) else json.loads(blocks)


def all_text(blocks) -> str:
    return json.dumps(blocks, ensure_ascii=False)


def test_help_is_answered_in_the_ack_to_the_caller_only(http_app, stub):
    response = http_app.command("/digest", "")
    assert response.status == 200
    reply = response.json()
    assert reply["response_type"] == "ephemeral"
    assert "/digest schedule" in all_text(reply["blocks"]) and "no reading plan yet" in all_text(reply["blocks"])
    assert_valid_message(reply)
    assert stub.calls("chat.postMessage") == []


def test_next_posts_the_first_section_and_advances_the_plan(http_app, stub, services):
    response = http_app.command("/digest", "next", user_id="UOWNER")
    assert response.status == 200 and response.body == ""
    post = stub.wait_for("chat.postMessage")[0]
    assert post.params["channel"] == "C0CHAN"
    blocks = post_blocks(post)
    assert_valid_blocks(blocks)
    text = all_text(blocks)
    assert "Introduction" in text and "A sample article." in text and "Read the full section" in text
    assert "19 December 2025" in text  # the key figure
    plan = plans.get(services.store, TEAM, "C0CHAN")
    assert plan.next_index == 1 and plan.created_by == "UOWNER"
    reply = stub.wait_for_response()[0]
    assert "Posted part 1" in reply.params["text"]

    http_app.command("/digest", "next", user_id="UOWNER")
    second = stub.wait_for("chat.postMessage", count=2)[1]
    assert "1. Code red" in all_text(post_blocks(second))
    assert "Section 1 of 3" in all_text(post_blocks(second))


def test_a_retried_delivery_has_one_effect(http_app, stub, services):
    first = http_app.command("/digest", "next", trigger_id="trig-same")
    retry = http_app.command("/digest", "next", trigger_id="trig-same",
                             headers={"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"})
    again = http_app.command("/digest", "next", trigger_id="trig-same",
                             headers={"X-Slack-Retry-Num": "2", "X-Slack-Retry-Reason": "http_timeout"})
    assert (first.status, retry.status, again.status) == (200, 200, 200)
    services.wait_idle()
    assert len(stub.response_posts) == 1  # one "Posted" reply: the copies did no work at all
    http_app.command("/digest", "list")  # a later, distinct request is still handled
    assert len(stub.calls("chat.postMessage")) == 1


def test_bad_signature_and_stale_timestamp_are_refused(http_app, stub):
    from tests.support.signing import slash_command_body

    body = slash_command_body("/digest", "next", user_id="U1", channel_id="C1", team_id=TEAM)
    assert http_app.post(body, secret="not-the-secret").status == 401
    assert http_app.post(body, timestamp=int(time.time()) - 10 * 60).status == 401
    assert stub.calls() == []


def test_schedule_uses_the_callers_timezone_and_confirms_in_the_channel(http_app, stub, services):
    stub.users["UOWNER"] = {"tz": "Europe/London"}
    http_app.command("/digest", "schedule weekdays 09:30", user_id="UOWNER")
    confirmation = stub.wait_for("chat.postMessage")[0]
    assert_valid_message(confirmation.params)
    text = confirmation.params["text"]
    # the fixture clock is Monday 2026-06-01 12:00 UTC = 13:00 in London, so the next post is Tuesday
    assert "weekdays" in text and "09:30" in text and "Europe/London" in text and "Tue 09:30" in text
    plan = plans.get(services.store, TEAM, "C0CHAN")
    assert (plan.days, plan.post_time, plan.timezone, plan.paused) == ("mon,tue,wed,thu,fri", "09:30",
                                                                       "Europe/London", False)


def test_only_plan_managers_change_a_plan(http_app, stub, services):
    http_app.command("/digest", "schedule daily 08:00 UTC", user_id="UOWNER")
    stub.wait_for_response()
    http_app.command("/digest", "pause", user_id="USTRANGER")
    refusal = stub.wait_for_response(count=2)[1]
    assert "Sorry" in refusal.params["text"] and "<@UOWNER>" in refusal.params["text"]
    assert plans.get(services.store, TEAM, "C0CHAN").paused is False

    http_app.command("/digest", "pause", user_id="UADMIN")  # ADMIN_USER_IDS
    stub.wait_for_response(count=3)
    assert plans.get(services.store, TEAM, "C0CHAN").paused is True

    stub.users["UWSADMIN"] = {"is_admin": True}
    http_app.command("/digest", "resume", user_id="UWSADMIN")  # a workspace admin
    stub.wait_for_response(count=4)
    assert plans.get(services.store, TEAM, "C0CHAN").paused is False


def test_show_and_list_answer_privately_and_bad_sections_get_help(http_app, stub):
    shown = http_app.command("/digest", "show 2").json()
    assert shown["response_type"] == "ephemeral" and "2. Layers" in all_text(shown["blocks"])
    assert_valid_message(shown)
    missing = http_app.command("/digest", "show 99").json()
    assert "There is no section `99`" in missing["text"] and "/digest show N" in all_text(missing["blocks"])
    listing = http_app.command("/digest", "list").json()
    assert_valid_message(listing)
    assert "Introduction" in all_text(listing["blocks"]) and "3. Compute" in all_text(listing["blocks"])
    assert stub.calls("chat.postMessage") == []


def test_unknown_input_is_echoed_escaped_with_the_right_form(http_app):
    reply = http_app.command("/digest", "<!channel> now").json()
    text = all_text(reply)
    assert "<!channel>" not in text and "&lt;!channel&gt;" in text
    assert "/digest schedule" in text


def test_read_full_section_opens_a_valid_modal_with_the_whole_text(http_app, stub):
    response = http_app.action("digest.read_full", "sample|s2|en")
    assert response.status == 200
    view = stub.wait_for("views.open")[0].params["view"]
    view = view if isinstance(view, dict) else json.loads(view)
    assert_valid_modal(view)
    text = all_text(view["blocks"])
    assert "800 million people use the product weekly" in text and "Memory makes switching costly." in text


def test_lang_switches_the_channel_to_chinese(http_app, stub, services):
    http_app.command("/digest", "lang zh", user_id="UOWNER")
    stub.wait_for_response()
    http_app.command("/digest", "next", user_id="UOWNER")
    post = stub.wait_for("chat.postMessage")[0]
    text = all_text(post_blocks(post))
    assert "引言" in text and "閱讀全文" in text


@pytest.mark.parametrize("text", ["show payload", "payload", "show payload=1"])
def test_a_command_whose_text_says_payload_is_still_a_command(http_app, text):
    """Bolt reads any form body containing "payload" as an interaction (and then as empty, answered 404);
    the endpoint reads it as the slash command it is."""
    response = http_app.command("/digest", text)
    assert response.status == 200
    reply = response.json()
    assert reply["response_type"] == "ephemeral" and "/digest" in json.dumps(reply)


@pytest.mark.parametrize("alias", ["zh-Hans", "zh-CN", "cn", "简体"])
def test_lang_switches_the_channel_to_simplified_chinese_by_any_of_its_names(http_app, stub, services, alias):
    http_app.command("/digest", f"lang {alias}", user_id="UOWNER")
    assert "zh-Hans" in stub.wait_for_response()[-1].params["text"]
    http_app.command("/digest", "next", user_id="UOWNER")
    text = all_text(post_blocks(stub.wait_for("chat.postMessage")[0]))
    assert "引言" in text and "阅读全文" in text and "一篇范例文章" in text  # the pack's and the bot's words
    assert "閱讀全文" not in text and "範例" not in text


def test_a_new_plan_reads_in_the_script_of_its_creators_slack_locale(http_app, stub, services):
    stub.users["UOWNER"] = {"locale": "zh-TW"}
    http_app.command("/digest", "next", user_id="UOWNER")
    text = all_text(post_blocks(stub.wait_for("chat.postMessage")[0]))
    assert "閱讀全文" in text and "一篇範例文章" in text
    assert plans.get(services.store, TEAM, "C0CHAN").language == "zh-Hant"


def test_an_english_slack_locale_keeps_the_packs_default_language(http_app, stub, services):
    stub.users["UOWNER"] = {"locale": "en-GB"}
    http_app.command("/digest", "next", user_id="UOWNER")
    stub.wait_for("chat.postMessage")
    assert plans.get(services.store, TEAM, "C0CHAN").language == services.pack(TEAM).pack.default_language == "en"
