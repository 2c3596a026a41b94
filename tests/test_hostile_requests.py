"""Hostile requests against the real web process, as the Procfile starts it: bodies too large to read.

The figures print with `pytest -s`.
"""

from __future__ import annotations

import os
import re
import select
import signal
import socket
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from bench.process import free_port, start_web
from bot.web import MAX_BODY_BYTES
from tests.conftest import ROOT, SIGNING_SECRET, TEAM
from tests.support.signing import sign, slash_command_body, view_submission_body

HUNDRED_MB = 100 * 1024 * 1024
CHUNK = 64 * 1024


def web_env(stub, db: Path, log_level: str = "INFO") -> dict[str, str]:
    return {"SLACK_BOT_TOKEN": "xoxb-test", "SLACK_SIGNING_SECRET": SIGNING_SECRET, "SLACK_API_URL": stub.base_url,
            "DATABASE_PATH": str(db), "CONTENT_DIR": str(ROOT / "tests" / "packs"), "LOG_LEVEL": log_level}


@pytest.fixture
def web(stub, tmp_path):
    """The web process (the waitress server) on a free port; yields (process, port)."""
    port = free_port()
    proc, _ = start_web(web_env(stub, tmp_path / "bot.db"), port)
    yield proc, port
    os.killpg(proc.pid, signal.SIGTERM)
    proc.wait(10)


def rss_kib(pid: int, field: str = "VmHWM") -> int:
    """Peak (VmHWM) or current (VmRSS) resident memory of the process and any children it started."""
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    total = 0
    for p in [pid, *map(int, children)]:
        match = re.search(field + r":\s+(\d+)", Path(f"/proc/{p}/status").read_text())
        total += int(match.group(1)) if match else 0
    return total


def lazy_body(size: int) -> Iterator[bytes]:
    """`size` bytes, made a chunk at a time as they are sent: the test itself never holds the body."""
    chunk = b"payload=" + b"x" * (CHUNK - 8)
    for _ in range(size // CHUNK):
        yield chunk


def send_streaming(port: int, chunks: Iterator[bytes], *, length: int | None) -> tuple[int, int]:
    """POST a body from `chunks` (with Content-Length `length`, or chunked when None), stopping as soon as
    the server answers; (HTTP status, body bytes sent before the answer)."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    framing = f"Content-Length: {length}" if length is not None else "Transfer-Encoding: chunked"
    sock.sendall(f"POST /slack/events HTTP/1.1\r\nHost: 127.0.0.1\r\n{framing}\r\n"
                 "Content-Type: application/x-www-form-urlencoded\r\n\r\n".encode())
    sent = 0
    try:
        for chunk in chunks:
            if select.select([sock], [], [], 0)[0]:
                break  # the answer is in
            sock.sendall(chunk if length is not None else b"%x\r\n%s\r\n" % (len(chunk), chunk))
            sent += len(chunk)
    except (BrokenPipeError, ConnectionResetError, TimeoutError):
        pass  # the server stopped reading and closed: its answer is read below
    reply = b""
    try:
        while b"\r\n" not in reply:
            part = sock.recv(4096)
            if not part:
                break
            reply += part
    except (ConnectionResetError, TimeoutError):
        pass
    sock.close()
    return (int(reply.split(b" ", 2)[1]) if reply.startswith(b"HTTP/") else 0), sent


def signed_post(port: int, body: str) -> int:
    request = urllib.request.Request(f"http://127.0.0.1:{port}/slack/events", data=body.encode(),
                                     headers=sign(body, SIGNING_SECRET), method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_four_100_mb_bodies_get_413_unread_and_memory_stays_flat(web):
    proc, port = web
    assert signed_post(port, slash_command_body("/digest", "help", user_id="U1", channel_id="C1", team_id=TEAM)) == 200
    before = rss_kib(proc.pid)  # the peak so far
    results = [send_streaming(port, lazy_body(HUNDRED_MB), length=HUNDRED_MB) for _ in range(2)]
    results += [send_streaming(port, lazy_body(HUNDRED_MB), length=None) for _ in range(2)]  # chunked: no length
    after = rss_kib(proc.pid)  # the peak through the four bodies
    print(f"\nserver peak RSS before {before / 1024:.1f} MiB, through 4 x 100 MiB bodies {after / 1024:.1f} MiB "
          f"(now {rss_kib(proc.pid, 'VmRSS') / 1024:.1f} MiB); "
          f"sent before the 413: {[sent // 1024 for _, sent in results]} KiB")
    assert [status for status, _ in results] == [413] * 4
    assert all(sent < 64 * MAX_BODY_BYTES for _, sent in results)  # refused early, not after reading it all
    assert after - before < 32 * 1024, f"RSS grew {(after - before) / 1024:.0f} MiB"
    # and it goes on serving
    assert signed_post(port, slash_command_body("/digest", "help", user_id="U1", channel_id="C1", team_id=TEAM)) == 200


def test_the_largest_modal_slack_can_send_is_under_the_limit(http_app):
    """100 input blocks, each with a 2,000-character label and 3,000 characters typed in: read and handed to Bolt
    (it answers 404 for a callback nobody listens to), not refused as too large."""
    values = {f"b{i:03d}": {f"a{i:03d}": "y" * 3000} for i in range(100)}
    blocks = [{"type": "input", "block_id": f"b{i:03d}", "label": {"type": "plain_text", "text": "l" * 2000},
               "element": {"type": "plain_text_input", "action_id": f"a{i:03d}", "max_length": 3000}}
              for i in range(100)]
    body = view_submission_body("no.such.form", values, user_id="U1", team_id=TEAM, blocks=blocks)
    print(f"\nlargest modal submission: {len(body) / 1e6:.2f} MB of a {MAX_BODY_BYTES / 2**20:.0f} MiB limit")
    assert len(body) < MAX_BODY_BYTES
    assert http_app.post(body).status == 404


def refused_before_reading(url: str, length: int) -> int:
    """The status a server answers to a POST that announces `length` bytes and sends none of them: only a
    server that judges the body by its Content-Length, before reading it, answers at all."""
    host_port = url.split("//", 1)[1].split("/", 1)[0]
    host, port = host_port.rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall((f"POST /slack/events HTTP/1.1\r\nHost: {host_port}\r\nContent-Length: {length}\r\n"
                      "Content-Type: application/x-www-form-urlencoded\r\n\r\n").encode())
        answer = sock.recv(4096).decode("latin-1")
    return int(answer.split(" ", 2)[1])


def test_a_body_one_byte_over_the_limit_is_refused_in_process(http_app):
    assert refused_before_reading(http_app.url, MAX_BODY_BYTES + 1) == 413
    assert http_app.post("payload=" + "z" * (MAX_BODY_BYTES - 8)).status != 413
    assert http_app.post("x", headers={"Content-Length": "lots"}).status in (400,)


# -- logs: no request body, no response_url, one line per event, no scheduler chatter ---------------------------
FORGED = "\n2026-01-01 00:00:00,000 CRITICAL bot.store: forged line"
RECORD_START = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} [A-Z]+ \S+: ")


def raw_post(port: int, body: bytes, headers: dict[str, str]) -> int:
    request = urllib.request.Request(f"http://127.0.0.1:{port}/slack/events", data=body, headers=headers,
                                     method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def web_log(proc) -> str:
    proc.log.seek(0)
    return proc.log.read().decode("utf-8", "replace")


def test_refused_requests_leave_no_body_in_the_log_and_no_traceback(web, stub):
    proc, port = web
    secret_url = stub.response_url()  # a live response_url: whoever reads the log could post as the app
    body = slash_command_body("/digest", f"help{FORGED}", user_id="U1", channel_id="C1", team_id=TEAM,
                              response_url=secret_url)
    signed = sign(body, SIGNING_SECRET)
    statuses = {
        "unsigned": raw_post(port, body.encode(), {"Content-Type": "application/x-www-form-urlencoded"}),
        "wrong secret": raw_post(port, body.encode(), sign(body, "not-the-secret")),
        "changed body": raw_post(port, body.encode() + b"x", signed),
        "400 s old": raw_post(port, body.encode(), sign(body, SIGNING_SECRET, timestamp=int(time.time()) - 400)),
        "json with a newline": raw_post(port, f'{{"type":"event_callback","x":"{secret_url}"}}{FORGED}'.encode(),
                                        {"Content-Type": "application/json"}),
    }
    for timestamp in ("soon", "", "1e9", "١٧٠٠٠٠٠٠٠٠".encode().decode("latin-1"), "9" * 40, "-5", " 1700000000"):
        statuses[f"timestamp {timestamp!r}"] = raw_post(port, body.encode(), {**signed,
                                                                             "X-Slack-Request-Timestamp": timestamp})
    assert signed_post(port, slash_command_body("/digest", "help", user_id="U1", channel_id="C1", team_id=TEAM)) == 200
    time.sleep(2.5)  # two seconds of the scheduler's every-second timers
    log = web_log(proc)
    print(f"\n{len(log.splitlines())} log lines:\n{log}")
    assert {k: v for k, v in statuses.items() if v != 401} == {}
    assert secret_url not in log and "127.0.0.1:" not in log.replace(f"127.0.0.1:{port}", "")
    assert "forged line" not in log and "help" not in log.lower().replace("/healthz", "")
    assert "Traceback" not in log
    assert "Running job" not in log and "executed successfully" not in log
    app_lines = [line for line in log.splitlines() if not line.startswith("[")]  # a server's own lines: [time] ...
    assert all(RECORD_START.match(line) or line.startswith("  | ") for line in app_lines), app_lines
    assert any("without a valid Slack signature" in line for line in app_lines)  # the log does say what happened


def test_a_log_record_is_one_line_whatever_its_message_holds(capsys):
    import logging

    from bot.config import LOG_FORMAT, OneLinePerEvent

    handler = logging.StreamHandler()
    handler.setFormatter(OneLinePerEvent(LOG_FORMAT))
    log = logging.getLogger("tests.hostile.one_line")
    log.addHandler(handler)
    log.propagate = False
    try:
        log.warning("user wrote %r and %s", "x", f"text{FORGED}\r\u2028\x1b[2J")
        try:
            raise ValueError(f"bad value{FORGED}")
        except ValueError:
            log.exception("failed")
    finally:
        log.removeHandler(handler)
    lines = capsys.readouterr().err.splitlines()
    assert [bool(RECORD_START.match(line)) for line in lines].count(True) == 2, lines
    assert all(RECORD_START.match(line) or line.startswith("  | ") for line in lines), lines
    assert "\\n2026-01-01 00:00:00,000 CRITICAL" in lines[0] and "\\x1b" in lines[0]
