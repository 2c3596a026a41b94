"""CPU cost of the acknowledgement path alone: the WSGI callable invoked in-process, no sockets, no threads.

    python -m bench.ack_path [--requests 2000]

It separates what the app does before answering Slack from the work it does after, which the HTTP
benchmark cannot (both share the same two cores there). Prints microseconds per request and the ratio.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import tempfile
import time
from pathlib import Path

from tests.support.signing import block_actions_body, sign
from tests.support.slack_stub import SlackStub

SECRET = "bench-secret"


def environ_for(body: str) -> dict:
    headers = sign(body, SECRET)
    raw = body.encode()
    env = {"REQUEST_METHOD": "POST", "PATH_INFO": "/slack/events", "QUERY_STRING": "", "CONTENT_LENGTH": str(len(raw)),
           "CONTENT_TYPE": headers["Content-Type"], "wsgi.input": io.BytesIO(raw), "SERVER_NAME": "bench",
           "SERVER_PORT": "80", "wsgi.url_scheme": "http", "SERVER_PROTOCOL": "HTTP/1.1"}
    env["HTTP_X_SLACK_REQUEST_TIMESTAMP"] = headers["X-Slack-Request-Timestamp"]
    env["HTTP_X_SLACK_SIGNATURE"] = headers["X-Slack-Signature"]
    return env


def measure(app, bodies: list[str]) -> float:
    """CPU microseconds per request on this thread, for `bodies` sent one after another."""
    envs = [environ_for(b) for b in bodies]
    statuses = []
    start = time.thread_time()
    for env in envs:
        app(env, lambda status, headers: statuses.append(status))
    elapsed = time.thread_time() - start
    assert set(statuses) == {"200 OK"}, set(statuses)
    return elapsed / len(bodies) * 1e6


def compare(bare_app, real_app, bodies: list[str], rounds: int = 10) -> tuple[float, float]:
    """The fastest round of each, alternating the two so both see the same spells of machine noise."""
    size = len(bodies) // rounds
    bare, real = [], []
    for r in range(rounds):
        chunk = bodies[r * size:(r + 1) * size]
        bare.append(measure(bare_app, chunk))
        real.append(measure(real_app, chunk))
    return min(bare), min(real)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    with SlackStub() as stub, tempfile.TemporaryDirectory() as tmp:
        os.environ.update({"SLACK_BOT_TOKEN": "xoxb-bench", "SLACK_SIGNING_SECRET": SECRET,
                           "SLACK_API_URL": stub.base_url, "DATABASE_PATH": str(Path(tmp) / "ack.db"),
                           "LOG_LEVEL": "WARNING"})
        from bench.bare_app import create_wsgi_app as bare
        from bot.web import create_wsgi_app as real
        from store import open_store
        from store import polls as poll_store

        bare_app, real_app = bare(), real(check_token=False)
        store = open_store(Path(tmp) / "ack.db")
        post = poll_store.create_post(store, team_id="T0001", channel_id="C1", pack_id="altman-2025-12",
                                      poll_id="p1", number=1, language="en", anonymous=False, results_hidden=False,
                                      closes_at=None, posted_by="U1")
        poll_store.record_ts(store, post.id, "1.0")
        votes = [block_actions_body("poll.vote", f"{post.id}|scalable-colleague", user_id=f"U{i:06d}", channel_id="C1",
                                    team_id="T0001") for i in range(args.requests)]
        measure(bare_app, votes[:50]), measure(real_app, [block_actions_body(
            "poll.vote", f"{post.id}|scoped-tasks", user_id=f"W{i:06d}", channel_id="C1", team_id="T0001")
            for i in range(50)])  # warm both: first-use imports and connections are not the path
        bare_us, real_us = compare(bare_app, real_app, votes)
        print(f"acknowledgement path, CPU per poll vote: bare Bolt {bare_us:.0f} µs, app {real_us:.0f} µs "
              f"({real_us / bare_us:.2f}×; the app's includes storing the vote before answering)")
        if args.profile:
            more = [block_actions_body("poll.vote", f"{post.id}|scoped-tasks", user_id=f"V{i:06d}", channel_id="C1",
                                       team_id="T0001") for i in range(args.requests)]
            profiler = cProfile.Profile()
            profiler.enable()
            measure(real_app, more)
            profiler.disable()
            stats = pstats.Stats(profiler)
            stats.sort_stats(os.environ.get("BENCH_SORT", "cumulative")).print_stats(int(os.environ.get("BENCH_ROWS", "25")))
            if os.environ.get("BENCH_CALLERS"):
                stats.print_callers(os.environ["BENCH_CALLERS"])


if __name__ == "__main__":
    main()
