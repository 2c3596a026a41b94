"""Faults against the real web process, as the Procfile starts it (slow: `make test-slow`)."""

import os
import signal
import sqlite3
import threading
import urllib.request

import pytest

from bench.process import free_port, start_web
from tests.conftest import ROOT, SIGNING_SECRET, TEAM
from tests.support.signing import block_actions_body, sign, slash_command_body

pytestmark = pytest.mark.slow


def web_env(stub, db):
    return {"SLACK_BOT_TOKEN": "xoxb-test", "SLACK_SIGNING_SECRET": SIGNING_SECRET, "SLACK_API_URL": stub.base_url,
            "DATABASE_PATH": str(db), "CONTENT_DIR": str(ROOT / "tests" / "packs"), "LOG_LEVEL": "WARNING"}


def send(url, body, timeout=5):
    request = urllib.request.Request(url, data=body.encode(), headers=sign(body, SIGNING_SECRET), method="POST")
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return response.status


def test_sigkill_during_a_vote_burst_loses_no_acknowledged_vote(stub, tmp_path):
    db = tmp_path / "bot.db"
    port = free_port()
    proc, _ = start_web(web_env(stub, db), port)
    url = f"http://127.0.0.1:{port}/slack/events"
    try:
        send(url, slash_command_body("/discuss", "1", user_id="UHOST", channel_id="C1", team_id=TEAM,
                                     response_url=stub.response_url()))
        post = stub.wait_for("chat.postMessage", timeout=10)[0]
        buttons = [e for b in post.params["blocks"] if b["type"] == "actions" for e in b["elements"]
                   if e["action_id"].startswith("poll.vote.")]
        values = [e["value"] for e in buttons]
        acknowledged, lock, killed = [], threading.Lock(), threading.Event()

        def voter(n):
            for i in range(200):
                if killed.is_set():
                    return
                user = f"U{n:02d}{i:03d}"
                body = block_actions_body(buttons[(n + i) % len(values)]["action_id"], values[(n + i) % len(values)],
                                          user_id=user, channel_id="C1",
                                          team_id=TEAM)
                try:
                    if send(url, body) == 200:
                        with lock:
                            acknowledged.append(user)
                except OSError:
                    return

        threads = [threading.Thread(target=voter, args=(n,)) for n in range(10)]
        [t.start() for t in threads]
        while len(acknowledged) < 150:  # well into the burst
            threads[0].join(0.01)
        os.killpg(proc.pid, signal.SIGKILL)  # gunicorn's master and its worker, mid-burst
        killed.set()
        [t.join(10) for t in threads]
    finally:
        proc.kill()
        proc.wait(10)
    with pytest.raises(OSError):  # nothing is serving any more
        send(url, slash_command_body("/digest", "help", user_id="U1", channel_id="C1", team_id=TEAM), timeout=2)

    # restart on the same database: every acknowledged vote is there, each person once
    proc, _ = start_web(web_env(stub, db), free_port())
    try:
        with sqlite3.connect(db) as conn:
            stored = [row[0] for row in conn.execute("SELECT user_id FROM votes")]
        assert len(stored) == len(set(stored))
        missing = set(acknowledged) - set(stored)
        assert not missing, f"{len(missing)} acknowledged votes lost"
        assert len(acknowledged) >= 150
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(10)
