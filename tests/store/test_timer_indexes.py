"""The reads the once-a-second timers and the digest scheduler make, on a real SQLite file with history in
it: each one's query plan walks an index of what is due (never a scan of every poll, quiz or plan), and
the answers are the same as a full scan's."""

import time

import pytest

from store import open_store, plans, polls, quizzes, teams

TEAM, GONE = "T1", "TGONE"
NOW = 1_000_000.0


@pytest.fixture
def store(tmp_path):
    store = open_store(tmp_path / "bot.db")
    yield store
    store.close()


def query_plan(store, read):
    """The query plan of every statement `read()` runs (caught as SQLite runs it, values bound)."""
    statements: list[str] = []
    conn = store._conn()
    conn.set_trace_callback(statements.append)
    try:
        result = read()
    finally:
        conn.set_trace_callback(None)
    details = [" / ".join(r["detail"] for r in store.rows("EXPLAIN QUERY PLAN " + sql)) for sql in statements]
    return result, details


def poll(store, n, *, team=TEAM, closes_at=None, closed_at=None, results=False, posted=True):
    post = polls.create_post(store, team_id=team, channel_id=f"C{n}", pack_id="sample", poll_id="p1", number=1,
                             language="en", anonymous=False, results_hidden=False, closes_at=closes_at, posted_by="U")
    if posted:
        polls.record_ts(store, post.id, f"{n}.0001")
    if closed_at is not None:
        polls.mark_closed(store, post.id, closed_at)
    if results:
        polls.record_results_ts(store, post.id, f"{n}.0002")
    return post.id


def quiz(store, n, state, *, team=TEAM, reported=False):
    made = quizzes.start(store, team_id=team, channel_id=f"C{n}", host="U", pack_id="sample", language="en",
                         question_ids=["q1"], timer_s=30, now=NOW)
    if state != "running":
        quizzes.finish(store, made.id, state, NOW)
    if reported:
        quizzes.record_results_ts(store, made.id, f"{n}.0003")
    return made.id


def test_the_poll_timers_read_only_the_polls_still_waiting_for_them(store):
    for n in range(300):  # years of history: closed, with results
        poll(store, n, closes_at=NOW - 10_000, closed_at=NOW - 9_000, results=True)
    due = poll(store, 1000, closes_at=NOW - 1)
    later = poll(store, 1001, closes_at=NOW + 60)
    poll(store, 1002)  # no closing time
    poll(store, 1003, closes_at=NOW - 1, posted=False)  # being posted
    poll(store, 1004, team=GONE, closes_at=NOW - 1)
    no_results = poll(store, 1005, closes_at=NOW - 100, closed_at=NOW - 50)
    teams.depart(store, [GONE], "uninstalled", time.time())

    closing, closing_plan = query_plan(store, lambda: polls.due_to_close(store, NOW))
    assert [p.id for p in closing] == [due]
    assert any("SEARCH poll_posts USING INDEX poll_posts_open_by_close (closes_at>? AND closes_at<?)" in d
               for d in closing_plan), closing_plan
    assert not any("SCAN poll_posts" in d for d in closing_plan), closing_plan
    assert [p.id for p in polls.due_to_close(store, NOW + 60)] == [due, later]

    unreported, unreported_plan = query_plan(store, lambda: polls.closed_without_results(store))
    assert [p.id for p in unreported] == [no_results]
    assert any("USING INDEX poll_posts_closed_without_results" in d for d in unreported_plan), unreported_plan


def test_the_quiz_timer_reads_only_running_and_unreported_quizzes(store):
    for n in range(300):
        quiz(store, n, "finished", reported=True)
    for n in range(300, 320):
        quiz(store, n, "abandoned")  # never reported, never looked at again
    running = quiz(store, 1000, "running")
    quiz(store, 1001, "running", team=GONE)
    stopped = quiz(store, 1002, "stopped")
    interrupted = quiz(store, 1003, "interrupted")
    teams.depart(store, [GONE], "uninstalled", time.time())

    found, running_plan = query_plan(store, lambda: quizzes.running(store))
    assert [q.id for q in found] == [running]
    assert any("USING INDEX quizzes_running" in d for d in running_plan), running_plan

    found, unreported_plan = query_plan(store, lambda: quizzes.unreported(store))
    assert [q.id for q in found] == [stopped, interrupted]
    assert any("USING INDEX quizzes_unreported" in d for d in unreported_plan), unreported_plan


def scheduled(store, channel, days="mon,tue,wed,thu,fri", at="09:00", tz="UTC", paused=False):
    plans.ensure(store, TEAM, channel, pack_id="sample", language="en", days="", post_time=at, timezone=tz,
                 created_by="U")
    plans.set_schedule(store, TEAM, channel, days=days, post_time=at, timezone=tz, now=0)
    if paused:
        plans.set_paused(store, TEAM, channel, True)


def test_a_schedule_s_plans_are_read_from_the_schedule_index(store):
    for n in range(200):
        scheduled(store, f"CO{n:03d}", at=f"{n // 60:02d}:{n % 60:02d}", tz="Europe/Berlin")
    scheduled(store, "C1")
    scheduled(store, "C2")
    scheduled(store, "C3", paused=True)
    store.write_one("UPDATE plans SET last_slot = '2026-06-01' WHERE channel_id = 'C2'")

    found, plan = query_plan(store, lambda: plans.on_schedule_due(store, "mon,tue,wed,thu,fri", "09:00", "UTC",
                                                                  "2026-06-01"))
    assert [p.channel_id for p in found] == ["C1"]
    assert any("USING INDEX plans_running_by_schedule (days=? AND post_time=? AND timezone=?)" in d
               for d in plan), plan
    assert [p.channel_id for p in plans.on_schedule(store, "mon,tue,wed,thu,fri", "09:00", "UTC")] == ["C1", "C2"]

    in_use, plan = query_plan(store, lambda: plans.schedule_in_use(store, "mon,tue,wed,thu,fri", "09:00", "UTC"))
    assert in_use
    assert any("USING" in d and "INDEX plans_running_by_schedule" in d for d in plan), plan
    assert not plans.schedule_in_use(store, "sat", "09:00", "UTC")

    schedules, plan = query_plan(store, lambda: plans.schedules(store))
    assert len(schedules) == 201
    assert any("INDEX plans_running_by_schedule" in d for d in plan), plan
