"""`/digest next` acknowledgement latency over HTTP, and the web process's cold start.

    python -m bench.spine [--requests 200]

Runs the Procfile `web:` process against a local Web API stand-in and a temporary database, sends signed
`/digest next` commands (each to its own channel, so posting is not paced) and reports the time until the
HTTP response (Slack's acknowledgement) for each.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import urllib.request
from pathlib import Path

from bench.process import ROOT, free_port, start_web
from tests.support.signing import sign, slash_command_body
from tests.support.slack_stub import SlackStub

SECRET = "bench-secret"


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    with SlackStub() as stub, tempfile.TemporaryDirectory() as tmp:
        env = {"SLACK_BOT_TOKEN": "xoxb-bench", "SLACK_SIGNING_SECRET": SECRET, "SLACK_API_URL": stub.base_url,
               "DATABASE_PATH": str(Path(tmp) / "bot.db"), "CONTENT_DIR": str(ROOT / "tests" / "packs"),
               "LOG_LEVEL": "WARNING"}
        port = free_port()
        proc, cold_start = start_web(env, port)
        try:
            url = f"http://127.0.0.1:{port}/slack/events"
            latencies = []
            for i in range(args.requests):
                body = slash_command_body("/digest", "next", user_id="UBENCH", channel_id=f"C{i:05d}",
                                          team_id="T0001", trigger_id=f"bench-{i}",
                                          response_url=stub.response_url())
                request = urllib.request.Request(url, data=body.encode(), headers=sign(body, SECRET), method="POST")
                start = time.perf_counter()
                with urllib.request.urlopen(request, timeout=10) as response:
                    response.read()
                latencies.append((time.perf_counter() - start) * 1000)
            stub.wait_for("chat.postMessage", count=args.requests, timeout=60)
        finally:
            proc.terminate()
            proc.wait(10)
    print(f"cold start (spawn → /healthz answers): {cold_start * 1000:.0f} ms")
    print(f"/digest next ack over HTTP, {args.requests} sequential requests: "
          f"p50 {statistics.median(latencies):.1f} ms, p99 {percentile(latencies, 99):.1f} ms, "
          f"max {max(latencies):.1f} ms; posts made: {len(stub.calls('chat.postMessage'))}")


if __name__ == "__main__":
    main()
