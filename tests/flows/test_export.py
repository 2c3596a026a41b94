"""Export: CSV and JSON of votes, changed votes and comments, formula cells neutralised, anonymity kept."""

import csv
import io
import json
import os
import sqlite3
import subprocess
import sys
import tracemalloc
import types

from bot.domain.polls import PollOptions
from bot.flows.export import neutralise, records, rows, to_csv, to_json, write_csv
from bot.flows.polls import add_comment, post_poll
from bot.slack.posting import ChannelPacer
from store import polls
from tests.conftest import ROOT, TEAM


def seed(services, anonymous=False, channel="C0CHAN", team=TEAM):
    post = post_poll(services, ChannelPacer(interval=0), team_id=team, channel_id=channel, number=1, language="en",
                     options=PollOptions(anonymous=anonymous), posted_by="UHOST", timezone="UTC")
    now = services.clock.now().timestamp()
    polls.cast_vote(services.store, team, post.id, "UALICE", "yes", now)
    polls.cast_vote(services.store, team, post.id, "UALICE", "no", now + 1)  # a changed vote
    polls.cast_vote(services.store, team, post.id, "UBOB", "layers", now + 2)
    add_comment(services, team_id=team, post_id=post.id, user_id="UBOB", text="=HYPERLINK(\"http://x\")")
    return post


def test_rows_carry_question_section_and_every_click(services, stub):
    seed(services)
    records = rows(services, team_id=TEAM)
    votes = [r for r in records if r["kind"] == "vote"]
    assert [(r["user_id"], r["answer"], r["previous_answer"]) for r in votes] == [
        ("UALICE", "yes", ""), ("UALICE", "no", "yes"), ("UBOB", "layers", "")]
    assert votes[1]["question"] == "Will models be commoditised?"  # in the pack's default language
    assert votes[2]["answer_label"]
    comment = next(r for r in records if r["kind"] == "comment")
    assert comment["text"].startswith("=HYPERLINK")


def test_csv_neutralises_formula_cells(services, stub):
    seed(services)
    table = list(csv.DictReader(io.StringIO(to_csv(rows(services, team_id=TEAM)))))
    comment = next(r for r in table if r["kind"] == "comment")
    assert comment["text"].startswith("'=HYPERLINK")
    for value in ("=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"):
        assert neutralise(value).startswith("'")
    assert neutralise("plain") == "plain" and neutralise(3) == 3


def test_anonymous_polls_export_no_user_ids(services, stub):
    seed(services, anonymous=True)
    text = to_csv(rows(services, team_id=TEAM))
    assert "UALICE" not in text and "UBOB" not in text


def test_other_workspaces_and_channels_are_filtered(services, stub):
    seed(services)
    seed(services, channel="COTHER")
    seed(services, team="T0002")
    assert {r["team_id"] for r in rows(services, team_id=TEAM)} == {TEAM}
    assert {r["channel_id"] for r in rows(services, team_id=TEAM, channel_id="COTHER")} == {"COTHER"}


def test_export_command_writes_json_and_csv(services, stub, settings, tmp_path):
    seed(services)
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("SLACK_")},
           "DATABASE_PATH": str(settings.database_path), "CONTENT_DIR": str(settings.content_dir),
           "PYTHONPATH": str(ROOT)}
    out = tmp_path / "out.json"
    result = subprocess.run([sys.executable, "-m", "bot", "export", "--format", "json", "--team", TEAM, "--out",
                             str(out)], capture_output=True, text=True, env=env, timeout=60, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    data = json.loads(out.read_text())
    assert len(data) == 4 and {d["kind"] for d in data} == {"vote", "comment"}
    csv_run = subprocess.run([sys.executable, "-m", "bot", "export"], capture_output=True, text=True, env=env,
                             timeout=60, cwd=tmp_path)
    assert csv_run.stdout.splitlines()[0].startswith("kind,team_id,channel_id")


def test_discuss_export_uploads_to_the_admins_dms(http_app, stub, services):
    seed(services)
    http_app.command("/discuss", "export", user_id="UNOBODY")
    assert "for workspace admins" in stub.wait_for_response()[0].params["text"]
    http_app.command("/discuss", "export", user_id="UADMIN")
    # the file is made by a process of its own at the lowest CPU priority: under a loaded test run it waits
    replies = stub.wait_for_response(count=3, timeout=90)
    assert "Preparing the export" in replies[1].params["text"]  # told at once, then when it is sent
    assert "Sent 4 rows" in replies[2].params["text"]
    assert stub.calls("conversations.open")[-1].params["users"] == "UADMIN"
    done = stub.calls("files.completeUploadExternal")[-1]
    [upload] = stub.uploads.values()
    assert upload["completed"] and int(stub.calls("files.getUploadURLExternal")[-1].params["length"]) == len(
        upload["content"])
    table = list(csv.DictReader(io.StringIO(upload["content"].decode())))
    assert len(table) == 4 and next(r for r in table if r["kind"] == "comment")["text"].startswith("'=HYPERLINK")
    assert done.params["channel_id"].startswith("D")


def test_rows_are_written_as_they_are_read_never_gathered_first():
    out = io.StringIO()

    def responses():
        for n in range(1_000):
            # every row before this one is already in the file when the next is asked for
            assert out.getvalue().count("\n") == n + 1  # the header, then one line per row
            yield {"kind": "vote", "team_id": TEAM, "text": f"row {n}"}

    assert write_csv(responses(), out) == 1_000
    assert json.loads(to_json(r for r in [{"a": 1}, {"b": [2]}])) == [{"a": 1}, {"b": [2]}]
    assert to_json(iter([])) == "[]" and to_json([{"a": 1}]) == json.dumps([{"a": 1}], indent=2)


def test_an_export_of_many_rows_holds_one_batch_in_memory(services, stub, tmp_path):
    post = seed(services)
    many = 60_000
    with sqlite3.connect(services.settings.database_path) as db:
        db.executemany("INSERT INTO vote_log (poll_post_id, team_id, user_id, option_id, previous_option_id, at) "
                       "VALUES (?, ?, ?, 'yes', NULL, ?)",
                       ((post.id, TEAM, f"U{n:07d}", 1_780_000_000 + n) for n in range(many)))
    lazily = records(services, team_id=TEAM)
    assert isinstance(lazily, types.GeneratorType)
    tracemalloc.start()
    try:
        with (tmp_path / "out.csv").open("w", newline="") as out:
            written = write_csv(lazily, out)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert written == many + 4
    # a list of the rows would hold ~60 MB here (about 1 KB a row); one batch of 1,000 is ~1 MB
    assert peak < 4 * 1024 * 1024, f"peak {peak / 1024 / 1024:.1f} MiB"
