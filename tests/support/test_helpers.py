"""Tests of the test helpers in tests/support: each shows the helper works and that it can fail."""

from __future__ import annotations

import json
import threading
import urllib.parse
import urllib.request
import uuid

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from slack_sdk.signature import SignatureVerifier

from tests.support import paths, schemas, signing
from tests.support.paths import JAVA_SAMPLES, PY_SDK_FIXTURES, load_json
from tests.support.slack_stub import NEWER_METHODS_EVIDENCE, delayed, evidence_paths

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"


@pytest.fixture
def client(stub):
    return WebClient(base_url=stub.base_url, token="xoxb-test", timeout=5)


# =========================================================================== paths
def test_samples_dir_from_env(monkeypatch, tmp_path):
    paths.samples_dir.cache_clear()
    try:
        monkeypatch.setenv("SLACK_SAMPLES_DIR", str(tmp_path))
        with pytest.raises(FileNotFoundError):
            paths.samples_dir()
        (tmp_path / "SOURCES.md").write_text("x")
        assert paths.samples_dir() == tmp_path.resolve()
    finally:
        paths.samples_dir.cache_clear()
        monkeypatch.delenv("SLACK_SAMPLES_DIR")
    assert (paths.samples_dir() / "SOURCES.md").is_file()


# =========================================================================== SlackStub
def test_post_message_answers_like_slack(stub, client):
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "*hi*"}}]
    r1 = client.chat_postMessage(channel="C1", text="hi", blocks=blocks)
    r2 = client.chat_postMessage(channel="C1", text="again")
    assert r1["ok"] and r1["channel"] == "C1"
    assert r1["message"]["text"] == "hi" and r1["message"]["blocks"] == blocks
    assert r1["ts"] == "1700000000.000100"
    assert float(r2["ts"]) > float(r1["ts"]) and r2["ts"] > r1["ts"]
    calls = stub.wait_for("chat.postMessage", count=2)
    assert calls[0].params["blocks"] == blocks and calls[0].token == "xoxb-test"
    assert calls[0].status == 200 and calls[0].response["ts"] == r1["ts"]
    assert stub.messages[("C1", r1["ts"])]["text"] == "hi"
    stub.assert_clean()


def test_form_encoded_json_fields_are_decoded_and_raw_kept(stub, client):
    client.api_call("chat.postMessage", data={"channel": "C2", "text": "x", "blocks": '[{"type":"divider"}]'})
    call = stub.last("chat.postMessage")
    assert call.params["blocks"] == [{"type": "divider"}]
    assert call.raw_params["blocks"] == '[{"type":"divider"}]'
    assert call.headers["content-type"].startswith("application/x-www-form-urlencoded")


def test_get_with_query_string(stub):
    url = stub.base_url + "conversations.info?" + urllib.parse.urlencode({"channel": "C9", "token": "xoxb-q"})
    with urllib.request.urlopen(url, timeout=5) as resp:
        body = json.loads(resp.read())
    assert body["ok"] and body["channel"]["id"] == "C9"
    call = stub.last("conversations.info")
    assert call.http_method == "GET" and call.params["channel"] == "C9" and call.token == "xoxb-q"


def test_multipart_fields_recorded(stub):
    boundary = "----stubtest" + uuid.uuid4().hex
    body = (
        f"--{boundary}\r\nContent-Disposition: form-data; name=\"channels\"\r\n\r\nC1\r\n"
        f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\n"
        f"Content-Type: text/plain\r\n\r\nhello\r\n--{boundary}--\r\n"
    ).encode()
    req = urllib.request.Request(stub.base_url + "files.upload", data=body, method="POST", headers={
        "Content-Type": f"multipart/form-data; boundary={boundary}", "Authorization": "Bearer xoxb-test"})
    with urllib.request.urlopen(req, timeout=5) as resp:
        assert json.loads(resp.read())["ok"]
    call = stub.last("files.upload")
    assert call.params["channels"] == "C1"
    assert call.params["file"]["filename"] == "a.txt" and call.params["file"]["content"] == b"hello"


def test_users_info_timezone_per_user(stub, client):
    stub.users["U2"] = {"tz": "Europe/London", "is_admin": True, "profile": {"display_name": "ann"}}
    u1 = client.users_info(user="U1")["user"]
    u2 = client.users_info(user="U2")["user"]
    assert u1["id"] == "U1" and u1["tz"] == "America/New_York" and u1["tz_offset"] in (-18000, -14400)
    assert u2["tz"] == "Europe/London" and u2["tz_offset"] in (0, 3600) and u2["is_admin"] is True
    assert u2["profile"]["display_name"] == "ann" and u2["profile"]["real_name"] == "User U2"


def test_views_open_update_publish(stub, client):
    view = {"type": "modal", "callback_id": "cb", "title": {"type": "plain_text", "text": "Quiz"},
            "blocks": [{"type": "divider"}]}
    opened = client.views_open(trigger_id="123.456.abc", view=view)["view"]
    assert opened["id"] == "V000001" and opened["callback_id"] == "cb" and opened["blocks"] == view["blocks"]
    updated = client.views_update(view_id=opened["id"], view=view)["view"]
    assert updated["id"] == opened["id"]
    home = {"type": "home", "blocks": [{"type": "divider"}]}
    p1 = client.views_publish(user_id="U1", view=home)["view"]
    p2 = client.views_publish(user_id="U1", view=home)["view"]
    assert p1["id"] == p2["id"] and stub.home_views["U1"]["type"] == "home"
    assert stub.last("views.open").params["view"] == view
    stub.assert_clean()


def test_other_default_methods(stub, client):
    auth = client.auth_test()
    assert (auth["team_id"], auth["user_id"], auth["bot_id"]) == ("T0001", "UBOT", "B0001")
    assert client.chat_update(channel="C1", ts="1.2", text="new")["text"] == "new"
    assert client.chat_postEphemeral(channel="C1", user="U1", text="psst")["message_ts"]
    assert client.chat_delete(channel="C1", ts="1.2")["ts"] == "1.2"
    link = client.chat_getPermalink(channel="C1", message_ts="1700000000.000100")["permalink"]
    assert link.endswith("/archives/C1/p1700000000000100")
    assert client.conversations_join(channel="C7")["channel"]["is_member"] is True
    oauth = WebClient(base_url=stub.base_url).oauth_v2_access(client_id="1.2", client_secret="s", code="c")
    assert oauth["access_token"].startswith("xoxb-test-") and oauth["team"] == {"id": "T0001", "name": "Test Team"}
    assert oauth["bot_user_id"] == "UBOT" and "chat:write" in oauth["scope"]
    assert WebClient(base_url=stub.base_url).apps_connections_open(app_token="xapp-1")["url"].startswith("ws://")
    assert client.api_call("reactions.add", params={"channel": "C1", "name": "x", "timestamp": "1.2"})["ok"]
    stub.assert_clean()


@pytest.mark.parametrize("method", ["auth.test", "chat.postMessage", "chat.update", "chat.postEphemeral",
                                    "chat.delete", "chat.getPermalink", "views.open", "users.info",
                                    "conversations.info", "conversations.join", "files.getUploadURLExternal",
                                    "oauth.v2.access", "apps.connections.open"])
def test_default_responses_use_only_keys_slack_samples_have(stub, client, method):
    params = {"channel": "C1", "text": "t", "user": "U1", "ts": "1.2", "message_ts": "1.2", "filename": "f",
              "length": 1, "trigger_id": "1.2.3", "view": {"type": "modal", "title": {"type": "plain_text",
                                                                                       "text": "T"}, "blocks": []}}
    body = client.api_call(method, json=params).data
    sample = load_json(*JAVA_SAMPLES, "api", f"{method}.json")

    def check(mine, theirs, where):
        extra = set(mine) - set(theirs)
        assert not extra, f"{where}: keys not in Slack's sample: {sorted(extra)}"
        for k, v in mine.items():
            if isinstance(v, dict) and isinstance(theirs.get(k), dict) and theirs[k]:
                check(v, theirs[k], f"{where}.{k}")

    assert body["ok"] is True
    check(body, sample, method)


def test_files_upload_v2_round_trip(stub, client):
    r = client.files_upload_v2(channel="C1", content="quiz results", filename="results.txt", title="Results")
    fid = r["file"]["id"]
    assert stub.uploads[fid]["content"] == b"quiz results" and stub.uploads[fid]["completed"]
    assert r["file"]["title"] == "Results" and r["file"]["channels"] == ["C1"]
    assert [c.method for c in stub.calls()] == ["files.getUploadURLExternal", "files.completeUploadExternal"]
    stub.assert_clean()  # post-2020 methods pass via the evidence allow-list


def test_complete_upload_without_upload_fails(stub, client):
    fid = client.files_getUploadURLExternal(filename="a.txt", length=3)["file_id"]
    with pytest.raises(SlackApiError) as exc:
        client.files_completeUploadExternal(files=[{"id": fid, "title": "a"}])
    assert exc.value.response["error"] == "file_upload_not_completed"


def test_override_error_surfaces_as_slack_api_error_then_falls_back(stub, client):
    stub.respond("chat.postMessage", {"ok": False, "error": "channel_not_found"}, times=1)
    with pytest.raises(SlackApiError) as exc:
        client.chat_postMessage(channel="CX", text="hi")
    assert exc.value.response["error"] == "channel_not_found"
    assert client.chat_postMessage(channel="CX", text="hi")["ok"]


def test_http_500_and_callable_override(stub, client):
    stub.respond("users.info", {"ok": False, "error": "fatal_error"}, status=500, times=1)
    with pytest.raises(SlackApiError) as exc:
        client.users_info(user="U1")
    assert exc.value.response.status_code == 500
    stub.respond("users.info", lambda call: (200, {"X-Test": "1"}, {"ok": True, "user": {"id": call.params["user"]}}))
    r = client.users_info(user="U5")
    assert r["user"] == {"id": "U5"} and r.headers.get("x-test", r.headers.get("X-Test")) in ("1", ["1"])


def test_429_retry_after_handled_by_slack_sdk_retry_handler(stub):
    # Retry-After: 0 keeps this fast: the SDK's handler sleeps Retry-After + random() (< 1 s) itself.
    stub.respond_rate_limited("chat.postMessage", retry_after=0, times=1)
    client = WebClient(base_url=stub.base_url, token="xoxb-test",
                       retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=1)])
    assert client.chat_postMessage(channel="C1", text="hi")["ok"]
    assert [c.status for c in stub.calls("chat.postMessage")] == [429, 200]


def test_429_without_retry_handler_is_an_error_with_retry_after(stub, client):
    stub.respond_rate_limited("chat.postMessage", retry_after=7)
    with pytest.raises(SlackApiError) as exc:
        client.chat_postMessage(channel="C1", text="hi")
    assert exc.value.response.status_code == 429
    assert exc.value.response.headers["Retry-After"] in ("7", ["7"])


def test_rate_limit_per_channel_with_injected_clock(stub, client):
    now = [100.0]
    stub.rate_limit_per_channel(per_seconds=1.0, retry_after=1, clock=lambda: now[0])
    assert client.chat_postMessage(channel="C1", text="a")["ok"]
    with pytest.raises(SlackApiError) as exc:
        client.chat_postMessage(channel="C1", text="b")
    assert exc.value.response.status_code == 429
    assert client.chat_postMessage(channel="C2", text="c")["ok"]
    now[0] += 1.0
    assert client.chat_postMessage(channel="C1", text="d")["ok"]


def test_slow_response_is_pending_until_released(stub, client):
    release = threading.Event()
    stub.respond("chat.postMessage", delayed(5.0, release=release, then=stub.default_response), times=1)
    result = {}
    t = threading.Thread(target=lambda: result.update(r=client.chat_postMessage(channel="C1", text="slow")))
    t.start()
    [call] = stub.wait_for("chat.postMessage")
    assert call.status is None and "r" not in result  # answer still pending
    release.set()
    t.join(timeout=5)
    assert result["r"]["ok"] and call.status == 200


def test_wait_for_sees_calls_from_other_threads_and_explains_timeouts(stub, client):
    threading.Thread(target=lambda: client.chat_postMessage(channel="C1", text="x")).start()
    assert stub.wait_for("chat.postMessage", timeout=5)[0].params["channel"] == "C1"
    with pytest.raises(AssertionError, match=r"views\.publish.*got 0.*chat\.postMessage\[200\]"):
        stub.wait_for("views.publish", timeout=0.05)
    with pytest.raises(AssertionError, match="no chat.update call"):
        stub.last("chat.update")


def test_unknown_methods_and_spec_violations_are_recorded(stub, client):
    client.api_call("chat.postMesage", json={"channel": "C1", "text": "typo"})
    client.api_call("chat.update", json={"channel": "C1", "text": "no ts"})
    stub.expect_refusals()  # Slack also refuses the last two: no view, and a message with nothing in it
    with pytest.raises(SlackApiError, match="invalid_arguments"):
        client.api_call("views.publish", json={"user_id": "U1"})
    with pytest.raises(SlackApiError, match="no_text"):
        client.api_call("chat.postMessage", json={"channel": "C1"})
    assert stub.unknown_methods == [
        "chat.postMesage: not a Slack Web API method (not in the OpenAPI spec nor the newer-methods list)"]
    assert any("chat.update: missing required param 'ts'" in v for v in stub.spec_violations)
    assert any("views.publish: missing required param 'view'" in v for v in stub.spec_violations)
    assert any("chat.postMessage: needs text, blocks or attachments" in v for v in stub.spec_violations)
    with pytest.raises(AssertionError, match="chat.postMesage"):
        stub.assert_clean()
    stub.reset()
    assert stub.calls() == [] and stub.unknown_methods == [] and stub.spec_violations == []


def test_newer_method_allow_list_names_existing_evidence():
    assert "files.getUploadURLExternal" in NEWER_METHODS_EVIDENCE and "chat.startStream" in NEWER_METHODS_EVIDENCE
    for p in evidence_paths():
        assert json.loads(open(p).read())  # raises if a sample is missing


def test_missing_token_is_not_authed(stub):
    with pytest.raises(SlackApiError) as exc:
        WebClient(base_url=stub.base_url).auth_test()
    assert exc.value.response["error"] == "not_authed"


def test_response_url_capture(stub):
    url = stub.response_url("cmd")
    req = urllib.request.Request(url, data=json.dumps({"text": "done", "response_type": "ephemeral"}).encode(),
                                 headers={"Content-Type": "application/json"}, method="POST")
    urllib.request.urlopen(req, timeout=5).read()
    [post] = stub.wait_for_response(name="cmd")
    assert post.params == {"text": "done", "response_type": "ephemeral"}
    assert stub.calls() == []  # not an API call


# =========================================================================== signing
def _verify(body, headers, secret=SECRET):
    return SignatureVerifier(secret).is_valid_request(body, headers)


def test_signature_accepted_by_slack_sdk_verifier():
    body = signing.slash_command_body("/quiz", "start", user_id="U1", channel_id="C1")
    headers = signing.sign(body, SECRET)
    assert _verify(body, headers)
    assert headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert signing.sign('{"a":1}', SECRET)["Content-Type"] == "application/json"
    assert signing.sign(b"x=1", SECRET, timestamp=1700000000)["X-Slack-Request-Timestamp"] == "1700000000"


def test_signature_rejects_tampering_wrong_secret_and_stale_timestamp():
    body = signing.event_body(signing.app_home_opened_event("U1"))
    headers = signing.sign(body, SECRET)
    assert not _verify(body.replace("U1", "U2"), headers)
    assert not _verify(body, headers, secret="another-secret")
    assert not _verify(body, signing.sign(body, SECRET, timestamp=1_000_000_000))


def test_slash_command_keys_follow_slack_sample():
    sample = load_json(*JAVA_SAMPLES, "app-backend", "slash-commands", "SlashCommandPayload.json")
    grid_only = {"enterprise_id", "enterprise_name"}
    body = signing.slash_command_body("quiz", "start now", user_id="U1", channel_id="C1", trigger_id="1.2.3")
    parsed = dict(urllib.parse.parse_qsl(body, keep_blank_values=True))
    assert set(parsed) == set(sample) - grid_only
    assert parsed["command"] == "/quiz" and parsed["text"] == "start now" and parsed["trigger_id"] == "1.2.3"
    assert all(parsed[k] for k in parsed), "every value realistic (non-empty)"
    grid = signing.slash_command_params("/q", "", user_id="U1", channel_id="C1", enterprise_id="E1")
    assert set(grid) == set(sample)


def test_interactive_payload_keys_follow_slack_samples():
    ba_sample = load_json(*JAVA_SAMPLES, "app-backend", "interactive-components", "BlockActionPayload.json")
    body = signing.block_actions_body("vote", "opt-a", user_id="U1", channel_id="C1", message_ts="1.2")
    payload = json.loads(dict(urllib.parse.parse_qsl(body))["payload"])
    assert set(payload) <= set(ba_sample) and payload["type"] == "block_actions"
    assert payload["actions"][0]["action_id"] == "vote" and payload["actions"][0]["value"] == "opt-a"
    assert payload["container"]["message_ts"] == "1.2" and payload["channel"]["id"] == "C1"
    assert set(payload["actions"][0]) <= set(ba_sample["actions"][0])
    schemas.assert_valid_blocks(payload["message"]["blocks"])

    vs_sample = load_json(*JAVA_SAMPLES, "app-backend", "views", "ViewSubmissionPayload.json")
    vs = json.loads(dict(urllib.parse.parse_qsl(signing.view_submission_body(
        "answer", {"q1": {"answer": "42"}}, user_id="U1", private_metadata="m")))["payload"])
    assert set(vs) <= set(vs_sample) and set(vs["view"]) - {"blocks"} <= set(vs_sample["view"])
    assert vs["view"]["state"]["values"]["q1"]["answer"] == {"type": "plain_text_input", "value": "42"}
    with pytest.raises(KeyError):
        signing._keep(vs_sample, {"not_a_slack_key": 1})


def test_event_envelope_follows_slack_sample():
    sample = load_json(*JAVA_SAMPLES, "events", "AppHomeOpenedPayload.json")
    env = json.loads(signing.event_body(signing.app_home_opened_event("U1"), event_id="Ev1"))
    assert set(env) <= set(sample) and env["type"] == "event_callback" and env["event_id"] == "Ev1"
    assert set(env["event"]) <= set(sample["event"]) and env["event"]["type"] == "app_home_opened"


def test_bodies_drive_a_real_bolt_app_against_the_stub(stub):
    """End to end: signed bodies dispatched to slack_bolt; the app's WebClient talks to the stub."""
    from slack_bolt import App, BoltRequest

    app = App(signing_secret=SECRET, client=WebClient(base_url=stub.base_url, token="xoxb-test"))
    stub.wait_for("auth.test")  # Bolt verifies its token at start-up

    @app.command("/quiz")
    def on_quiz(ack, say, command):
        ack()
        say(f"quiz for {command['user_id']}: {command['text']}")

    @app.action("vote")
    def on_vote(ack, body, client):
        ack()
        client.chat_update(channel=body["channel"]["id"], ts=body["message"]["ts"], text="voted")

    @app.view("answer")
    def on_answer(ack, view):
        ack(response_action="errors", errors={"q1": "wrong"}) if view["state"]["values"]["q1"]["a"]["value"] != "42" \
            else ack()

    @app.event("app_home_opened")
    def on_home(event, client):
        client.views_publish(user_id=event["user"], view={"type": "home", "blocks": [{"type": "divider"}]})

    def dispatch(body):
        return app.dispatch(BoltRequest(body=body, headers=signing.sign(body, SECRET)))

    assert dispatch(signing.slash_command_body("/quiz", "go", user_id="U1", channel_id="C1")).status == 200
    assert stub.wait_for("chat.postMessage")[0].params["text"] == "quiz for U1: go"
    assert dispatch(signing.block_actions_body("vote", "a", user_id="U1", channel_id="C1",
                                               message_ts="1.5")).status == 200
    assert stub.wait_for("chat.update")[0].params["ts"] == "1.5"
    resp = dispatch(signing.view_submission_body("answer", {"q1": {"a": "41"}}, user_id="U1"))
    assert resp.status == 200 and json.loads(resp.body)["errors"] == {"q1": "wrong"}
    assert dispatch(signing.event_body(signing.app_home_opened_event("U3"))).status == 200
    assert stub.wait_for("views.publish")[0].params["user_id"] == "U3"
    bad = signing.slash_command_body("/quiz", "go", user_id="U1", channel_id="C1")
    assert app.dispatch(BoltRequest(body=bad, headers=signing.sign(bad, "wrong-secret"))).status == 401
    stub.assert_clean()


# =========================================================================== Block Kit schemas
def _fixture(name):
    return load_json(*PY_SDK_FIXTURES, name)


REQUEST_SHAPED_MODALS = [f"view_modal_00{i}.json" for i in range(1, 8)]
REQUEST_SHAPED_HOMES = [f"view_home_00{i}.json" for i in range(1, 6)]
# Response-shaped (what Slack returns; the request schema rightly rejects them):
#   view_modal_008.json carries `hash` and `state`;
#   view_modal_009.json / view_modal_010.json carry id, team_id, state, hash, app_id, bot_id, root_view_id;
#   view_home_006.json carries id, team_id, hash, app_id, bot_id, root_view_id.
RESPONSE_SHAPED = ["view_modal_008.json", "view_modal_009.json", "view_modal_010.json", "view_home_006.json"]


@pytest.mark.parametrize("name", REQUEST_SHAPED_MODALS)
def test_python_sdk_modal_fixtures_are_valid(name):
    schemas.assert_valid_modal(_fixture(name))


@pytest.mark.parametrize("name", REQUEST_SHAPED_HOMES)
def test_python_sdk_home_fixtures_are_valid(name):
    schemas.assert_valid_home(_fixture(name))


@pytest.mark.parametrize("name", RESPONSE_SHAPED)
def test_response_shaped_fixtures_are_rejected(name):
    view = _fixture(name)
    check = schemas.assert_valid_modal if view["type"] == "modal" else schemas.assert_valid_home
    with pytest.raises(AssertionError, match="Additional properties"):
        check(view)


def _section(text):
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def _button(text="Go", **kw):
    return {"type": "button", "text": {"type": "plain_text", "text": text}, "action_id": "go", **kw}


def test_valid_message_blocks_pass():
    schemas.assert_valid_blocks([
        {"type": "header", "text": {"type": "plain_text", "text": "Daily digest"}},
        _section("x" * 3000),
        {"type": "actions", "elements": [_button(value="v" * 2000)]},
        {"type": "context", "elements": [{"type": "mrkdwn", "text": "by bot"}]},
    ])
    schemas.assert_valid_message({"channel": "C1", "text": "fallback", "blocks": [_section("hi")]})
    schemas.assert_valid_message({"text": "only text", "response_type": "ephemeral"})


@pytest.mark.parametrize("blocks, expected", [
    ([_section("x" * 3001)], r"\$\[0\]\.text\.text: section text is 3001 chars"),
    ([{"type": "actions", "elements": [{"type": "button", "action_id": "a"}]}],
     r"\$\[0\]\.elements\[0\]: 'text' is a required property"),
    ([{"type": "sektion", "text": {"type": "mrkdwn", "text": "x"}}], r"unknown block type 'sektion'"),
    ([_section("x")] * 51, r"51 blocks, a message allows 50"),
    ([{"type": "header", "text": {"type": "plain_text", "text": "h" * 151}}], r"header text is 151 chars"),
    ([{"type": "actions", "elements": [_button("b" * 76)]}], r"button text is 76 chars"),
    ([{"type": "actions", "elements": [_button(action_id="a" * 256)]}], r"action_id is 256 chars"),
    ([{"type": "actions", "elements": [_button(value="v" * 2001)]}], r"button value is 2001 chars"),
    ([{"type": "actions", "elements": [_button() for _ in range(26)]}], r"26 elements, Slack allows 25"),
    ([{"type": "section", "text": {"type": "mrkdwn"}}], r"\$\[0\]\.text: 'text' is a required property"),
])
def test_broken_blocks_are_rejected_with_path(blocks, expected):
    with pytest.raises(AssertionError, match=expected):
        schemas.assert_valid_blocks(blocks)


def test_modal_and_home_limits():
    modal = {"type": "modal", "title": {"type": "plain_text", "text": "t" * 25}, "blocks": [_section("x")]}
    with pytest.raises(AssertionError, match=r"title"):
        schemas.assert_valid_modal(modal)
    with pytest.raises(AssertionError, match=r"101 blocks"):
        schemas.assert_valid_home({"type": "home", "blocks": [{"type": "divider"}] * 101})
    with pytest.raises(AssertionError, match="submit"):  # input blocks need a submit button
        schemas.assert_valid_modal({"type": "modal", "title": {"type": "plain_text", "text": "Q"}, "blocks": [
            {"type": "input", "label": {"type": "plain_text", "text": "A"},
             "element": {"type": "plain_text_input", "action_id": "a"}}]})


def test_broken_messages_are_rejected():
    with pytest.raises(AssertionError, match="needs text, blocks or attachments"):
        schemas.assert_valid_message({"channel": "C1"})
    with pytest.raises(AssertionError, match=r"\$\.blocks\[0\]\.text\.text"):
        schemas.assert_valid_message({"text": "t", "blocks": [_section("x" * 3001)]})
    with pytest.raises(AssertionError, match=r"unknown message keys \['block'\]"):
        schemas.assert_valid_message({"text": "t", "block": []})


# =========================================================================== manifests
MANIFESTS = ("slackapi", "manifest-schema", "tests", "manifests")


@pytest.mark.parametrize("version", ["v1", "v2"])
def test_manifest_schema_samples(version):
    schemas.assert_valid_manifest(load_json(*MANIFESTS, version, "manifest.valid.json"))
    with pytest.raises(AssertionError, match="invalid app manifest"):
        schemas.assert_valid_manifest(load_json(*MANIFESTS, version, "manifest.invalid.json"))


@pytest.mark.parametrize("path", [
    ("slackapi", "bolt-js", "examples", "deploy-aws-lambda", "manifest.json"),
    ("slackapi", "bolt-js", "examples", "deploy-heroku", "manifest.json"),
    ("slackapi", "bolt-js", "examples", "message-metadata", "app-manifest.json"),
    ("slackapi", "node-slack-sdk", "prod-server-integration-tests", "manifests", "main-bot-app.manifest.json"),
    ("slackapi", "node-slack-sdk", "prod-server-integration-tests", "manifests", "socket-mode-app.manifest.json"),
])
def test_real_bolt_manifests_are_valid(path):
    manifest = load_json(*path)
    assert schemas.manifest_schema_version(manifest) == "1.0.0"
    schemas.assert_valid_manifest(manifest)


def test_classic_bolt_manifest_and_regex_keyword():
    manifest = {
        "display_information": {"name": "Article Circle", "background_color": "#1d3557"},
        "features": {"bot_user": {"display_name": "Article Circle", "always_online": True},
                     "app_home": {"home_tab_enabled": True, "messages_tab_enabled": False},
                     "slash_commands": [{"command": "/circle", "description": "Article circle",
                                         "should_escape": False}]},
        "oauth_config": {"scopes": {"bot": ["chat:write", "commands", "users:read"]}},
        "settings": {"event_subscriptions": {"bot_events": ["app_home_opened"]},
                     "interactivity": {"is_enabled": True}, "socket_mode_enabled": True},
    }
    assert schemas.manifest_schema_version(manifest) == "1.0.0"
    schemas.assert_valid_manifest(manifest)
    manifest["display_information"]["background_color"] = "blue!!"
    with pytest.raises(AssertionError, match=r"\$\.display_information\.background_color"):
        schemas.assert_valid_manifest(manifest)


def test_local_dispatch_agrees_with_top_level_manifest_schema():
    from jsonschema import Draft7Validator

    top = load_json("slackapi", "manifest-schema", "manifest.schema.json")
    validator = Draft7Validator(top, registry=schemas.manifest_dispatch_registry())
    for version in ("v1", "v2"):
        for kind in ("valid", "invalid"):
            manifest = load_json(*MANIFESTS, version, f"manifest.{kind}.json")
            assert validator.is_valid(manifest) == (not schemas.manifest_problems(manifest)) == (kind == "valid")
