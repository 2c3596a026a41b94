"""Configuration: bad settings stop the bot with one line naming the variable and exit status 2."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import ConfigError, load_settings

ROOT = Path(__file__).resolve().parents[1]


def run_bot(args, env, cwd):
    clean = {k: v for k, v in os.environ.items() if not k.startswith("SLACK_")}
    return subprocess.run([sys.executable, "-m", "bot", *args], capture_output=True, text=True, timeout=60,
                          env={**clean, "PYTHONPATH": str(ROOT), **env}, cwd=cwd)


@pytest.mark.parametrize(
    "env, names",
    [
        ({"SLACK_BOT_TOKEN": "xoxb-1"}, "SLACK_SIGNING_SECRET"),
        ({"SLACK_SIGNING_SECRET": "s"}, "SLACK_BOT_TOKEN"),
        ({"SLACK_BOT_TOKEN": "not-a-token", "SLACK_SIGNING_SECRET": "s"}, "SLACK_BOT_TOKEN"),
        ({"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s", "DEFAULT_TZ": "Mars/Base"}, "DEFAULT_TZ"),
        ({"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s", "LOG_LEVEL": "LOUD"}, "LOG_LEVEL"),
        ({"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s", "PORT": "http"}, "PORT"),
        ({"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s", "SLACK_API_URL": "slack.com"}, "SLACK_API_URL"),
        ({"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s", "CONTENT_DIR": "/nonexistent"}, "CONTENT_DIR"),
        ({"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s", "ADMIN_USER_IDS": "U1,bob"}, "ADMIN_USER_IDS"),
        ({"SLACK_APP_TOKEN": "xoxb-wrong-kind", "SLACK_BOT_TOKEN": "xoxb-1"}, "SLACK_APP_TOKEN"),
    ],
)
def test_bad_configuration_exits_2_with_one_line_naming_the_variable(tmp_path, env, names):
    args = ["serve", "--socket"] if "SLACK_APP_TOKEN" in env else ["serve", "--http"]
    result = run_bot(args, env, tmp_path)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and names in lines[0]
    assert "Traceback" not in result.stderr


def test_a_token_slack_rejects_exits_2(tmp_path, stub):
    stub.respond("auth.test", {"ok": False, "error": "invalid_auth"})
    env = {"SLACK_BOT_TOKEN": "xoxb-revoked", "SLACK_SIGNING_SECRET": "s", "SLACK_API_URL": stub.base_url}
    result = run_bot(["serve", "--http"], env, tmp_path)
    assert result.returncode == 2
    assert "SLACK_BOT_TOKEN was rejected by Slack (invalid_auth)" in result.stderr
    assert "xoxb-revoked" not in result.stderr  # secrets never printed
    assert "Traceback" not in result.stderr


def test_an_unusable_database_path_exits_2(tmp_path, stub):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    env = {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s", "SLACK_API_URL": stub.base_url,
           "DATABASE_PATH": str(blocker / "bot.db")}
    result = run_bot(["serve", "--http"], env, tmp_path)
    assert result.returncode == 2 and "DATABASE_PATH" in result.stderr and "Traceback" not in result.stderr


def test_env_file_is_read_and_the_environment_wins(tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text("SLACK_BOT_TOKEN=xoxb-from-file\nDEFAULT_TZ=Europe/London\nADMIN_USER_IDS=U1,U2\n")
    settings = load_settings({"DEFAULT_TZ": "Asia/Taipei"}, env_file=env_file)
    assert settings.bot_token == "xoxb-from-file"
    assert settings.default_tz == "Asia/Taipei"
    assert settings.admin_user_ids == frozenset({"U1", "U2"})
    assert "xoxb" not in repr(settings)


def test_config_error_names_the_variable():
    with pytest.raises(ConfigError, match="DEFAULT_TZ"):
        load_settings({"DEFAULT_TZ": "Nowhere/Land"}, env_file=None)
