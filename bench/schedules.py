"""Cost as history and schedules grow (issue #20), each scenario printed as a ratio against its target.

    python -m bench --scenarios --fanout 0 --timers --schedules 10000

- timers: one tick of the once-a-second timers' reads (`due_to_close`, `closed_without_results`, the
  running and unreported quizzes) with 300,000 old polls and quizzes, against 3,000 (target ≤ 1.2×);
- schedules: the web process (the Procfile's `web:` line) started on a database of N plans on N
  schedules, none due, against an empty one: cold start (≤ 1.2×), CPU in the 10 s after it (the
  catch-up: nothing due, so ≈ the empty one's), and a plan's change re-synced (< 10 ms);
the fan-out of 2,000 channels is `--fanout 2000` (bench/__main__.py `run_fanout`).
"""

from __future__ import annotations

import datetime as dt
import sqlite3
import statistics
import tempfile
import time
import zoneinfo
from pathlib import Path

from bench.process import ROOT, cpu_seconds, procfile_web_command
from bench.standin import standin_process

TEAM = "T0001"
ALL_DAYS = "mon,tue,wed,thu,fri,sat,sun"


def seed_history(path: Path, count: int) -> None:
    """`count` polls closed long ago with their results posted, and as many quizzes finished and reported,
    spread over 1,000 channels in 100 teams; plus one poll still open and one quiz running."""
    from store import open_store

    open_store(path).close()
    with sqlite3.connect(path) as conn:
        conn.executemany(
            "INSERT INTO poll_posts (team_id, channel_id, pack_id, poll_id, number, language, closes_at, closed_at, "
            "posted_by, ts, results_ts, created_at) VALUES (?, ?, 'sample', 'p1', 1, 'en', ?, ?, 'U', ?, ?, ?)",
            ((f"T{n % 100:03d}", f"C{n % 1000:04d}", 1000.0 + n, 1000.0 + n, f"{n}.1", f"{n}.2", 900.0 + n)
             for n in range(count)))
        conn.executemany(
            "INSERT INTO quizzes (team_id, channel_id, host, pack_id, language, question_ids, timer_s, state, "
            "started_at, finished_at, results_ts) VALUES (?, ?, 'U', 'sample', 'en', '[]', 30, 'finished', ?, ?, ?)",
            ((f"T{n % 100:03d}", f"C{n % 1000:04d}", 900.0 + n, 1000.0 + n, f"{n}.3") for n in range(count)))
        conn.execute("INSERT INTO poll_posts (team_id, channel_id, pack_id, poll_id, number, language, closes_at, "
                     "posted_by, ts, created_at) "
                     "VALUES ('T000', 'COPEN', 'sample', 'p1', 1, 'en', 9e12, 'U', '1.1', 1)")
        conn.execute("INSERT INTO quizzes (team_id, channel_id, host, pack_id, language, question_ids, timer_s, "
                     "state, started_at) VALUES ('T000', 'CQUIZ', 'U', 'sample', 'en', '[]', 30, 'running', 1)")


def tick_ms(path: Path, ticks: int = 200) -> float:
    """Median milliseconds of one tick's reads."""
    from store import Store, polls, quizzes

    store = Store(path)
    now = time.time()
    times = []
    for _ in range(ticks):
        started = time.perf_counter()
        polls.due_to_close(store, now)
        polls.closed_without_results(store)
        quizzes.running(store)
        quizzes.unreported(store)
        times.append((time.perf_counter() - started) * 1000)
    store.close()
    return statistics.median(times)


def run_timers(small: int = 3_000, large: int = 300_000) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        costs = {}
        for count in (small, 30_000, large):
            path = Path(tmp) / f"history-{count}.db"
            seed_history(path, count)
            costs[count] = tick_ms(path)
            print(f"timers: {count:,} old polls and {count:,} old quizzes: one tick's reads {costs[count]:.3f} ms")
    ratio = costs[large] / costs[small]
    print(f"timers: a tick with {large:,} old polls and quizzes is {ratio:.2f}× one with {small:,} "
          f"(target ≤ 1.20) {'ok' if ratio <= 1.2 else 'MISS'}")
    return ratio


ZONES = sorted(z for z in zoneinfo.available_timezones() if z.startswith(("Europe/", "America/", "Asia/")))


def schedule_for(n: int) -> tuple[str, str]:
    """The n-th of 10,000+ distinct (post_time, timezone) pairs: every minute of the day in a few zones."""
    zones = ZONES
    minute, zone = n % 1440, zones[n // 1440 % len(zones)]
    return f"{minute // 60:02d}:{minute % 60:02d}", zone


def seed_plans(path: Path, count: int, now: dt.datetime) -> None:
    """`count` running plans, each on a schedule of its own (every day), in one workspace; none due on
    `now`'s local date: each has had that day's post (its `last_slot`), the ones whose time is still to
    come as well, so nothing falls due while the bench watches (only a zone passing midnight could)."""
    from store import open_store

    open_store(path).close()
    rows = []
    for n in range(count):
        post_time, zone = schedule_for(n)
        today = now.astimezone(zoneinfo.ZoneInfo(zone)).date().isoformat()
        rows.append((TEAM, f"CS{n:05d}", post_time, zone, today))
    with sqlite3.connect(path) as conn:
        conn.executemany(
            "INSERT INTO plans (team_id, channel_id, pack_id, language, days, post_time, timezone, paused, "
            f"created_by, updated_at, active_since, last_slot) VALUES (?, ?, 'sample', 'en', '{ALL_DAYS}', ?, ?, 0, "
            "'U', 0, 0, ?)", rows)


def resync_ms(path: Path, changes: int = 200) -> tuple[float, float]:
    """(ms to read every schedule at start, median ms to re-sync one plan's change), in this process."""
    from bot.app import build_services
    from bot.config import Settings
    from bot.scheduler import DigestScheduler
    from store import plans

    settings = Settings(bot_token="xoxb-bench", signing_secret="s", slack_api_url="http://127.0.0.1:9",
                        database_path=path, content_dir=ROOT / "tests" / "packs")
    services = build_services(settings)
    scheduler = DigestScheduler(services)
    started = time.perf_counter()
    scheduler.rebuild()
    rebuild = (time.perf_counter() - started) * 1000
    times = []
    for n in range(changes):
        post_time, zone = schedule_for(n + 1)  # onto another plan's schedule, off its own
        plan = plans.set_schedule(services.store, TEAM, f"CS{n:05d}", days=ALL_DAYS, post_time=post_time,
                                  timezone=zone, now=time.time())
        started = time.perf_counter()
        scheduler.sync(plan)
        times.append((time.perf_counter() - started) * 1000)
    scheduler.shutdown()
    services.runtime.stop()
    return rebuild, statistics.median(times)


def run_schedules(count: int, rounds: int = 3, settle_s: float = 10.0) -> None:
    from bench.__main__ import Target

    cold: dict[str, list[float]] = {"empty": [], "full": []}
    cpu: dict[str, list[float]] = {"empty": [], "full": []}
    posted = {"empty": 0, "full": 0}
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(rounds):
            for name in ("empty", "full"):
                db = Path(tmp) / name / "app.db"
                db.parent.mkdir(exist_ok=True)
                db.unlink(missing_ok=True)
                if name == "full":
                    seed_plans(db, count, dt.datetime.now(dt.UTC))
                with standin_process() as stub:
                    target = Target("app", procfile_web_command(), stub, db.parent)
                    try:
                        at_ready = cpu_seconds(target.proc.pid)
                        time.sleep(settle_s)
                        cpu[name].append(cpu_seconds(target.proc.pid) - at_ready)
                        cold[name].append(target.cold_start)
                        posted[name] += len(stub.calls("chat.postMessage"))
                    finally:
                        target.stop()
        full_db = Path(tmp) / "full" / "app.db"
        rebuild, resync = resync_ms(full_db)
    ratio = statistics.median(cold["full"]) / statistics.median(cold["empty"])
    extra_cpu = statistics.median(cpu["full"]) - statistics.median(cpu["empty"])
    print(f"schedules: cold start to /healthz, empty database {statistics.median(cold['empty']):.2f} s, "
          f"{count:,} plans on {count:,} schedules {statistics.median(cold['full']):.2f} s: {ratio:.2f}× "
          f"(target ≤ 1.20) {'ok' if ratio <= 1.2 else 'MISS'}")
    print(f"schedules: CPU in the {settle_s:.0f} s after start, nothing due: "
          f"empty {statistics.median(cpu['empty']):.2f} s, "
          f"{count:,} schedules {statistics.median(cpu['full']):.2f} s (+{extra_cpu:.2f} s; target ≈ 0) "
          f"{'ok' if extra_cpu <= 0.5 else 'MISS'}; {posted['full']} posted (0 expected)")
    print(f"schedules: reading {count:,} schedules {rebuild:.0f} ms; a plan's change re-synced in "
          f"{resync:.2f} ms (target < 10) {'ok' if resync < 10 else 'MISS'}")
