"""The app manifests: valid against Slack's schema, generated from one place, in step with the code.

Socket Mode (`manifest.json`, single workspace) and HTTP with OAuth (`python -m bot manifest --http`).
Fields: https://docs.slack.dev/reference/app-manifest
"""

import dataclasses
import json
import re
import subprocess
import sys
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from bot import manifest as app_manifest
from bot.__main__ import main
from bot.app import build_services, oauth_settings
from tests.conftest import TEAM, HttpApp
from tests.support.schemas import assert_valid_manifest, manifest_problems
from tests.support.signing import app_home_opened_event, event_body

ROOT = Path(__file__).resolve().parents[1]
MANIFEST = json.loads((ROOT / "manifest.json").read_text())
HOST = "https://circle.example.com"


def cli_manifest(capsys, *args: str) -> dict:
    assert main(["manifest", *args]) == 0
    return json.loads(capsys.readouterr().out)


@pytest.fixture
def http_manifest(capsys):
    return cli_manifest(capsys, "--http", HOST)


def test_manifest_json_is_the_generated_socket_mode_manifest(capsys):
    assert MANIFEST == app_manifest.build(), "manifest.json drifted: run `python -m bot manifest > manifest.json`"
    assert cli_manifest(capsys) == MANIFEST


def test_both_manifests_validate_against_slacks_schema(http_manifest):
    assert_valid_manifest(MANIFEST)
    assert_valid_manifest(http_manifest)


def test_the_schema_check_sees_a_broken_request_url(http_manifest):
    # the schema wants https?:// request URLs: proof the validation above looks at them
    http_manifest["settings"]["event_subscriptions"]["request_url"] = "circle.example.com/slack/events"
    assert manifest_problems(http_manifest)


def test_socket_mode_manifest_has_no_request_urls():
    settings = MANIFEST["settings"]
    assert settings["socket_mode_enabled"] is True
    assert settings["interactivity"] == {"is_enabled": True}
    assert "request_url" not in settings["event_subscriptions"]
    assert "redirect_urls" not in MANIFEST["oauth_config"]
    assert all("url" not in command for command in MANIFEST["features"]["slash_commands"])


def test_http_manifest_points_everything_at_the_host(http_manifest):
    events = f"{HOST}/slack/events"
    settings = http_manifest["settings"]
    assert settings["socket_mode_enabled"] is False
    assert settings["event_subscriptions"]["request_url"] == events
    assert settings["interactivity"] == {"is_enabled": True, "request_url": events}
    assert [c["url"] for c in http_manifest["features"]["slash_commands"]] == [events] * 3
    assert http_manifest["oauth_config"]["redirect_urls"] == [f"{HOST}/slack/oauth_redirect"]
    # everything else is the Socket Mode manifest's
    assert http_manifest["oauth_config"]["scopes"] == MANIFEST["oauth_config"]["scopes"]
    assert settings["event_subscriptions"]["bot_events"] == MANIFEST["settings"]["event_subscriptions"]["bot_events"]
    assert http_manifest["features"]["app_home"] == MANIFEST["features"]["app_home"]


def test_http_manifest_from_the_command_line():
    done = subprocess.run([sys.executable, "-m", "bot", "manifest", "--http", HOST + "/"], cwd=ROOT,
                          capture_output=True, text=True, timeout=60, env={"PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["settings"]["event_subscriptions"]["request_url"] == f"{HOST}/slack/events"


@pytest.mark.parametrize("origin", ["http://circle.example.com", "circle.example.com",
                                    "https://circle.example.com/slack/events", "https://"])
def test_http_wants_an_https_origin(capsys, origin):
    assert main(["manifest", "--http", origin]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.startswith("error: --http wants")


def test_the_redirect_url_is_where_the_oauth_flow_redirects(settings, clock):
    oauth = dataclasses.replace(settings, bot_token=None, client_id="111.222", client_secret="shh")
    services = build_services(oauth, clock=clock)
    try:
        flow = oauth_settings(services)
    finally:
        services.background.shutdown(wait=True)
        services.store.close()
    assert flow.redirect_uri_path == app_manifest.OAUTH_REDIRECT_PATH
    assert sorted(flow.scopes) == sorted(MANIFEST["oauth_config"]["scopes"]["bot"])


def test_installing_asks_slack_for_exactly_the_manifests_scopes(settings, clock, stub):
    oauth = dataclasses.replace(settings, bot_token=None, client_id="111.222", client_secret="shh")
    app = HttpApp(build_services(oauth, clock=clock), stub)
    try:
        with urllib.request.urlopen(app.url.replace("/slack/events", "/slack/install"), timeout=10) as page:
            html = page.read().decode()
    finally:
        app.close()
    authorize = re.search(r'href="(https://slack.com/oauth/v2/authorize\?[^"]+)"', html).group(1)
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(authorize.replace("&amp;", "&")).query)
    assert sorted(query["scope"][0].split(",")) == sorted(MANIFEST["oauth_config"]["scopes"]["bot"])


def test_messages_tab_is_on_and_read_only_in_both(http_manifest):
    for each in (MANIFEST, http_manifest):
        assert each["features"]["app_home"] == {"home_tab_enabled": True, "messages_tab_enabled": True,
                                                "messages_tab_read_only_enabled": True}


def test_lifecycle_reply_events_and_their_scopes_are_asked_for():
    for each in (MANIFEST, app_manifest.build("https://circle.example.com")):
        assert each["settings"]["event_subscriptions"]["bot_events"] == [
            "app_home_opened", "app_uninstalled", "tokens_revoked", "message.channels", "message.groups",
            "reaction_added", "reaction_removed"]
        assert {"channels:history", "groups:history", "reactions:read"} <= set(each["oauth_config"]["scopes"]["bot"])


def _bot_source() -> str:
    return "\n".join(p.read_text() for p in (ROOT / "bot").rglob("*.py") if p.name != "manifest.py")


@pytest.mark.parametrize("scope", app_manifest.BOT_SCOPES)
def test_every_scope_is_used_by_the_code(scope):
    source = _bot_source()
    uses = app_manifest.SCOPE_USES[scope]
    if uses == ("slash commands",):
        assert MANIFEST["features"]["slash_commands"]
        return
    if uses == ("conversations_history",) and ".conversations_history(" not in source:
        pytest.skip("conversations.history arrives with the lookup of posts whose answer was lost (#14)")
    events = [use.removeprefix("event:") for use in uses if use.startswith("event:")]
    called = [method for method in uses if re.search(rf"\.{method}\(", source)]
    called += [name for name in events if f'app.event("{name}")' in source]
    assert called, f"{scope} is asked for, but nothing in bot/ calls {', '.join(uses)}"


def test_every_web_api_method_the_code_calls_has_its_scope():
    """The other way round: a method needing a scope the manifest lacks would fail with missing_scope."""
    needs_no_scope = {"auth_test", "views_publish", "views_open", "views_update", "views_push",
                      "chat_getPermalink"}  # https://docs.slack.dev/reference/methods/chat.getPermalink: no scope
    declared = {method for uses in app_manifest.SCOPE_USES.values() for method in uses}
    called = set(re.findall(r"\.((?:chat|users|conversations|files|views|reactions|pins|auth)_[A-Za-z0-9_]+)\(",
                            _bot_source()))
    assert called - declared - needs_no_scope == set()


def test_every_subscribed_event_has_a_listener(http_app, stub):
    response = http_app.post(event_body(app_home_opened_event("U0USER"), team_id=TEAM))
    assert response.status == 200
    stub.wait_for("views.publish")
    for event in ({"type": "app_uninstalled"}, {"type": "tokens_revoked", "tokens": {"oauth": [], "bot": []}}):
        assert http_app.post(event_body(event, team_id=TEAM)).status == 200, f"{event['type']} has no listener"


def test_every_slash_command_in_the_manifest_has_a_listener_and_is_documented(http_app, http_manifest):
    readme = (ROOT / "README.md").read_text()
    for command in http_manifest["features"]["slash_commands"]:
        name = command["command"]
        assert urllib.parse.urlsplit(command["url"]).path == urllib.parse.urlsplit(http_app.url).path
        response = http_app.command(name, "help")
        assert response.status == 200 and response.body, f"{name} has no listener answering help"
        assert f"`{name}" in readme, f"{name} is not documented in the README"
