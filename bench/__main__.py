"""`make bench`: the app against bare Bolt, in one run, on the same Procfile `web:` line and Web API stand-in.

    python -m bench [--clients 20] [--requests 600] [--rounds 7] [--reply-burst 2000] [--fanout 2000]
                    [--fanout-days 3] [--memory 100000 [--memory-polls 1000] [--memory-checkpoint N]]
                    [--timers] [--schedules 10000]

For each scenario (poll votes, quiz answers, `/digest next`, and `--reply-burst` Events API messages replying
in a digest's thread: how many were stored, once each) it fires signed requests from C concurrent clients at
(a) the app as the Procfile `web:` line serves it and (b) a bare Bolt app whose listeners only acknowledge,
and prints acknowledgement latency (p50, p99, max), throughput, the ratio to bare Bolt, votes sent and stored,
`chat.update` calls per poll per second, peak RSS and cold start. Then the fan-out: 2,000 channels due in the
same minute against a stand-in that allows one post per second per channel. With `--memory N`, RSS after N
votes over 1,000 polls against RSS after N/10 (bench/memory.py). With `--timers` and `--schedules N`, the cost
of history and of many schedules (bench/schedules.py).
Absolute times depend on this shared machine; the ratios are what to read.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from bench.process import ROOT, cpu_seconds, errors_logged, free_port, peak_rss_kib, procfile_web_command, start_web
from bench.standin import StandIn, standin_process
from tests.support.signing import block_actions_body, event_body, message_event, sign, slash_command_body

SECRET = "bench-secret"
TEAM = "T0001"


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def fire(url: str, bodies: list[str], clients: int) -> tuple[list[float], float, int]:
    """Send every body from `clients` threads; (latencies in ms, wall seconds, non-200 count)."""
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()

    def send(body: str) -> None:
        request = urllib.request.Request(url, data=body.encode(), headers=sign(body, SECRET), method="POST")
        start = time.perf_counter()
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                response.read()
                ok = response.status == 200
        except OSError:
            ok = False
        elapsed = (time.perf_counter() - start) * 1000
        with lock:
            latencies.append(elapsed)
            errors[0] += 0 if ok else 1

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        list(pool.map(send, bodies))
    return latencies, time.perf_counter() - started, errors[0]


class Target:
    """One served app (the real one or bare Bolt) with its own database and stand-in."""

    def __init__(self, name: str, command: list[str], stub: StandIn, tmp: Path, env: dict[str, str] | None = None,
                 db: Path | None = None):
        """`env` adds to (or, with "", clears) the settings; `db` serves a database filled beforehand."""
        self.name = name
        self.db = db or tmp / f"{name}.db"
        env = {"SLACK_BOT_TOKEN": "xoxb-bench", "SLACK_SIGNING_SECRET": SECRET, "SLACK_API_URL": stub.base_url,
               "DATABASE_PATH": str(self.db), "LOG_LEVEL": "WARNING",
               # the small sample pack: its section 1 question is multiple choice, so clicks can answer it
               "CONTENT_DIR": str(ROOT / "tests" / "packs"), **(env or {})}
        self.port = free_port()
        self.proc, self.cold_start = start_web(env, self.port, command)
        self.url = f"http://127.0.0.1:{self.port}/slack/events"

    def stop(self) -> int:
        rss = peak_rss_kib(self.proc.pid)
        os.killpg(self.proc.pid, signal.SIGTERM)  # graceful: the worker finishes its queued Slack calls
        try:
            self.proc.wait(60)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)
        return rss


def button_values(stub: StandIn, action_id: str) -> list[tuple[str, str]]:
    """(action_id, value) of each posted button of this role: `poll.vote.0`, `poll.vote.1`, ... (bot/slack/ids.py)."""
    buttons = []
    for call in stub.calls("chat.postMessage"):
        for block in call.params.get("blocks") or []:
            for element in block.get("elements", []) if isinstance(block, dict) else []:
                if str(element.get("action_id", "")).startswith(action_id + "."):
                    buttons.append((element["action_id"], element["value"]))
    return buttons


CLICKS = {"poll votes": ("/discuss", "1", "poll.vote", "CPOLL",
                         [("poll.vote.0", "1|yes"), ("poll.vote.1", "1|no"), ("poll.vote.2", "1|layers")]),
          "quiz answers": ("/quiz", "section 1 timer 300", "quiz.choice", "CQUIZ",
                           [("quiz.choice.0", "1|0|0"), ("quiz.choice.1", "1|0|1")])}


def scenario_bodies(kind: str, stub, n: int, prefix: str, start: Callable[[str], object] | None = None,
                    db: Path | None = None) -> list[str]:
    """`n` signed bodies for one scenario, ids made distinct by `prefix`.

    For clicks, `start(body)` sends a body to the app, which starts the poll or quiz whose buttons the
    clicks press (once per stand-in: its buttons are reused). Without it (bare Bolt) the clicks carry
    made-up values, which an app that only acknowledges never reads.
    """
    if kind == "thread replies":
        return reply_bodies(stub, n, prefix, start, db)
    if kind == "digest next":
        return [slash_command_body("/digest", "next", user_id="UBENCH", channel_id=f"CD{prefix}{i:05d}", team_id=TEAM,
                                   trigger_id=f"{prefix}-digest-{i}", response_url=stub.response_url())
                for i in range(n)]
    command, text, action_id, channel, values = CLICKS[kind]
    if start is not None:
        if not button_values(stub, action_id):
            start(slash_command_body(command, text, user_id="UHOST", channel_id=channel, team_id=TEAM,
                                     response_url=stub.response_url()))
            stub.wait_for("chat.postMessage", where=lambda c: action_id in str(c.params.get("blocks")), timeout=30)
        values = button_values(stub, action_id)
    return [block_actions_body(*values[i % len(values)], user_id=f"U{prefix}{i:05d}", channel_id=channel,
                               team_id=TEAM, trigger_id=f"{prefix}-{i}", response_url=stub.response_url())
            for i in range(n)]


def reply_bodies(stub, n: int, prefix: str, start: Callable[[str], object] | None, db: Path | None) -> list[str]:
    """`n` Events API `message` deliveries, each a person's reply in the thread of a digest the app posted
    (`start` posts it with `/digest next`; its ts is read from the app's database); bare Bolt gets the same
    shape in a made-up thread."""
    thread_ts = "1700000000.000100"
    if start is not None and db is not None:
        start(slash_command_body("/digest", "next", user_id="UHOST", channel_id="CREPLY", team_id=TEAM,
                                 response_url=stub.response_url()))
        deadline = time.monotonic() + 30
        while not (found := _digest_ts(db)) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert found, "the app posted no digest to reply to"
        thread_ts = found
    return [event_body(message_event(reply_text(i), user_id=f"U{prefix}{i:05d}", channel_id="CREPLY",
                                     thread_ts=thread_ts, ts=f"1800000000.{i:06d}"),
                       team_id=TEAM, event_id=f"Ev{prefix}{i:07d}")
            for i in range(n)]


def reply_text(i: int) -> str:
    """Replies as a reading circle writes them: mostly a line, every fifth a paragraph (in Chinese, 3 bytes a
    character: a record of several journal slots)."""
    if i % 5 == 4:
        return f"第{i}条：" + "我觉得这一节把算力和电力的关系讲得很清楚，但是对成本的估计太乐观了。" * 6
    return f"reply {i}: what the section says about compute"


def _digest_ts(db: Path) -> str | None:
    with contextlib.closing(sqlite3.connect(db)) as conn:
        row = conn.execute("SELECT ts FROM posts WHERE channel_id = 'CREPLY' AND ts IS NOT NULL").fetchone()
    return None if row is None else str(row[0])


def updates_per_poll_second(stub: StandIn) -> int:
    """The most chat.update calls any one message received within one second."""
    by_message: dict[str, list[float]] = {}
    for call in stub.calls("chat.update"):
        by_message.setdefault(str(call.params.get("ts")), []).append(call.at)
    worst = 0
    for times in by_message.values():
        times.sort()
        for i, start in enumerate(times):
            worst = max(worst, sum(1 for t in times[i:] if t - start < 1.0))
    return worst


def stored(db: Path, sql: str) -> int:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql).fetchone()[0]


def settled(db: Path, sql: str, expected: int, limit: float = 15.0) -> int:
    """The count once the work after the acknowledgements has caught up (or `limit` seconds passed)."""
    deadline = time.monotonic() + limit
    while (count := stored(db, sql)) < expected and time.monotonic() < deadline:
        time.sleep(0.1)
    return count


def summarize(rounds: list[dict]) -> dict:
    """Per-round figures folded into one row: medians across rounds, the worst acknowledgement of all."""
    return {"p50": statistics.median(r["p50"] for r in rounds), "p99": statistics.median(r["p99"] for r in rounds),
            "max": max(r["max"] for r in rounds), "tput": statistics.median(r["tput"] for r in rounds),
            "errors": sum(r["errors"] for r in rounds), "cpu": statistics.median(r["cpu"] for r in rounds),
            "cpu_all": statistics.median(r["cpu_all"] for r in rounds),
            "catch_up": max(r["catch_up"] for r in rounds)}


def run_scenarios(args) -> None:
    """Each scenario: both targets started, then rounds of the same burst, bare Bolt and the app in turn.

    Alternating rounds let both meet the same spells of machine noise, and the app's follow-up work from
    one round finishes (the stand-in falls quiet) before bare Bolt's next round starts, so it is never
    charged to bare Bolt. Each row is the median over the rounds; max is the slowest of all of them.
    """
    app_cmd = procfile_web_command()
    bare_cmd = [c if "bot.web:" not in c else "bench.bare_app:create_wsgi_app()" for c in app_cmd]
    results: dict[str, dict[str, dict]] = {}
    print(f"clients={args.clients} requests per round={args.requests} rounds={args.rounds}\n")
    print(f"{'scenario':<14}{'target':<6}{'p50 ms':>8}{'p99 ms':>8}{'max ms':>8}{'req/s':>8}"
          f"{'tput×':>7}{'p99×':>7}  extra")
    for kind in args.scenarios:
        with contextlib.ExitStack() as stack:
            targets = {}
            for name, command in (("bare", bare_cmd), ("app", app_cmd)):
                stub = stack.enter_context(standin_process())
                target = Target(name, command, stub, Path(stack.enter_context(tempfile.TemporaryDirectory())))
                stack.callback(lambda t=target: t.stop())
                start = (lambda body, url=target.url: fire(url, [body], 1)) if name == "app" else None
                per_round = args.reply_burst if kind == "thread replies" else args.requests
                targets[name] = (target, stub, scenario_bodies(kind, stub, per_round * args.rounds, name, start,
                                                                target.db))
            rounds: dict[str, list[dict]] = {"bare": [], "app": []}
            app, app_stub, _ = targets["app"]
            updates_before = len(app_stub.calls("chat.update"))
            for r in range(args.rounds):
                for name, (target, stub, bodies) in targets.items():
                    batch = bodies[r * per_round:(r + 1) * per_round]
                    cpu_before = cpu_seconds(target.proc.pid)
                    latencies, wall, errors = fire(target.url, batch, args.clients)
                    cpu_burst = cpu_seconds(target.proc.pid)
                    catch_up = stub.wait_until_quiet()
                    rounds[name].append({"p50": statistics.median(latencies), "p99": percentile(latencies, 99),
                                         "max": max(latencies), "tput": len(batch) / wall, "errors": errors,
                                         "cpu": (cpu_burst - cpu_before) / len(batch) * 1e6,
                                         "cpu_all": (cpu_seconds(target.proc.pid) - cpu_before) / len(batch) * 1e6,
                                         "catch_up": catch_up})
            sent = per_round * args.rounds
            extra = ""
            if kind == "thread replies":
                kept = settled(app.db, "SELECT COUNT(*) FROM replies", sent)
                once = stored(app.db, "SELECT COUNT(DISTINCT ts) FROM replies")
                extra = f"replies sent {sent}, stored {kept} ({once} distinct)"
            if kind == "poll votes":
                votes = settled(app.db, "SELECT COUNT(*) FROM votes", sent)
                time.sleep(1.5)  # let the last coalesced update go out before counting updates
                extra = (f"votes sent {sent}, stored {votes}; chat.update per poll per s ≤ "
                         f"{updates_per_poll_second(app_stub)} ({len(app_stub.calls('chat.update')) - updates_before}"
                         " in all)")
            if kind == "quiz answers":
                answers = settled(app.db, "SELECT COUNT(*) FROM quiz_answers", sent)
                extra = f"answers sent {sent}, stored {answers}, receipts {app_stub.responses() - 1}"
            for name in ("bare", "app"):
                target = targets[name][0]
                row = summarize(rounds[name]) | {"rss": peak_rss_kib(target.proc.pid), "cold": target.cold_start}
                results.setdefault(kind, {})[name] = row
                base = results[kind]["bare"]
                print(f"{kind:<14}{name:<6}{row['p50']:>8.1f}{row['p99']:>8.1f}{row['max']:>8.1f}{row['tput']:>8.0f}"
                      f"{row['tput'] / base['tput']:>7.2f}{row['p99'] / base['p99']:>7.2f}  "
                      f"server CPU/request {row['cpu']:.0f} µs during the burst, {row['cpu_all']:.0f} µs with the "
                      f"work after it (done {row['catch_up']:.1f} s after the burst); errors {row['errors']}, "
                      f"{errors_logged(target.proc)} logged; peak RSS {row['rss'] / 1024:.0f} MiB; cold start "
                      f"{target.cold_start * 1000:.0f} ms" + (f"; {extra}" if extra and name == "app" else ""))
    print()
    for kind, rows in results.items():
        app, bare = rows["app"], rows["bare"]
        verdict = (app["tput"] >= 0.9 * bare["tput"], app["p99"] <= 1.2 * bare["p99"], app["max"] < 1000)
        print(f"{kind:<14} throughput {app['tput'] / bare['tput']:.2f}× bare (target ≥ 0.90) "
              f"{'ok' if verdict[0] else 'MISS'}; p99 {app['p99'] / bare['p99']:.2f}× bare (target ≤ 1.20) "
              f"{'ok' if verdict[1] else 'MISS'}; slowest ack {app['max']:.0f} ms (target < 1000) "
              f"{'ok' if verdict[2] else 'MISS'}")


def direct_posts(client, message: dict, channels: int, prefix: str, day: int = 0) -> float:
    """Seconds the stand-in takes for `message` posted once to each of `channels` channels from 20 threads,
    each post as the app sends it (bot/slack/posting.py `post_to_channel`): with its slot's metadata and
    without unfurls. The stand-in checks every message's blocks and parses and keeps its metadata,
    so a floor of smaller payloads would charge the app for the stand-in's own work on it."""
    from bot.slack import message_slots

    def post(i: int) -> object:
        channel = f"{prefix}{i:05d}"
        slot = message_slots.digest_item(TEAM, channel, run=1, item_index=day, claim_id=i + 1)
        return client.chat_postMessage(channel=channel, unfurl_links=False, unfurl_media=False,
                                       metadata=slot.metadata(), **message)

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=20) as pool:
        list(pool.map(post, range(channels)))
    return time.perf_counter() - started


def run_fanout(channels: int, days: int = 3) -> None:
    """`channels` plans due in the same minute (2,000 by default), posted by their schedule's job as
    APScheduler would run it, with the scheduler's own posting threads. The job fires twice at once each
    day (the catch-up at start racing the 09:00 run): every digest must still go out once.

    Once per day for `days` days (the plans post one section a day), each fan-out between two runs of
    the stand-in alone, so the floor it is compared with meets the same spell of machine noise.
    """
    import datetime as dt

    from bot.app import build_services
    from bot.config import Settings
    from bot.flows.digests import plan_items, render_section
    from bot.scheduler import DigestScheduler
    from bot.slack.posting import ChannelPacer
    from store import plans
    from tests.support.clock import FakeClock

    weekdays = ",".join(["mon", "tue", "wed", "thu", "fri"][:days])
    with standin_process(rate_limit_per_channel=True) as stub, tempfile.TemporaryDirectory() as tmp:
        monday = dt.datetime(2026, 6, 1, 9, 0, tzinfo=dt.UTC)
        clock = FakeClock(monday)
        settings = Settings(bot_token="xoxb-bench", signing_secret=SECRET, slack_api_url=stub.base_url,
                            database_path=Path(tmp) / "fanout.db", content_dir=ROOT / "tests" / "packs")
        services = build_services(settings, clock=clock)
        names = [f"CF{i:05d}" for i in range(channels)]
        for name in names:
            plans.ensure(services.store, TEAM, name, pack_id="sample", language="en", days="", post_time="09:00",
                         timezone="UTC", created_by="UOWNER")
            plans.set_schedule(services.store, TEAM, name, days=weekdays, post_time="09:00", timezone="UTC", now=0)
        pacer = ChannelPacer()
        scheduler = DigestScheduler(services, pacer)  # not started: the bench fires its job itself
        client = services.client_for(TEAM)
        ratios = []
        for day in range(days):
            clock.set(monday + dt.timedelta(days=day))
            # the same digest this day's fan-out posts, drawn once, for the stand-in alone
            item = plan_items(services.pack("", "sample"))[day]
            message = render_section(services, plans.get(services.store, TEAM, names[0]), item.ref, more_to_come=True)
            before = direct_posts(client, message, channels, f"CX{day}", day)
            seen = len(stub.calls("chat.postMessage"))
            started = time.perf_counter()
            with ThreadPoolExecutor(max_workers=2) as firings:  # the job fired twice at once
                outcomes = [o for firing in firings.map(lambda _: scheduler.run_schedule(weekdays, "09:00", "UTC"),
                                                        range(2)) for o in firing]
            wall = time.perf_counter() - started
            posts = [p for p in stub.calls("chat.postMessage")[seen:] if str(p.params.get("channel")).startswith("CF")]
            accepted = [p for p in posts if p.status == 200]
            twice = len(accepted) - len({p.params["channel"] for p in accepted})
            posted = sum(1 for o in outcomes if o is not None and o.status == "posted")
            # The rate limit allows every channel's one post within its first second; the stand-in itself may
            # be slower than that, so the floor is what it takes for as many posts of the same digest sent
            # directly from as many threads: the faster of the run before the fan-out and the one after it.
            standin_alone = min(before, direct_posts(client, message, channels, f"CY{day}", day))
            floor = max(1.0, standin_alone)
            ratios.append(wall / floor)
            print(f"fan-out day {day + 1}: {channels} channels due at 09:00, their job fired twice at once: "
                  f"{posted} posted, "
                  f"{len(accepted)} accepted by the stand-in, {len(posts) - len(accepted)} answered 429, "
                  f"{twice} posted twice; {wall:.2f} s; the stand-in alone needs {standin_alone:.2f} s, so the floor "
                  f"is {floor:.2f} s: {wall / floor:.2f}× the floor")
        scheduler.shutdown()
        ratio = statistics.median(ratios)
        verdict = "ok" if ratio <= 1.2 else "MISS"
        print(f"fan-out: median {ratio:.2f}× the floor over {days} days (target ≤ 1.20) {verdict}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--requests", type=int, default=600, help="per round")
    parser.add_argument("--rounds", type=int, default=7, help="alternating rounds per target; rows are medians")
    scenarios = ["poll votes", "quiz answers", "digest next", "thread replies"]
    parser.add_argument("--scenarios", nargs="*", default=scenarios, choices=scenarios)
    parser.add_argument("--reply-burst", type=int, default=2000, help="thread replies per round")
    parser.add_argument("--fanout", type=int, default=2000, help="channels (0: no fan-out)")
    parser.add_argument("--fanout-days", type=int, default=3, choices=range(1, 6))
    parser.add_argument("--memory", type=int, default=0,
                        help="votes for the memory scenario (0: none; the issue's check is 100000)")
    parser.add_argument("--memory-polls", type=int, default=1000)
    parser.add_argument("--oauth", type=int, default=10_000,
                        help="installations for OAuth mode against single-token mode (0: none; bench/scale.py)")
    parser.add_argument("--export-rows", type=int, default=2_000_000,
                        help="rows for the export scenarios (0: none; bench/scale.py)")
    parser.add_argument("--growth", type=int, nargs="*", default=[10_000, 1_000_000],
                        help="stored answers and votes for the Home and results timings (bench/data_growth.py)")
    parser.add_argument("--memory-checkpoint", type=int, default=0,
                        help="votes of the first RSS reading (0: a tenth of --memory)")
    parser.add_argument("--timers", action="store_true", help="a timer tick with 300,000 old polls and quizzes")
    parser.add_argument("--schedules", type=int, default=0,
                        help="plans on as many schedules for the scheduler scenario (0: none; the issue's is 10000)")
    args = parser.parse_args()
    print(f"web command (Procfile): {' '.join(procfile_web_command())}")
    run_scenarios(args)
    print()
    if args.fanout:
        run_fanout(args.fanout, args.fanout_days)
    if args.memory:
        from bench.memory import run_memory

        print()
        run_memory(args.memory, args.memory_polls, args.clients, args.memory_checkpoint or None)
    if args.oauth or args.export_rows:
        from bench.scale import main_scale

        print()
        main_scale(args.oauth, args.export_rows, args.clients, args.requests, args.rounds)
    if args.growth:
        print()
        subprocess.run([sys.executable, "-m", "bench.data_growth", "--sizes", *map(str, args.growth)], check=True)
    from bench import slow_clients

    print()
    slow_clients.main()  # 16 stalled uploads beside a /digest help: the delay ratio
    if args.timers:
        from bench.schedules import run_timers

        print()
        run_timers()
    if args.schedules:
        from bench.schedules import run_schedules

        print()
        run_schedules(args.schedules)


if __name__ == "__main__":
    main()
