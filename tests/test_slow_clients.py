"""Slow clients cannot starve the app: 16 connections stalled mid-body, then a signed `/digest help` through
the real web process as the Procfile starts it (bot/server.py, waitress)."""

from __future__ import annotations

from bench.slow_clients import measure
from tests.conftest import ROOT


def test_sixteen_stalled_uploads_do_not_delay_a_signed_command_past_a_second(stub, tmp_path):
    env = {"SLACK_BOT_TOKEN": "xoxb-test", "SLACK_API_URL": stub.base_url, "DATABASE_PATH": str(tmp_path / "bot.db"),
           "CONTENT_DIR": str(ROOT / "tests" / "packs"), "LOG_LEVEL": "WARNING"}
    calm, stalled = measure(env, runs=3)
    print(f"/digest help: {calm * 1000:.1f} ms alone, {stalled * 1000:.1f} ms beside 16 stalled uploads")
    assert stalled < 1.0
