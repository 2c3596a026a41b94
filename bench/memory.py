"""Memory over a long life: RSS after 100,000 votes over 1,000 polls is within 10% of RSS after 10,000.

    python -m bench --scenarios --fanout 0 --memory 100000 [--memory-polls 1000]

The app is served as the Procfile's `web:` line serves it. It posts `polls` polls (one per channel, the
channels spread over 100 workspaces), and
then the votes come poll after poll, as a class's would: each poll takes its share of the votes, from
voters never seen before, and then goes quiet for good. After a tenth of the votes a tenth of the polls
have been used; after all of them, every poll. Whatever the process keeps per poll message, per voter
or per request shows as the second RSS outgrowing the first; what it keeps only while a poll is busy
(coalescing, locks, the draws queued) does not. Each reading is taken once the work after the votes has
finished (the stand-in quiet), of the worker and master together.
"""

from __future__ import annotations

import itertools
import tempfile
import time
from pathlib import Path

from bench.process import procfile_web_command, rss_kib, rss_parts_kib
from bench.standin import StandIn, standin_process
from tests.support.signing import block_actions_body, slash_command_body

TEAMS = 100  # the polls' workspaces: chat.update is budgeted per workspace (about 50 a minute), and a
# thousand polls' last redraws in one workspace would take twenty minutes to go out
CHUNK = 2000  # votes signed and sent at a time: the bench itself does not hold 100,000 bodies
TARGET = 1.10


def team(poll: int) -> str:
    return f"TM{poll % TEAMS:03d}"


def poll_buttons(stub: StandIn) -> dict[str, list[tuple[str, str]]]:
    """Each channel's poll buttons, (action_id, value), from the polls the app posted."""
    buttons: dict[str, list[tuple[str, str]]] = {}
    for call in stub.calls("chat.postMessage"):
        for block in call.params.get("blocks") or []:
            for element in block.get("elements", []) if isinstance(block, dict) else []:
                if str(element.get("action_id", "")).startswith("poll.vote."):
                    buttons.setdefault(str(call.params.get("channel")), []).append(
                        (element["action_id"], element["value"]))
    return buttons


def post_polls(target, stub: StandIn, polls: int, clients: int) -> list[list[tuple[str, str]]]:
    from bench.__main__ import fire

    channels, response_url = [f"CM{n:05d}" for n in range(polls)], stub.response_url()
    bodies = [slash_command_body("/discuss", "1", user_id="UHOST", channel_id=channel, team_id=team(n),
                                 response_url=response_url) for n, channel in enumerate(channels)]
    fire(target.url, bodies, clients)
    deadline = time.monotonic() + max(120.0, polls / 25)  # about 80 polls a second are posted here
    while len(buttons := poll_buttons(stub)) < polls:
        if time.monotonic() > deadline:
            raise AssertionError(f"only {len(buttons)} of {polls} polls were posted")
        time.sleep(0.5 if polls <= 1000 else 5.0)  # each look reads every call the stand-in kept
    return [buttons[channel] for channel in channels]


def votes(polls: list[list[tuple[str, str]]], start: int, stop: int, total: int, stub: StandIn) -> list[str]:
    """Votes `start`..`stop` of `total`: vote i goes to poll i * polls / total, from voter i."""
    bodies, response_url = [], stub.response_url()  # one question to the stand-in's process, not one a vote
    for i in range(start, stop):
        n = i * len(polls) // total
        action_id, value = polls[n][i % len(polls[n])]
        bodies.append(block_actions_body(action_id, value, user_id=f"UV{i:07d}", channel_id=f"CM{n:05d}",
                                         team_id=team(n), trigger_id=f"mem-{i}", response_url=response_url))
    return bodies


def run_memory(requests: int, polls: int, clients: int, checkpoint: int | None = None) -> float:
    from bench.__main__ import Target, fire, settled

    checkpoint = checkpoint or requests // 10
    readings: dict[int, int] = {}
    with standin_process() as stub, tempfile.TemporaryDirectory() as tmp:
        target = Target("app", procfile_web_command(), stub, Path(tmp))
        try:
            buttons = post_polls(target, stub, polls, clients)
            errors, started = 0, time.perf_counter()
            bounds = sorted({*range(0, requests, CHUNK), checkpoint, requests})
            for start, stop in itertools.pairwise(bounds):
                errors += fire(target.url, votes(buttons, start, stop, requests, stub), clients)[2]
                if stop in (checkpoint, requests):
                    stored = settled(target.db, "SELECT COUNT(*) FROM votes", stop, limit=60)
                    used = -(-stop * polls // requests)
                    # the last redraws go out at about 50 chat.update a minute per workspace: twice that long
                    stub.wait_until_quiet(quiet_for=1.5, limit=max(120.0, used * 60 / (50 * TEAMS) * 2))
                    readings[stop] = rss_kib(target.proc.pid)
                    print(f"memory: after {stop:,} votes ({stored:,} stored) over {used:,} polls, RSS "
                          f"{readings[stop] / 1024:.1f} MiB; {time.perf_counter() - started:.0f} s so far, "
                          f"{errors} errors; " + ", ".join(f"{kind} {kib / 1024:.1f} MiB" for kind, kib in
                                                          rss_parts_kib(target.proc.pid).items()))
        finally:
            target.stop()
    ratio = readings[requests] / readings[checkpoint]
    print(f"memory: RSS after {requests:,} votes is {ratio:.3f}× RSS after {checkpoint:,} (target ≤ {TARGET:.2f}) "
          f"{'ok' if ratio <= TARGET else 'MISS'}")
    return ratio
