"""The app manifest: valid against Slack's schema, and in step with what the code asks for and listens to."""

import json
from pathlib import Path

from bot.app import BOT_SCOPES
from tests.support.schemas import assert_valid_manifest

ROOT = Path(__file__).resolve().parents[1]
MANIFEST = json.loads((ROOT / "manifest.json").read_text())


def test_manifest_validates_against_slacks_schema():
    assert_valid_manifest(MANIFEST)


def test_manifest_asks_for_exactly_the_scopes_the_oauth_flow_requests():
    assert sorted(MANIFEST["oauth_config"]["scopes"]["bot"]) == sorted(BOT_SCOPES)


def test_every_slash_command_in_the_manifest_has_a_listener_and_is_documented(http_app):
    readme = (ROOT / "README.md").read_text()
    for command in MANIFEST["features"]["slash_commands"]:
        name = command["command"]
        response = http_app.command(name, "help")
        assert response.status == 200 and response.body, f"{name} has no listener answering help"
        assert f"`{name}" in readme, f"{name} is not documented in the README"


def test_socket_mode_interactivity_and_app_home_are_on():
    settings = MANIFEST["settings"]
    assert settings["socket_mode_enabled"] is True
    assert settings["interactivity"]["is_enabled"] is True
    assert MANIFEST["features"]["app_home"]["home_tab_enabled"] is True
    assert "app_home_opened" in settings["event_subscriptions"]["bot_events"]
