"""Acknowledged means durable when the disk fails: the real web process (Procfile), signed requests, and
real file-system faults (slow: `make test-slow`; needs root for mount, skipped without it):

- read-only: an ext4 image on a loop device, mounted `errors=remount-ro`, made to fail by the kernel's own
  `trigger_fs_error` (the way a disk error turns a file system read-only);
- the data directory deleted while serving;
- a full disk: a small tmpfs filled to its last byte.

Each prints acknowledged-versus-stored (`pytest -s`).
"""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import threading
import time
import urllib.request
from pathlib import Path

import pytest

from bench.process import free_port, start_web
from tests.conftest import ROOT, SIGNING_SECRET, TEAM
from tests.support.signing import block_actions_body, sign, slash_command_body

pytestmark = pytest.mark.slow
NOT_SAVED = "Not saved"


def _can_mount() -> bool:
    return os.geteuid() == 0 and shutil.which("mount") is not None and Path("/dev/loop-control").exists()


needs_mount = pytest.mark.skipif(not _can_mount(), reason="mounting a loop device or tmpfs needs root")


class Web:
    def __init__(self, stub, db: Path):
        self.stub, self.db = stub, db
        self.port = free_port()
        env = {"SLACK_BOT_TOKEN": "xoxb-test", "SLACK_SIGNING_SECRET": SIGNING_SECRET, "SLACK_API_URL": stub.base_url,
               "DATABASE_PATH": str(db), "CONTENT_DIR": str(ROOT / "tests" / "packs"), "LOG_LEVEL": "INFO"}
        self.env = env
        self.proc, _ = start_web(env, self.port)
        self.url = f"http://127.0.0.1:{self.port}/slack/events"

    def send(self, body: str) -> int:
        return self.answer(body)[0]

    def answer(self, body: str) -> tuple[int, str]:
        request = urllib.request.Request(self.url, data=body.encode(), headers=sign(body, SIGNING_SECRET),
                                         method="POST")
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, response.read().decode()

    def log(self) -> str:
        self.proc.log.seek(0)
        return self.proc.log.read().decode(errors="replace")

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, sig)
        self.proc.wait(30)


def open_poll(web: Web) -> list[dict]:
    web.send(slash_command_body("/discuss", "1", user_id="UHOST", channel_id="C1", team_id=TEAM,
                                response_url=web.stub.response_url()))
    post = web.stub.wait_for("chat.postMessage", timeout=10)[0]
    return [e for b in post.params["blocks"] if b["type"] == "actions" for e in b["elements"]
            if e["action_id"].startswith("poll.vote.")]


def vote(web: Web, buttons: list[dict], users: list[str]) -> dict[str, int]:
    """Each user clicks once, 4 at a time; user -> HTTP status (0: no answer)."""
    statuses: dict[str, int] = {}

    def one(user: str) -> None:
        button = buttons[hash(user) % len(buttons)]
        body = block_actions_body(button["action_id"], button["value"], user_id=user, channel_id="C1", team_id=TEAM,
                                  response_url=web.stub.response_url(user))
        try:
            statuses[user] = web.send(body)
        except OSError:
            statuses[user] = 0

    for start in range(0, len(users), 4):
        threads = [threading.Thread(target=one, args=(u,)) for u in users[start:start + 4]]
        [t.start() for t in threads]
        [t.join(10) for t in threads]
    return statuses


def told_not_saved(stub, wait: float = 3.0) -> set[str]:
    time.sleep(wait)  # the private notes go after the acknowledgements, once the requests lull
    return {c.method for c in stub.response_posts if NOT_SAVED in str(c.params.get("text", ""))}


def stored_votes(db: Path) -> set[str]:
    conn = sqlite3.connect(db)
    try:
        return {row[0] for row in conn.execute("SELECT user_id FROM votes")}
    finally:
        conn.close()  # an open file would keep the test's file system from being unmounted


def wait_stored(db: Path, users: list[str], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if set(users) <= stored_votes(db):
            return
        time.sleep(0.1)
    raise AssertionError("the votes before the fault were not applied")


def command_answered(web: Web, text: str) -> str:
    """The command's reply: in its acknowledgement, or through its response_url after it."""
    name = f"cmd{time.monotonic_ns()}"
    status, acknowledgement = web.answer(slash_command_body("/digest", text, user_id="UHOST", channel_id="C1",
                                                            team_id=TEAM, response_url=web.stub.response_url(name)))
    if acknowledgement.strip():
        return acknowledgement
    try:
        return str(web.stub.wait_for_response(1, timeout=10, name=name)[0].params.get("text", ""))
    except AssertionError as exc:
        raise AssertionError(f"{exc}\n{web.log()[-4000:]}") from None


def error_lines(log: str, path: Path) -> int:
    return sum(1 for line in log.splitlines() if " ERROR " in line and str(path) in line)


def report(fault: str, before: list[str], during: dict[str, int], refused: set[str], stored: set[str]) -> None:
    acked = [u for u, status in during.items() if status == 200 and u not in refused]
    print(f"\n{fault}: before the fault {len(before)} acknowledged, {len(set(before) & stored)} stored; during it "
          f"{len(during)} clicks, {len(acked)} acknowledged, {len(refused)} told 'not saved', "
          f"{len(set(acked) & stored)} of the acknowledged stored")


def mount(args: list[str]) -> None:
    for _ in range(50):  # a loop device just let go may still be detaching
        done = subprocess.run(["mount", *args], capture_output=True, text=True)
        if done.returncode == 0:
            return
        time.sleep(0.1)
    raise AssertionError(f"mount {args}: {done.stderr}")


def umount(path: Path) -> None:
    for _ in range(50):
        if subprocess.run(["umount", str(path)], capture_output=True).returncode == 0:
            return
        time.sleep(0.1)


@needs_mount
def test_read_only_file_system(stub, tmp_path):
    image, mnt = tmp_path / "disk.img", tmp_path / "mnt"
    mnt.mkdir()
    subprocess.run(["truncate", "-s", "32M", str(image)], check=True)
    subprocess.run(["mkfs.ext4", "-q", "-F", str(image)], check=True)
    mount(["-o", "loop,errors=remount-ro", str(image), str(mnt)])
    try:
        db = mnt / "data" / "bot.db"
        web = Web(stub, db)
        try:
            buttons = open_poll(web)
            before = [f"UB{i:03d}" for i in range(20)]
            assert set(vote(web, buttons, before).values()) == {200}
            wait_stored(db, before)
            os.sync()  # what the kernel had written before the fault: this test is about the app's answers
            device = subprocess.run(["findmnt", "-n", "-o", "SOURCE", str(mnt)], capture_output=True,
                                    text=True, check=True).stdout.strip()
            Path(f"/sys/fs/ext4/{Path(device).name}/trigger_fs_error").write_text("test: disk gone read-only")
            during = vote(web, buttons, [f"UD{i:03d}" for i in range(40)])
            refused = told_not_saved(stub)
            reply = command_answered(web, "next")
            log = web.log()
        finally:
            web.stop(signal.SIGKILL)
    finally:
        umount(mnt)
    subprocess.run(["e2fsck", "-fy", str(image)], capture_output=True)
    mount(["-o", "loop", str(image), str(mnt)])
    try:
        restarted = Web(stub, db)  # applies what the journal holds
        restarted.stop()
        stored = stored_votes(db)
    finally:
        umount(mnt)
    report("read-only", before, during, refused, stored)
    acked = {u for u, status in during.items() if status == 200 and u not in refused}
    assert acked <= stored, f"{len(acked - stored)} acknowledged votes lost"
    assert set(before) <= stored
    assert len(refused) == len(during)  # the journal's own file refuses at once
    assert NOT_SAVED in reply
    assert 1 <= error_lines(log, mnt) <= 5, log[-3000:]


@needs_mount
def test_deleted_data_directory(stub, tmp_path):
    data = tmp_path / "data"
    db = data / "bot.db"
    web = Web(stub, db)
    try:
        buttons = open_poll(web)
        before = [f"UB{i:03d}" for i in range(20)]
        assert set(vote(web, buttons, before).values()) == {200}
        wait_stored(db, before)
        shutil.rmtree(data)
        during = vote(web, buttons, [f"UD{i:03d}" for i in range(40)])
        refused = told_not_saved(stub)
        reply = command_answered(web, "next")
        log = web.log()
    finally:
        web.stop()
    acked = {u for u, status in during.items() if status == 200 and u not in refused}
    report("deleted data directory", before, during, refused, set())
    assert not acked, f"{len(acked)} votes acknowledged into a deleted database"
    assert NOT_SAVED in reply
    assert 1 <= error_lines(log, data) <= 5, log[-3000:]
    # the next start says the database is gone instead of making an empty one
    with pytest.raises(RuntimeError, match="gone"):
        Web(stub, db)
    assert not data.exists()


@needs_mount
def test_full_disk(stub, tmp_path):
    mnt = tmp_path / "mnt"
    mnt.mkdir()
    mount(["-t", "tmpfs", "-o", "size=24m", "tmpfs", str(mnt)])
    try:
        db = mnt / "bot.db"
        web = Web(stub, db)
        try:
            buttons = open_poll(web)
            before = [f"UB{i:03d}" for i in range(20)]
            assert set(vote(web, buttons, before).values()) == {200}
            wait_stored(db, before)
            filler = mnt / "filler"
            with open(filler, "wb") as out:
                try:
                    while True:
                        out.write(b"\0" * 65536)
                        out.flush()
                except OSError:
                    pass
            during = vote(web, buttons, [f"UD{i:03d}" for i in range(40)])
            refused = told_not_saved(stub)
            reply = command_answered(web, "next")
            time.sleep(1)
            log = web.log()
            filler.unlink()  # space again: the journal's clicks are applied on the next retry
            acked = [u for u, status in during.items() if status == 200 and u not in refused]
            wait_stored(db, acked, timeout=70)
        finally:
            web.stop()
        stored = stored_votes(db)
    finally:
        umount(mnt)
    report("full disk", before, during, refused, stored)
    assert set(acked) <= stored
    assert NOT_SAVED in reply
    assert 1 <= error_lines(log, mnt) <= 5, log[-3000:]
