"""Faults: malformed requests, a flaky or slow Web API, a locked database. No crash, nothing lost or doubled."""

import sqlite3
import subprocess
import sys
import threading

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hyp_settings
from hypothesis import strategies as st

from bot.scheduler import run_plan_now
from bot.slack.posting import ChannelPacer
from store import StoreError, plans
from store.db import Store
from tests.conftest import ROOT, TEAM
from tests.support.slack_stub import delayed
from tests.test_scheduler import scheduled_plan

MALFORMED = [
    "payload=notjson",
    "payload=%7B%7D",
    "payload=%5B1%2C2%5D",
    "garbage",
    "",
    '{"type":"event_callback"}',
    '{"type":"block_actions","actions":"nope"}',
    "payload=" + "%7B" * 50,
]


@pytest.mark.parametrize("body", MALFORMED)
def test_malformed_payloads_get_a_4xx_and_the_app_keeps_serving(http_app, body):
    response = http_app.post(body)
    assert 400 <= response.status < 500
    assert http_app.command("/digest", "help").status == 200


@pytest.mark.parametrize("failure", [
    {"status": 429, "headers": {"Retry-After": "0"}, "body": {"ok": False, "error": "ratelimited"}},
    {"status": 500, "headers": {}, "body": {"ok": False, "error": "internal_error"}},
    {"status": 503, "headers": {}, "body": {"ok": False, "error": "service_unavailable"}},
])
def test_rate_limits_and_server_errors_are_retried_and_post_once(services, stub, clock, failure):
    scheduled_plan(services)
    stub.respond("chat.postMessage", failure["body"], status=failure["status"], headers=failure["headers"], times=1)
    clock.set(clock.now().replace(hour=13, minute=30))
    outcome = run_plan_now(services, ChannelPacer(interval=0), TEAM, "C0CHAN")
    assert outcome.status == "posted"
    attempts = stub.calls("chat.postMessage")
    assert len(attempts) == 2  # the failed try and the retry; exactly one post reached the channel
    assert plans.get(services.store, TEAM, "C0CHAN").next_index == 1


@pytest.mark.parametrize("timeouts", [1, 2])
def test_a_web_api_timeout_does_not_lose_the_item(services, stub, clock, timeouts):
    """A post that times out is looked for in the channel (not there: Slack is still on it, or dropped it)
    and posted once more; if that one times out too, the item stays next."""
    scheduled_plan(services)
    client = services.client_for(TEAM)
    client.timeout = 0.3
    release = threading.Event()
    stub.respond("chat.postMessage", delayed(5, release=release, then=stub.default_response), times=timeouts)
    clock.set(clock.now().replace(hour=13, minute=30))
    try:
        outcome = run_plan_now(services, ChannelPacer(interval=0), TEAM, "C0CHAN")
        posted_meanwhile = len(stub.messages)
    finally:
        release.set()
    assert len(stub.calls("chat.postMessage")) == 2 and len(stub.calls("conversations.history")) == timeouts
    plan = plans.get(services.store, TEAM, "C0CHAN")
    if timeouts == 1:
        assert outcome.status == "posted" and posted_meanwhile == 1 and plan.next_index == 1
    else:
        assert outcome.status == "failed" and posted_meanwhile == 0
        assert plan.next_index == 0 and plan.last_slot is None and plans.posts(services.store, TEAM) == []


def test_a_locked_database_is_a_clear_error_not_a_hang(tmp_path):
    path = tmp_path / "bot.db"
    holder = sqlite3.connect(path)
    holder.execute("CREATE TABLE t (x)")
    holder.execute("BEGIN EXCLUSIVE")
    try:
        store = Store(path, busy_timeout_ms=200)
        with pytest.raises(StoreError, match="locked"):
            store.migrate()
    finally:
        holder.rollback()
        holder.close()


def test_a_database_path_that_is_not_a_database_exits_2(tmp_path):
    path = tmp_path / "bot.db"
    path.write_bytes(b"this is not an sqlite file" * 100)
    env = {"SLACK_BOT_TOKEN": "", "SLACK_APP_TOKEN": "", "DATABASE_PATH": str(path), "PYTHONPATH": str(ROOT),
           "CONTENT_DIR": str(ROOT / "tests" / "packs")}
    result = subprocess.run([sys.executable, "-m", "bot", "console"], input="", capture_output=True, text=True,
                            env=env, timeout=60, cwd=tmp_path)
    assert result.returncode == 2
    assert "DATABASE_PATH" in result.stderr and "Traceback" not in result.stderr


@hyp_settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=120))
def test_fuzzed_digest_text_always_gets_a_reply_never_an_error(http_app, text):
    before = len(http_app.stub.response_posts)
    response = http_app.command("/digest", text.replace("\x00", ""), user_id="UADMIN")
    http_app.services.wait_idle()
    assert response.status == 200
    assert response.body or len(http_app.stub.response_posts) > before, "no reply at all"


def test_the_same_event_delivered_three_times_has_one_effect(http_app, stub, services):
    from tests.support.signing import app_home_opened_event, event_body

    body = event_body(app_home_opened_event("U0USER"), team_id=TEAM, event_id="Ev0SAME")
    for retry in (None, "1", "2"):
        headers = {"X-Slack-Retry-Num": retry, "X-Slack-Retry-Reason": "http_timeout"} if retry else {}
        assert http_app.post(body, headers).status == 200
    services.wait_idle()
    assert len(stub.calls("views.publish")) == 1


@hyp_settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(command=st.sampled_from(["/quiz", "/discuss"]),
       text=st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=80))
def test_fuzzed_quiz_and_discuss_text_always_gets_a_reply(http_app, command, text):
    before = len(http_app.stub.response_posts)
    response = http_app.command(command, text.replace("\x00", ""), user_id="UFUZZ", channel_id="CFUZZ")
    http_app.services.wait_idle()
    assert response.status == 200
    assert response.body or len(http_app.stub.response_posts) > before, "no reply at all"
