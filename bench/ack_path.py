"""CPU cost of the acknowledgement path alone: the WSGI callable invoked in-process, no sockets, no threads.

    python -m bench.ack_path [--requests 2000] [--profile "quiz answers"]

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

from bench.__main__ import scenario_bodies
from bench.process import ROOT
from tests.support.signing import sign
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
    parser.add_argument("--profile", choices=KINDS)
    args = parser.parse_args()
    with SlackStub() as stub, tempfile.TemporaryDirectory() as tmp:
        os.environ.update({"SLACK_BOT_TOKEN": "xoxb-bench", "SLACK_SIGNING_SECRET": SECRET,
                           "SLACK_API_URL": stub.base_url, "DATABASE_PATH": str(Path(tmp) / "ack.db"),
                           "LOG_LEVEL": "WARNING", "CONTENT_DIR": str(ROOT / "tests" / "packs")})
        from bench.bare_app import create_wsgi_app as bare
        from bot.web import create_wsgi_app as real

        bare_app, real_app = bare(), real(check_token=False)
        try:
            run(bare_app, real_app, stub, args)
        finally:
            from bot.web import shutdown

            shutdown()  # the queued receipts reach the stand-in before it stops


KINDS = ("poll votes", "quiz answers", "digest next", "thread replies")


def run(bare_app, real_app, stub: SlackStub, args) -> None:
    def start(body: str) -> None:
        measure(real_app, [body])

    db = Path(os.environ["DATABASE_PATH"])  # where the replies' digest is found
    for kind in KINDS:
        if args.profile and kind != args.profile:
            continue
        warm = scenario_bodies(kind, stub, 50, "W", start, db)
        measure(bare_app, warm), measure(real_app, warm)  # first-use imports and connections are not the path
        bare_us, real_us = compare(bare_app, real_app, scenario_bodies(kind, stub, args.requests, "M", start, db))
        print(f"{kind:<13} CPU per request on the acknowledging thread: bare Bolt {bare_us:4.0f} µs, "
              f"app {real_us:4.0f} µs ({real_us / bare_us:.2f}×)")
        if args.profile:
            more = scenario_bodies(kind, stub, args.requests, "P", start, db)
            profiler = cProfile.Profile()
            profiler.enable()
            measure(real_app, more)
            profiler.disable()
            stats = pstats.Stats(profiler)
            stats.sort_stats(os.environ.get("BENCH_SORT", "cumulative")).print_stats(
                int(os.environ.get("BENCH_ROWS", "25")))


if __name__ == "__main__":
    main()
