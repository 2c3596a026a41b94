"""Slow clients: `python -m bench.slow_clients` (also run by `make bench`): 16 connections that send their
headers and 2 bytes of a body and stall, then a signed `/digest help`; prints its delay against the same
request with no stalled clients (the delay ratio). With gunicorn's 8 threads it timed out at 10 s (faults.md
D3); waitress buffers bodies on its I/O thread, so stalled clients hold sockets, not threads."""

from __future__ import annotations

import os
import signal
import socket
import statistics
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from bench.process import ROOT, free_port, start_web
from tests.support.signing import sign, slash_command_body

SECRET = "bench-signing-secret"
STALLED = 16


def stall(port: int, count: int = STALLED) -> list[socket.socket]:
    """`count` connections that declare a 1,000-byte body, send 2 bytes of it and stop."""
    held = []
    for _ in range(count):
        sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        sock.sendall(b"POST /slack/events HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1000\r\n"
                     b"Content-Type: application/x-www-form-urlencoded\r\n\r\nab")
        held.append(sock)
    return held


def help_seconds(port: int, timeout: float = 10.0) -> float:
    """How long a signed `/digest help` takes to be answered."""
    body = slash_command_body("/digest", "help", user_id="USLOW", channel_id="CSLOW", team_id="T0001")
    request = urllib.request.Request(f"http://127.0.0.1:{port}/slack/events", data=body.encode(),
                                     headers=sign(body, SECRET), method="POST")
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=timeout) as response:
        assert response.status == 200
        response.read()
    return time.perf_counter() - started


def measure(env: dict[str, str], runs: int = 5) -> tuple[float, float]:
    """(median seconds without stalled clients, median seconds with 16 of them)."""
    port = free_port()
    proc, _ = start_web({**env, "SLACK_SIGNING_SECRET": SECRET}, port)
    try:
        help_seconds(port)  # warm
        calm = statistics.median(help_seconds(port) for _ in range(runs))
        held = stall(port)
        try:
            time.sleep(0.2)  # they are in the server's hands
            stalled = statistics.median(help_seconds(port) for _ in range(runs))
        finally:
            for sock in held:
                sock.close()
        return calm, stalled
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(20)


def main() -> int:
    from bench.standin import standin_process

    with standin_process() as stub, tempfile.TemporaryDirectory() as tmp:
        env = {"SLACK_BOT_TOKEN": "xoxb-bench", "SLACK_API_URL": stub.base_url,
               "DATABASE_PATH": str(Path(tmp) / "bot.db"), "CONTENT_DIR": str(ROOT / "tests" / "packs"),
               "LOG_LEVEL": "WARNING", "XDG_STATE_HOME": tmp}
        calm, stalled = measure(env)
    print(f"slow clients: /digest help {calm * 1000:.1f} ms alone, {stalled * 1000:.1f} ms beside {STALLED} stalled "
          f"uploads: delay ratio {stalled / calm:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
