"""`python -m bot backup / restore / forget`: a copy taken while the app serves a burst of votes holds every
vote acknowledged before it began; a restore never replaces a live database by accident; forget deletes one
person's (or one workspace's) rows and nothing else."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import threading
import urllib.request
from pathlib import Path

import pytest

from bench.process import free_port, start_web
from bot.app import build_services, create_app
from bot.config import Settings
from bot.ingest.ack_first import AckFirst
from store import journal, open_store, polls, quizzes
from store.backup import backup, journal_directory
from tests.conftest import ROOT, SAMPLE_PACKS, SIGNING_SECRET, TEAM
from tests.support.signing import block_actions_body, sign, slash_command_body


def bot_cli(*args: str, database: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_PATH": str(database), "CONTENT_DIR": str(SAMPLE_PACKS), "PYTHONPATH": str(ROOT),
           "SLACK_BOT_TOKEN": "", "SLACK_APP_TOKEN": "", "LOG_LEVEL": "WARNING"}
    return subprocess.run([sys.executable, "-m", "bot", *args], env=env, cwd=ROOT, capture_output=True, text=True,
                          timeout=60)


def send(url: str, body: str, timeout: float = 10) -> int:
    request = urllib.request.Request(url, data=body.encode(), headers=sign(body, SIGNING_SECRET), method="POST")
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return response.status


def restored_votes(stub, backup: Path, target: Path) -> tuple[set[str], int]:
    """`python -m bot restore` of `backup` into `target`, then a start on it: (the voters it holds, how many
    of them only the copied journals held)."""
    result = bot_cli("restore", str(backup), database=target)
    assert result.returncode == 0, result.stderr
    with sqlite3.connect(target) as conn:
        in_sqlite = {r[0] for r in conn.execute("SELECT user_id FROM votes")}
    settings = Settings(bot_token="xoxb-test", signing_secret=SIGNING_SECRET, slack_api_url=stub.base_url,
                        database_path=target, content_dir=SAMPLE_PACKS)
    services = build_services(settings)
    create_app(services)  # a start: applies what the journals copied with the backup hold
    try:
        stored = {r["user_id"] for r in services.store.rows("SELECT user_id FROM votes")}
    finally:
        services.background.shutdown(wait=True)
        services.store.close()
    assert sqlite3.connect(target).execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    return stored, len(stored - in_sqlite)


def test_a_backup_taken_mid_burst_restores_with_every_vote_acknowledged_before_it(stub, tmp_path):
    """Two backups in one burst of votes: one while the app serves, one with the app frozen (SIGSTOP) in the
    middle of the burst, so that its last two seconds of acknowledged votes are in its journal only."""
    db = tmp_path / "live" / "bot.db"
    port = free_port()
    env = {"SLACK_BOT_TOKEN": "xoxb-test", "SLACK_SIGNING_SECRET": SIGNING_SECRET, "SLACK_API_URL": stub.base_url,
           "DATABASE_PATH": str(db), "CONTENT_DIR": str(SAMPLE_PACKS), "LOG_LEVEL": "WARNING"}
    proc, _ = start_web(env, port)
    url = f"http://127.0.0.1:{port}/slack/events"
    acknowledged: list[str] = []
    lock, stop = threading.Lock(), threading.Event()
    try:
        send(url, slash_command_body("/discuss", "1", user_id="UHOST", channel_id="C1", team_id=TEAM))
        post = stub.wait_for("chat.postMessage", timeout=10)[0]
        buttons = [e for b in post.params["blocks"] if b["type"] == "actions" for e in b["elements"]
                   if e["action_id"].startswith("poll.vote.")]

        def voter(n: int) -> None:
            for i in range(2000):
                if stop.is_set():
                    return
                user, button = f"U{n:02d}{i:04d}", buttons[(n + i) % len(buttons)]
                try:
                    status = send(url, block_actions_body(button["action_id"], button["value"], user_id=user,
                                                          channel_id="C1", team_id=TEAM), timeout=3)
                except OSError:
                    return  # the app is frozen: this vote was never acknowledged
                if status == 200:
                    with lock:
                        acknowledged.append(user)

        threads = [threading.Thread(target=voter, args=(n,)) for n in range(6)]
        [t.start() for t in threads]
        while len(acknowledged) < 200:
            threads[0].join(0.01)
        with lock:
            before_serving_backup = set(acknowledged)
        serving = bot_cli("backup", str(tmp_path / "serving.db"), database=db)  # the burst goes on meanwhile
        with lock:
            during = len(acknowledged) - len(before_serving_backup)
        os.killpg(proc.pid, signal.SIGSTOP)  # mid-burst: nothing more is acknowledged, applied or written
        with lock:
            before_frozen_backup = set(acknowledged)
        frozen = bot_cli("backup", str(tmp_path / "frozen.db"), database=db)
        stop.set()
        [t.join(10) for t in threads]
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(10)
    assert serving.returncode == 0 and frozen.returncode == 0, serving.stderr + frozen.stderr
    assert during > 0  # it was taken mid-burst

    stored, from_journal = restored_votes(stub, tmp_path / "serving.db", tmp_path / "restored-serving" / "bot.db")
    assert not before_serving_backup - stored, "votes acknowledged before the backup are not in it"
    print(f"\nbackup while serving: {len(before_serving_backup)} votes acknowledged before it began, {during} while "
          f"it ran; restored {len(stored)} ({from_journal} from the journal)")
    stored, from_journal = restored_votes(stub, tmp_path / "frozen.db", tmp_path / "restored-frozen" / "bot.db")
    print(f"backup of the frozen app: {len(before_frozen_backup)} acknowledged, restored {len(stored)} "
          f"({from_journal} from the journal)")
    assert not before_frozen_backup - stored, f"{len(before_frozen_backup - stored)} acknowledged votes lost"


def test_a_backup_carries_the_votes_only_the_journal_holds(http_app, stub, services, tmp_path):
    """Votes acknowledged during a burst wait in the click journal until the requests lull: a backup taken
    then has them only through the journals it copies, and a start on the restored copy applies them."""
    services.runtime.acks = AckFirst(max_wait=60.0)
    http_app.command("/discuss", "1", user_id="UHOST")
    post = stub.wait_for("chat.postMessage", timeout=10)[0]
    services.wait_idle()
    button = next(e for b in post.params["blocks"] if b["type"] == "actions" for e in b["elements"]
                  if e["action_id"].startswith("poll.vote."))
    with services.acks.handling():  # the burst goes on: nothing is applied meanwhile
        for n in range(5):
            assert http_app.click(button["value"], user_id=f"UJ{n}", channel_id="C0CHAN").status == 200
        with sqlite3.connect(services.settings.database_path) as conn:  # the file as it is: no journal applied
            assert conn.execute("SELECT user_id FROM votes").fetchall() == []  # acknowledged, in the journal only
        backup(services.settings.database_path, tmp_path / "copy.db")
    stored, from_journal = restored_votes(stub, tmp_path / "copy.db", tmp_path / "restored" / "bot.db")
    assert stored == {f"UJ{n}" for n in range(5)} and from_journal == 5


def test_restore_refuses_an_existing_database_unless_forced_and_a_live_one_always(tmp_path):
    source, target = tmp_path / "copy.db", tmp_path / "data" / "bot.db"
    open_store(source).close()  # the schema is all this backup needs
    open_store(target).close()

    refused = bot_cli("restore", str(source), database=target)
    assert refused.returncode == 2 and "--force" in refused.stderr

    running = journal.Journal(journal_directory(target), slots=16, database="x")  # as a serving process holds it
    try:
        live = bot_cli("restore", str(source), "--force", database=target)
        assert live.returncode == 2 and "running process" in live.stderr
    finally:
        running.close()

    forced = bot_cli("restore", str(source), "--force", database=target)
    assert forced.returncode == 0, forced.stderr
    assert list(target.parent.glob("bot.db.replaced-*"))  # the one that was there is moved aside, not deleted
    assert bot_cli("backup", str(tmp_path / "copy.db"), database=target).returncode == 2  # nor is a backup overwritten


@pytest.fixture
def responses(tmp_path):
    """Two polls (one anonymous) and a quiz, with votes, comments and answers from U1, U2 and U3 in T1, and U1 in T2."""
    store = open_store(tmp_path / "bot.db")
    for team in ("T1", "T2"):
        for number, anonymous in ((1, False), (2, True)):
            post = polls.create_post(store, team_id=team, channel_id="C1", pack_id="sample", poll_id=f"p{number}",
                                     number=number, language="en", anonymous=anonymous, results_hidden=False,
                                     closes_at=None, posted_by="UHOST")
            for user in (("U1", "U2", "U3") if team == "T1" else ("U1",)):
                polls.cast_vote(store, team, post.id, user, "yes", 1001.0)
                polls.add_comment(store, team, post.id, user, f"{user} thinks so", 1002.0)
        quiz = quizzes.start(store, team_id=team, channel_id="C1", host="UHOST", pack_id="sample", language="en",
                             question_ids=["q-code-red-weeks"], timer_s=45, now=1000.0)
        quizzes.open_question(store, quiz, 0, 1000.0)
        for user in (("U1", "U2") if team == "T1" else ("U1",)):
            quizzes.answer(store, team_id=team, quiz_id=quiz.id, position=0, user_id=user, answer_text="1",
                           correct=True, score=120, now=1010.0)
    store.close()
    return tmp_path / "bot.db"


def counts(database: Path) -> dict[tuple[str, str, str], int]:
    """Rows per (table, team, user) in the tables that hold responses."""
    with sqlite3.connect(database) as conn:
        return {(table, team, user): n for table in ("votes", "vote_log", "comments", "quiz_answers")
                for team, user, n in conn.execute(f"SELECT team_id, user_id, COUNT(*) FROM {table} "
                                                  "GROUP BY team_id, user_id")}


def test_forget_a_user_in_a_workspace_removes_exactly_their_rows_and_exports_them_first(responses, tmp_path):
    before = counts(responses)
    assert before[("votes", "T1", "U2")] == 2 and before[("quiz_answers", "T1", "U2")] == 1
    export = tmp_path / "u2.json"
    result = bot_cli("forget", "--user", "U2", "--team", "T1", "--export", str(export), database=responses)
    assert result.returncode == 0, result.stderr
    after = counts(responses)
    assert {k: v for k, v in before.items() if k[2] != "U2"} == after  # everyone else's rows untouched
    import json
    exported = json.loads(export.read_text())
    assert len(exported["votes"]) == 2 and len(exported["comments"]) == 2 and len(exported["quiz_answers"]) == 1
    assert len({r["poll_post_id"] for r in exported["votes"]}) == 2  # the anonymous poll's vote too


def test_forget_a_user_everywhere_and_forget_a_workspace(responses):
    assert bot_cli("forget", "--user", "U1", database=responses).returncode == 0
    assert not [k for k in counts(responses) if k[2] == "U1"]  # in both workspaces
    assert bot_cli("forget", "--team", "T1", database=responses).returncode == 0
    assert not [k for k in counts(responses) if k[1] == "T1"]
    with sqlite3.connect(responses) as conn:
        assert conn.execute("SELECT COUNT(*) FROM poll_posts WHERE team_id = 'T1'").fetchone()[0] == 0
        assert conn.execute("SELECT COUNT(*) FROM poll_posts WHERE team_id = 'T2'").fetchone()[0] == 2
