"""Home, `/quiz scores` and `/discuss results` as stored answers and votes grow (issue #20).

    python -m bench.data_growth [--sizes 10000 1000000] [--spread 100] [--runs 30]

N quiz answers and N votes over 1,000 channels in `--spread` workspaces (the viewer's workspace holds
1/spread of them; `--spread 1`: one workspace holds everything), written with executemany into a temporary
file. For each size it prints the median in-process time of each query Home and the two commands make,
and App Home opened (a signed `app_home_opened` over HTTP) to `views.publish` at the Web API stand-in.
The queries read per-player totals kept by triggers (store/quizzes.py `m003_quiz_score_totals`); with
`--candidates` it also times the alternative they were chosen over: the sums over the answers themselves,
as before, and with the index that serves them best.
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from bench.process import ROOT
from bot.app import build_services
from bot.config import Settings
from bot.domain.polls import DiscussCommand
from bot.flows.channel import channel_reading
from bot.flows.home import gather
from bot.flows.polls import discuss_results
from store import open_store, quizzes
from tests.conftest import SIGNING_SECRET
from tests.support.signing import app_home_opened_event, event_body
from tests.support.slack_stub import SlackStub

VIEWER_TEAM = "T0001"  # the signing helpers' team
VIEWER = "UVIEWER"
CHANNELS = 1_000
USERS_PER_TEAM = 1_000
ANSWERS_PER_QUIZ = 250  # 50 players x 5 questions
VOTES_PER_POLL = 300


def team_of(channel: int, spread: int) -> str:
    return VIEWER_TEAM if channel % spread == 0 else f"T{1000 + channel % spread:04d}"


def fill(db_path: Path, n: int, spread: int) -> None:
    """N answers and N votes, by executemany on one connection (not through the app)."""
    open_store(db_path).close()  # the schema, migrations applied
    rng = random.Random(n)
    db = sqlite3.connect(db_path)
    db.execute("PRAGMA synchronous=OFF")
    quiz_rows, question_rows, answer_rows = [], [], []
    for quiz_id in range(1, n // ANSWERS_PER_QUIZ + 1):
        channel = (quiz_id - 1) % CHANNELS
        team = team_of(channel, spread)
        quiz_rows.append((quiz_id, team, f"C{channel:05d}", "UHOST", "sample", "en", "[]", 45, 5, "finished",
                          1.7e9 + quiz_id, 1.7e9 + quiz_id + 300, "1.1"))
        players = rng.sample(range(USERS_PER_TEAM), ANSWERS_PER_QUIZ // 5)
        for position in range(5):
            question_rows.append((quiz_id, position, f"q{position}", "1.1", 1.7e9, 1.7e9 + 45, 1.7e9 + 45, team, 1))
            for user in players:
                correct = rng.random() < 0.5
                answer_rows.append((quiz_id, position, f"U{user:06d}", team, "1", int(correct),
                                    rng.randint(100, 150) if correct else 0, 3.0, 1.7e9 + quiz_id))
    db.executemany("INSERT INTO quizzes (id, team_id, channel_id, host, pack_id, language, question_ids, timer_s, "
                   "current, state, started_at, finished_at, results_ts) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                   quiz_rows)
    db.executemany("INSERT INTO quiz_questions (quiz_id, position, question_id, ts, opened_at, deadline, revealed_at, "
                   "team_id, reveal_shown) VALUES (?,?,?,?,?,?,?,?,?)", question_rows)
    db.executemany("INSERT INTO quiz_answers (quiz_id, position, user_id, team_id, answer, correct, score, elapsed, "
                   "answered_at) VALUES (?,?,?,?,?,?,?,?,?)", answer_rows)
    post_rows, vote_rows = [], []
    for post_id in range(1, n // VOTES_PER_POLL + 1):
        channel = (post_id - 1) % CHANNELS
        team = team_of(channel, spread)
        number = 1 + (post_id // CHANNELS) % 3
        open_now = post_id > n // VOTES_PER_POLL - 3 * CHANNELS  # the newest of each channel are still open
        post_rows.append((post_id, team, f"C{channel:05d}", "sample", f"p{number}", number, "en", 0, 0, None,
                          None if open_now else 1.7e9, "UHOST", f"1.{post_id}", None, 1.7e9 + post_id))
        for user in rng.sample(range(USERS_PER_TEAM), VOTES_PER_POLL):
            vote_rows.append((post_id, f"U{user:06d}", team, rng.choice(["yes", "no"]), 1.7e9 + post_id))
    db.executemany("INSERT INTO poll_posts (id, team_id, channel_id, pack_id, poll_id, number, language, anonymous, "
                   "results_hidden, closes_at, closed_at, posted_by, ts, results_ts, created_at) "
                   "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", post_rows)
    db.executemany("INSERT INTO votes (poll_post_id, user_id, team_id, option_id, voted_at) VALUES (?,?,?,?,?)",
                   vote_rows)  # the vote log by its trigger
    db.execute("INSERT INTO quiz_answers (quiz_id, position, user_id, team_id, answer, correct, score, elapsed, "
               "answered_at) SELECT id, 0, ?, team_id, '1', 1, 120, 3.0, started_at FROM quizzes "
               "WHERE team_id = ? LIMIT 3", [VIEWER, VIEWER_TEAM])
    db.commit()
    db.execute("ANALYZE")
    db.close()


def median_ms(work: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        work()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def viewer_channels(spread: int) -> set[str]:
    mine = [c for c in range(CHANNELS) if team_of(c, spread) == VIEWER_TEAM]
    return {f"C{c:05d}" for c in mine[:20]}


def settings_for(db_path: Path, api_url: str) -> Settings:
    return Settings(bot_token="xoxb-bench", signing_secret=SIGNING_SECRET, slack_api_url=api_url,
                    database_path=db_path, content_dir=ROOT / "tests" / "packs", default_tz="UTC")


def time_queries(db_path: Path, spread: int, runs: int) -> dict[str, float]:
    services = build_services(settings_for(db_path, "http://127.0.0.1:9/"), journal_dir=None)
    store, visible = services.store, viewer_channels(spread)
    channel = min(visible)
    timings = {
        "user_rank": median_ms(lambda: quizzes.user_rank(store, VIEWER_TEAM, VIEWER), runs),
        "workspace_leaderboard": median_ms(
            lambda: quizzes.workspace_leaderboard(store, VIEWER_TEAM, channels=visible), runs),
        "/quiz scores": median_ms(lambda: quizzes.channel_leaderboard(store, VIEWER_TEAM, channel), runs),
        "/discuss results": median_ms(lambda: discuss_results(services, VIEWER_TEAM, channel,
                                                              DiscussCommand(action="results"),
                                                              channel_reading(services, VIEWER_TEAM, channel)), runs),
        "Home gather()": median_ms(lambda: gather(services, VIEWER_TEAM, VIEWER, None, False, visible), runs),
    }
    services.stop()
    return timings


def time_home_over_http(db_path: Path, spread: int, runs: int) -> float:
    """app_home_opened, signed, to the app's HTTP endpoint; until `views.publish` reaches the stand-in."""
    from tests.conftest import HttpApp  # the tests' real-endpoint server, as the suite drives it

    with SlackStub() as stub:
        stub.memberships[VIEWER] = sorted(viewer_channels(spread))
        services = build_services(settings_for(db_path, stub.base_url), journal_dir=None)
        app = HttpApp(services, stub)
        try:
            times = []
            for n in range(runs):
                services.memberships = type(services.memberships)(services.clock)  # asked of Slack each time
                body = event_body(app_home_opened_event(VIEWER), team_id=VIEWER_TEAM, event_id=f"EvHOME{n:05d}")
                before = len(stub.calls("views.publish"))
                start = time.perf_counter()
                assert app.post(body).status == 200
                stub.wait_for("views.publish", count=before + 1, timeout=10)
                times.append((time.perf_counter() - start) * 1000)
            return statistics.median(times)
        finally:
            app.close()
            services.stop()


# The queries before m003_quiz_score_totals, summing the answers themselves: timed as they were, and with the
# index that would serve them best, the alternative the totals were measured against.
ANSWER_QUERIES = {
    "user_rank": ["SELECT SUM(score) FROM quiz_answers WHERE team_id = ? AND user_id = ?",
                  "SELECT COUNT(*) FROM (SELECT SUM(score) AS s FROM quiz_answers WHERE team_id = ? GROUP BY user_id) "
                  "WHERE s > 300"],
    "workspace_leaderboard": ["SELECT a.user_id, SUM(a.score) AS score, SUM(a.correct) AS correct FROM quiz_answers a "
                              "JOIN quizzes q ON q.id = a.quiz_id WHERE a.team_id = ? AND q.channel_id IN ({marks}) "
                              "GROUP BY a.user_id ORDER BY score DESC, correct DESC LIMIT 10"],
    "/quiz scores": ["SELECT a.user_id, SUM(a.score) AS score, SUM(a.correct) AS correct, COUNT(*) AS answered, "
                     "COUNT(DISTINCT a.quiz_id) AS quizzes FROM quiz_answers a JOIN quizzes q ON q.id = a.quiz_id "
                     "WHERE q.team_id = ? AND q.channel_id = ? GROUP BY a.user_id ORDER BY score DESC, correct DESC "
                     "LIMIT 10"],
}
ANSWERS_INDEX = "CREATE INDEX bench_answers_by_team_user ON quiz_answers(team_id, user_id, score)"


def time_answer_queries(db_path: Path, spread: int, runs: int) -> dict[str, float]:
    db = sqlite3.connect(db_path)
    visible = sorted(viewer_channels(spread))
    params = {"user_rank": [[VIEWER_TEAM, VIEWER], [VIEWER_TEAM]], "workspace_leaderboard": [[VIEWER_TEAM, *visible]],
              "/quiz scores": [[VIEWER_TEAM, visible[0]]]}
    timings = {}
    for index in (False, True):
        if index:
            db.execute(ANSWERS_INDEX)
            db.execute("ANALYZE")
        for name, statements in ANSWER_QUERIES.items():
            sqls = [sql.format(marks=", ".join("?" for _ in visible)) for sql in statements]
            timings[f"{'answers + index' if index else 'answers, no index'}: {name}"] = median_ms(
                lambda sqls=sqls, name=name: [db.execute(sql, p).fetchall()
                                              for sql, p in zip(sqls, params[name], strict=True)], runs)
    db.close()
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="*", default=[10_000, 1_000_000])
    parser.add_argument("--spread", type=int, default=100, help="workspaces the channels are spread over")
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--candidates", action="store_true", help="also time without indexes, and with totals")
    args = parser.parse_args()
    results: dict[str, dict[str, float]] = {}
    for n in args.sizes:
        with tempfile.TemporaryDirectory(prefix="bench-growth-") as tmp:
            db_path = Path(tmp) / "growth.db"
            started = time.perf_counter()
            fill(db_path, n, args.spread)
            print(f"{n:,} answers and {n:,} votes over {CHANNELS:,} channels in {args.spread} workspace(s): "
                  f"filled in {time.perf_counter() - started:.1f} s")
            row = time_queries(db_path, args.spread, args.runs)
            row["Home open -> views.publish (HTTP)"] = time_home_over_http(db_path, args.spread, min(args.runs, 15))
            if args.candidates:
                row.update(time_answer_queries(db_path, args.spread, args.runs))
            results[f"{n:,}"] = row
    names = list(dict.fromkeys(k for row in results.values() for k in row))
    print(f"\n{'median ms':<40}" + "".join(f"{size:>12}" for size in results))
    for name in names:
        print(f"{name:<40}" + "".join(f"{row.get(name, float('nan')):>12.2f}" for row in results.values()))
    limits = {"Home open -> views.publish (HTTP)": 100.0}
    worst = {name: max(row.get(name, 0.0) for row in results.values()) for name in names
             if not name.startswith("answers")}
    over = [name for name, ms in worst.items() if ms >= limits.get(name, 5.0) and name != "Home gather()"]
    print("targets (each query < 5 ms, Home open -> publish < 100 ms): " + ("met" if not over else
                                                                         f"missed by {', '.join(over)}"))


if __name__ == "__main__":
    main()
