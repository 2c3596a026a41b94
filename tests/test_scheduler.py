"""Scheduled digests against the Web API stand-in, with the clock moved by hand."""

import concurrent.futures
import datetime as dt
import json
import sqlite3
import threading

from bot import scheduler as scheduler_module
from bot.app import build_services
from bot.domain.replies import ReplyEvent
from bot.flows.digests import post_next
from bot.flows.replies import journal_replies, take_reply
from bot.scheduler import DigestScheduler, job_id, run_plan_now
from bot.slack.posting import ChannelPacer
from store import plans
from tests.conftest import TEAM

UTC = dt.UTC
NO_WAIT = dict(interval=0.0)


def scheduled_plan(services, channel="C0CHAN", days="mon,tue,wed,thu,fri", at="09:30", tz="America/New_York",
                   set_at=dt.datetime(2026, 5, 31, tzinfo=UTC)):
    plans.ensure(services.store, TEAM, channel, pack_id="sample", language="en", days="", post_time=at,
                 timezone=tz, created_by="UOWNER")
    return plans.set_schedule(services.store, TEAM, channel, days=days, post_time=at, timezone=tz,
                              now=set_at.timestamp())


def test_posts_at_the_local_time_once_per_day_and_in_order(services, stub, clock):
    scheduled_plan(services)
    pacer = ChannelPacer(**NO_WAIT)
    clock.set(dt.datetime(2026, 6, 1, 13, 29, tzinfo=UTC))  # Monday 09:29 EDT
    assert run_plan_now(services, pacer, TEAM, "C0CHAN") is None
    clock.set(dt.datetime(2026, 6, 1, 13, 30, tzinfo=UTC))
    assert run_plan_now(services, pacer, TEAM, "C0CHAN").status == "posted"
    assert run_plan_now(services, pacer, TEAM, "C0CHAN") is None  # the job firing again the same day
    clock.set(dt.datetime(2026, 6, 2, 13, 30, tzinfo=UTC))
    assert run_plan_now(services, pacer, TEAM, "C0CHAN").status == "posted"
    posts = stub.calls("chat.postMessage")
    assert [p.params["text"] for p in posts] == ["Introduction", "1. Code red"]
    rows = plans.posts(services.store, TEAM)
    assert [(r["slot"], r["status"]) for r in rows] == [("2026-06-01", "posted"), ("2026-06-02", "posted")]
    assert all(r["ts"] for r in rows)


def test_two_processes_and_a_repeated_job_post_once(settings, stub, clock):
    """Two app instances on one database file (as two processes would be) race for the same slot."""
    a = build_services(settings, clock=clock)
    b = build_services(settings, clock=clock)
    scheduled_plan(a)
    clock.set(dt.datetime(2026, 6, 1, 13, 30, tzinfo=UTC))
    barrier, outcomes = threading.Barrier(8), []

    def fire(services):
        barrier.wait()
        outcome = run_plan_now(services, ChannelPacer(**NO_WAIT), TEAM, "C0CHAN")
        outcomes.append(outcome.status if outcome else None)

    threads = [threading.Thread(target=fire, args=(s,)) for s in [a, b] * 4]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert outcomes.count("posted") == 1
    assert len(stub.calls("chat.postMessage")) == 1


def test_a_schedule_posts_each_due_channel_once_however_often_and_wherever_it_fires(settings, stub, clock):
    """A schedule's job claims every due channel on it at once. Fired twice in each of two processes at the
    same moment (a job and the catch-up at start, in two app instances), each channel gets one post."""
    a, b = build_services(settings, clock=clock), build_services(settings, clock=clock)
    for channel in ("C1", "C2", "C3", "C4"):
        scheduled_plan(a, channel=channel, at="09:00", tz="UTC")
    plans.set_paused(a.store, TEAM, "C4", True)
    scheduled_plan(a, channel="C5", at="10:00", tz="UTC")  # another schedule, due later
    clock.set(dt.datetime(2026, 6, 1, 9, 0, tzinfo=UTC))
    schedulers = [DigestScheduler(s, pacer=ChannelPacer(**NO_WAIT)) for s in (a, b)]
    barrier, outcomes = threading.Barrier(4), []

    def fire(scheduler):
        barrier.wait()
        outcomes.extend(o.status for o in scheduler.run_schedule("mon,tue,wed,thu,fri", "09:00", "UTC"))

    threads = [threading.Thread(target=fire, args=(s,)) for s in schedulers * 2]
    [t.start() for t in threads]
    [t.join() for t in threads]
    [s.shutdown() for s in schedulers]
    assert outcomes == ["posted"] * 3
    posted = sorted(p.params["channel"] for p in stub.calls("chat.postMessage"))
    assert posted == ["C1", "C2", "C3"]
    assert [plans.get(a.store, TEAM, c).next_index for c in ("C1", "C2", "C3", "C4", "C5")] == [1, 1, 1, 0, 0]


def test_a_channel_busy_with_a_digest_next_does_not_hold_up_the_others(services, stub, clock):
    """While one channel's turn is taken (a `/digest next` posting there), the schedule's other channels
    post; that channel gets its scheduled post once the turn is free."""
    for channel in ("C1", "C2", "C3"):
        scheduled_plan(services, channel=channel, at="09:00", tz="UTC")
    clock.set(dt.datetime(2026, 6, 1, 9, 0, tzinfo=UTC))
    scheduler = DigestScheduler(services, pacer=ChannelPacer(**NO_WAIT))
    turn = services.in_turn("post next", TEAM, "C2")
    turn.acquire()
    outcomes = []
    run = threading.Thread(
        target=lambda: outcomes.extend(scheduler.run_schedule("mon,tue,wed,thu,fri", "09:00", "UTC")))
    run.start()
    try:
        others = stub.wait_for("chat.postMessage", count=2)
        assert sorted(p.params["channel"] for p in others) == ["C1", "C3"]
        assert run.is_alive()  # C2 waits for its turn
    finally:
        turn.release()
        run.join(timeout=5)
        scheduler.shutdown()
    assert [p.params["channel"] for p in stub.calls("chat.postMessage")][2:] == ["C2"]
    assert [o.status for o in outcomes] == ["posted"] * 3


def test_a_schedule_s_channels_are_claimed_in_batches_each_posted_once_and_every_turn_let_go(services, stub, clock,
                                                                                            monkeypatch):
    monkeypatch.setattr(scheduler_module, "CLAIMS_PER_TRANSACTION", 3)
    claim_as_read, batches = plans.claim_as_read, []

    def counted_claim(store, wanted):
        batches.append(len(wanted))
        return claim_as_read(store, wanted)

    monkeypatch.setattr(plans, "claim_as_read", counted_claim)
    channels = [f"C{i}" for i in range(10)]
    for channel in channels:
        scheduled_plan(services, channel=channel, at="09:00", tz="UTC")
    clock.set(dt.datetime(2026, 6, 1, 9, 0, tzinfo=UTC))
    scheduler = DigestScheduler(services, pacer=ChannelPacer(**NO_WAIT))
    try:
        outcomes = scheduler.run_schedule("mon,tue,wed,thu,fri", "09:00", "UTC")
    finally:
        scheduler.shutdown()
    assert batches == [3, 3, 3, 1]  # one transaction per batch
    assert [o.status for o in outcomes] == ["posted"] * 10
    assert sorted(p.params["channel"] for p in stub.calls("chat.postMessage")) == sorted(channels)
    turns = [services.in_turn("post next", TEAM, channel) for channel in channels]
    assert all(turn.acquire(blocking=False) for turn in turns)  # a `/digest next` would not wait forever


def test_a_plan_changed_by_another_process_after_the_run_read_it_posts_as_it_now_stands(
        settings, services, stub, clock, monkeypatch):
    """The run claims from the plans it read; one whose language another process switched in between
    is read again, and its digest goes out in the new language, once."""
    for channel in ("C1", "C2"):
        scheduled_plan(services, channel=channel, at="09:00", tz="UTC")
    other = build_services(settings, clock=clock)
    claim_as_read = plans.claim_as_read

    def language_switched_first(store, wanted):
        plans.set_language(other.store, TEAM, "C2", "zh-Hant")
        return claim_as_read(store, wanted)

    monkeypatch.setattr(plans, "claim_as_read", language_switched_first)
    clock.set(dt.datetime(2026, 6, 1, 9, 0, tzinfo=UTC))
    scheduler = DigestScheduler(services, pacer=ChannelPacer(**NO_WAIT))
    try:
        assert [o.status for o in scheduler.run_schedule("mon,tue,wed,thu,fri", "09:00", "UTC")] == ["posted"] * 2
    finally:
        scheduler.shutdown()
    texts = {c.params["channel"]: c.params["text"] for c in stub.calls("chat.postMessage")}
    assert sorted(texts) == ["C1", "C2"] and texts["C1"] == "Introduction" and texts["C2"] != "Introduction"


def test_a_digest_next_during_a_slow_scheduled_post_in_its_channel_reaches_slack_after_it(services, stub, clock):
    """The scheduled post's turn is held until Slack answers it (on the posting threads): a `/digest next`
    meanwhile claims the following section and posts it after, never above it in the channel."""
    scheduled_plan(services, at="09:00", tz="UTC")
    clock.set(dt.datetime(2026, 6, 1, 9, 0, tzinfo=UTC))
    stub.answer_first_late("chat.postMessage", 0.5)
    scheduler = DigestScheduler(services, pacer=ChannelPacer(**NO_WAIT))
    run = threading.Thread(target=scheduler.run_schedule, args=("mon,tue,wed,thu,fri", "09:00", "UTC"))
    run.start()
    try:
        stub.wait_for("chat.postMessage")  # the scheduled post is with Slack, not yet answered
        moved = post_next(services, ChannelPacer(**NO_WAIT), TEAM, "C0CHAN", slot="now:meanwhile")
    finally:
        run.join(timeout=5)
        scheduler.shutdown()
    assert (moved.status, moved.item_index) == ("posted", 1)
    posts = stub.calls("chat.postMessage")
    assert [p.params["text"] for p in posts] == ["Introduction", "1. Code red"]
    assert float(posts[0].response["ts"]) < float(posts[1].response["ts"])  # the channel shows them in order


class _StopsAfter(concurrent.futures.ThreadPoolExecutor):
    """A posting pool that is shut down (the process stopping) after taking `n` posts."""

    def __init__(self, n):
        super().__init__(2)
        self.left = n

    def submit(self, *args, **kwargs):
        if self.left == 0:
            self.shutdown(wait=False)
        self.left -= 1
        return super().submit(*args, **kwargs)


def test_a_run_cut_short_by_a_stop_gives_back_what_it_did_not_send(settings, stub, clock, monkeypatch):
    monkeypatch.setattr(scheduler_module, "CLAIMS_PER_TRANSACTION", 2)
    services = build_services(settings, clock=clock)
    channels = [f"C{i}" for i in range(5)]
    for channel in channels:
        scheduled_plan(services, channel=channel, at="09:00", tz="UTC")
    clock.set(dt.datetime(2026, 6, 1, 9, 0, tzinfo=UTC))
    stopping = DigestScheduler(services, pacer=ChannelPacer(**NO_WAIT))
    stopping.posting = _StopsAfter(3)
    outcomes = stopping.run_schedule("mon,tue,wed,thu,fri", "09:00", "UTC")
    assert [o.status for o in outcomes] == ["posted"] * 3
    assert all(services.in_turn("post next", TEAM, c).acquire(blocking=False) for c in channels)  # none left held
    # the next process (the catch-up at start, the same day) posts the two that were given back, and no other
    restarted = DigestScheduler(build_services(settings, clock=clock), pacer=ChannelPacer(**NO_WAIT))
    try:
        assert [o.status for o in restarted.catch_up()] == ["posted"] * 2
    finally:
        restarted.shutdown()
    assert sorted(p.params["channel"] for p in stub.calls("chat.postMessage")) == channels


def test_on_the_posting_threads_a_permanent_error_pauses_its_plan_and_a_failing_record_stays_its_own(
        services, stub, clock, monkeypatch):
    for channel in ("C1", "C2", "C3"):
        scheduled_plan(services, channel=channel, at="09:00", tz="UTC")
    clock.set(dt.datetime(2026, 6, 1, 9, 0, tzinfo=UTC))
    stub.respond("chat.postMessage", lambda call: (200, {}, {"ok": False, "error": "is_archived"})
                 if call.params.get("channel") == "C1" else (200, {}, stub.default_response(call)))
    record = plans.record_posted

    def record_failing_for_c2(store, claim, ts):
        if claim.plan.channel_id == "C2":
            raise sqlite3.OperationalError("database is locked")
        record(store, claim, ts)

    def records_failing_with_c2(store, posted):
        if any(claim.plan.channel_id == "C2" for claim, _ in posted):
            raise sqlite3.OperationalError("database is locked")
        record_many(store, posted)

    record_many = plans.record_posted_many
    monkeypatch.setattr(plans, "record_posted", record_failing_for_c2)
    monkeypatch.setattr(plans, "record_posted_many", records_failing_with_c2)
    scheduler = DigestScheduler(services, pacer=ChannelPacer(**NO_WAIT))
    try:
        outcomes = scheduler.run_schedule("mon,tue,wed,thu,fri", "09:00", "UTC")
    finally:
        scheduler.shutdown()
    assert sorted((o.status, o.error) for o in outcomes) == [
        ("failed", "OperationalError"), ("posted", None), ("stopped", "is_archived")]
    assert plans.get(services.store, TEAM, "C1").paused is True
    assert [p.params["text"] for p in stub.calls("chat.postMessage") if p.params["channel"] == "UOWNER"] != []
    assert all(services.in_turn("post next", TEAM, c).acquire(blocking=False) for c in ("C1", "C2", "C3"))


def test_a_schedules_run_recaps_the_channels_whose_last_thread_has_replies(services, stub, clock):
    """The run asks once per batch which channels' previous threads have replies, on its own thread, and
    records its posts there too: a reply acknowledged last night (still in the click journal) is recapped
    this morning in its channel, and only there."""
    journal_replies(services)  # as the app does when it is built
    for channel in ("C1", "C2"):
        scheduled_plan(services, channel=channel, at="09:00", tz="UTC")
    scheduler = DigestScheduler(services, pacer=ChannelPacer(**NO_WAIT))
    try:
        clock.set(dt.datetime(2026, 6, 1, 9, 0, tzinfo=UTC))
        assert [o.status for o in scheduler.run_schedule("mon,tue,wed,thu,fri", "09:00", "UTC")] == ["posted"] * 2
        monday = {r["channel_id"]: r for r in plans.posts(services.store, TEAM)}
        assert [r["status"] for r in monday.values()] == ["posted"] * 2  # recorded before the run returned
        take_reply(services, TEAM, "event:Ev1", ReplyEvent("new", "C1", "1780300000.000100", monday["C1"]["ts"],
                                                           "U0ALICE", "Code red sounds like a drill"))
        clock.set(dt.datetime(2026, 6, 2, 9, 0, tzinfo=UTC))
        assert [o.status for o in scheduler.run_schedule("mon,tue,wed,thu,fri", "09:00", "UTC")] == ["posted"] * 2
    finally:
        scheduler.shutdown()
    tuesday = {c.params["channel"]: json.dumps(c.params["blocks"]) for c in stub.calls("chat.postMessage")[2:]}
    assert "1 person replied" in tuesday["C1"] and "Introduction" in tuesday["C1"]
    assert "replied" not in tuesday["C2"]


def test_a_restart_catches_up_a_missed_post_once_that_day(settings, stub, clock):
    first = build_services(settings, clock=clock)
    scheduled_plan(first)
    first.store.close()
    # the process was down at 09:30; it comes back at 11:00 local
    clock.set(dt.datetime(2026, 6, 1, 15, 0, tzinfo=UTC))
    restarted = build_services(settings, clock=clock)
    scheduler = DigestScheduler(restarted, pacer=ChannelPacer(**NO_WAIT))
    assert [o.status for o in scheduler.catch_up()] == ["posted"]
    again = DigestScheduler(build_services(settings, clock=clock), pacer=ChannelPacer(**NO_WAIT))
    assert again.catch_up() == []  # a second restart the same day posts nothing
    assert len(stub.calls("chat.postMessage")) == 1


def test_one_job_per_schedule_rebuilt_from_the_store(services, clock):
    scheduled_plan(services, channel="C1", at="09:00", tz="Europe/London")
    scheduled_plan(services, channel="C2", at="09:00", tz="Europe/London")  # the same schedule as C1
    scheduled_plan(services, channel="C3", days="sat", at="18:00", tz="America/New_York")
    london = job_id("mon,tue,wed,thu,fri", "09:00", "Europe/London")
    new_york = job_id("sat", "18:00", "America/New_York")
    scheduler = DigestScheduler(services)
    try:
        scheduler.rebuild()
        scheduler.rebuild()  # idempotent
        assert scheduler.scheduled() == {london, new_york}
        plans.set_paused(services.store, TEAM, "C1", True)
        scheduler.sync(plans.get(services.store, TEAM, "C1"))
        assert scheduler.scheduled() == {london, new_york}  # C2 still posts at 09:00
        plans.set_schedule(services.store, TEAM, "C2", days="sat", post_time="18:00", timezone="America/New_York",
                           now=clock.now().timestamp())
        scheduler.sync(plans.get(services.store, TEAM, "C2"))
        assert scheduler.scheduled() == {new_york}  # no plan posts at 09:00 any more
        plans.set_paused(services.store, TEAM, "C1", False, now=clock.now().timestamp())
        scheduler.sync(plans.get(services.store, TEAM, "C1"))
        assert scheduler.scheduled() == {london, new_york}
    finally:
        scheduler.shutdown()


def test_a_schedule_runs_when_its_local_time_comes_on_its_days_once(services, clock):
    scheduled_plan(services, channel="C1", at="09:00", tz="Europe/London")
    scheduled_plan(services, channel="C3", days="sat", at="18:00", tz="America/New_York")
    scheduler = DigestScheduler(services)
    try:
        scheduler.rebuild()
        london = ("mon,tue,wed,thu,fri", "09:00", "Europe/London")
        monday = dt.datetime(2026, 6, 1, 7, 59, 30, tzinfo=UTC)  # 08:59:30 BST
        assert scheduler.due_between(monday, monday + dt.timedelta(seconds=30)) == [london]
        assert scheduler.due_between(monday + dt.timedelta(seconds=30), monday + dt.timedelta(minutes=1)) == []
        assert scheduler.due_between(monday - dt.timedelta(minutes=1), monday) == []
        saturday = dt.datetime(2026, 6, 6, 7, 59, 30, tzinfo=UTC)
        assert scheduler.due_between(saturday, saturday + dt.timedelta(seconds=30)) == []  # not on its days
        six_pm_new_york = dt.datetime(2026, 6, 6, 22, 0, tzinfo=UTC)
        assert scheduler.due_between(six_pm_new_york - dt.timedelta(minutes=1), six_pm_new_york) == [
            ("sat", "18:00", "America/New_York")]
        # a stalled process, three hours late: each schedule whose time came is run (once); a stall longer
        # than LATE_RUN_LIMIT runs what came within it (the rest was the catch-up's, at a start)
        assert scheduler.due_between(monday - dt.timedelta(hours=1), monday + dt.timedelta(hours=2)) == [london]
        assert scheduler.due_between(monday, monday + dt.timedelta(hours=7)) == []
    finally:
        scheduler.shutdown()


def test_a_time_a_daylight_saving_jump_skips_runs_once_the_clocks_pass_it(services):
    scheduled_plan(services, channel="C1", days="sun", at="02:30", tz="America/New_York")
    scheduler = DigestScheduler(services)
    try:
        scheduler.rebuild()
        # 2026-03-08: at 02:00 EST the clocks go to 03:00 EDT, so 02:30 never shows
        before_jump = dt.datetime(2026, 3, 8, 6, 59, tzinfo=UTC)  # 01:59 EST
        assert scheduler.due_between(before_jump, before_jump + dt.timedelta(minutes=1)) == [
            ("sun", "02:30", "America/New_York")]
        # 2026-11-01: 01:00-02:00 happens twice, and a 01:30 schedule runs each time the clocks show 01:30
        # (as `due_slot` reads the wall clock); the second run finds the day's slot taken
        scheduled_plan(services, channel="C2", days="sun", at="01:30", tz="America/New_York")
        scheduler.rebuild()
        first = dt.datetime(2026, 11, 1, 5, 0, tzinfo=UTC)  # 01:00 EDT
        runs = [s for m in range(0, 180) for s in scheduler.due_between(first + dt.timedelta(minutes=m),
                                                                        first + dt.timedelta(minutes=m + 1))
                if s[1] == "01:30"]
        assert runs == [("sun", "01:30", "America/New_York")] * 2
    finally:
        scheduler.shutdown()


def test_the_minute_job_runs_the_schedules_that_came_due_and_posts_them(services, stub, clock):
    scheduled_plan(services, channel="C1", at="09:00", tz="UTC")
    scheduler = DigestScheduler(services, pacer=ChannelPacer(**NO_WAIT))
    try:
        scheduler.rebuild()
        clock.set(dt.datetime(2026, 6, 1, 8, 59, 30, tzinfo=UTC))
        assert scheduler.run_due_schedules() == []  # the first run only marks where it looked up to
        clock.set(dt.datetime(2026, 6, 1, 9, 0, tzinfo=UTC))
        assert [o.status for o in scheduler.run_due_schedules()] == ["posted"]
        clock.set(dt.datetime(2026, 6, 1, 9, 1, tzinfo=UTC))
        assert scheduler.run_due_schedules() == []
        assert len(stub.calls("chat.postMessage")) == 1
    finally:
        scheduler.shutdown()


def test_a_permanent_error_pauses_the_plan_and_tells_its_owner(services, stub, clock):
    scheduled_plan(services)
    stub.respond("chat.postMessage", {"ok": False, "error": "is_archived"}, times=1)
    clock.set(dt.datetime(2026, 6, 1, 13, 30, tzinfo=UTC))
    outcome = run_plan_now(services, ChannelPacer(**NO_WAIT), TEAM, "C0CHAN")
    assert outcome.status == "stopped" and outcome.error == "is_archived"
    plan = plans.get(services.store, TEAM, "C0CHAN")
    assert plan.paused is True and plan.next_index == 0  # nothing skipped
    dm = stub.calls("chat.postMessage")[-1]
    assert dm.params["channel"] == "UOWNER" and "is_archived" in dm.params["text"]
    clock.set(dt.datetime(2026, 6, 2, 13, 30, tzinfo=UTC))
    assert run_plan_now(services, ChannelPacer(**NO_WAIT), TEAM, "C0CHAN") is None  # no retry loop
    assert len(stub.calls("chat.postMessage")) == 2


def test_a_transient_failure_keeps_the_item_for_the_next_run(services, stub, clock):
    scheduled_plan(services)
    stub.respond("chat.postMessage", {"ok": False, "error": "internal_error"}, times=1)
    clock.set(dt.datetime(2026, 6, 1, 13, 30, tzinfo=UTC))
    assert run_plan_now(services, ChannelPacer(**NO_WAIT), TEAM, "C0CHAN").status == "failed"
    assert plans.get(services.store, TEAM, "C0CHAN").next_index == 0
    clock.set(dt.datetime(2026, 6, 1, 13, 45, tzinfo=UTC))  # the catch-up run later that day
    assert run_plan_now(services, ChannelPacer(**NO_WAIT), TEAM, "C0CHAN").status == "posted"
    assert stub.calls("chat.postMessage")[-1].params["text"] == "Introduction"


def test_after_the_last_section_the_plan_posts_the_closing_polls_one_per_day_then_the_report(services, stub, clock):
    scheduled_plan(services, days="mon,tue,wed,thu,fri,sat,sun")
    pacer = ChannelPacer(**NO_WAIT)
    day = dt.datetime(2026, 6, 1, 13, 30, tzinfo=UTC)
    statuses = []
    for n in range(10):
        clock.set(day + dt.timedelta(days=n))
        outcome = run_plan_now(services, pacer, TEAM, "C0CHAN")
        statuses.append(outcome.status if outcome else None)
    assert statuses == ["posted"] * 9 + ["finished"]
    posts = stub.calls("chat.postMessage")
    assert [p.params["text"].split(" · ")[0] for p in posts[5:8]] == [
        "Poll: Will models be commoditised?", "Poll: Is memory a moat?", "Poll: Is the compute bet sound?"]
    assert posts[8].params["text"].startswith("Team report")  # the day after the last poll
    rows = plans.posts(services.store, TEAM)
    assert [r["ts"] for r in rows[5:]] == [p.response["ts"] for p in posts[5:]]


def test_the_channel_pacer_spaces_posts_a_second_apart():
    now = [100.0]
    slept = []
    pacer = ChannelPacer(interval=1.0, monotonic=lambda: now[0], sleep=slept.append)
    pacer.wait_turn("C1")
    pacer.wait_turn("C1")
    pacer.wait_turn("C2")
    pacer.wait_turn("C1")
    assert slept == [1.0, 2.0]  # C1's second and third posts wait; C2 does not


def test_channels_due_together_get_the_same_digest_but_each_its_own_next_post(services, stub, clock):
    """At 09:00 many channels post the same section, drawn once and reused (bot/flows/digests.py): a channel
    whose next post falls on another day must still say its own day, never a neighbour's."""
    pacer = ChannelPacer(**NO_WAIT)
    for channel, days in (("C1", "mon,tue"), ("C2", "mon,tue"), ("C3", "mon,thu")):
        scheduled_plan(services, channel=channel, days=days, at="09:00", tz="UTC")
    clock.set(dt.datetime(2026, 6, 1, 9, 0, tzinfo=UTC))  # Monday 09:00
    for channel in ("C1", "C2", "C3"):
        assert run_plan_now(services, pacer, TEAM, channel).status == "posted"
    posted = {p.params["channel"]: p.params["blocks"] for p in stub.calls("chat.postMessage")}
    footer = {channel: blocks[-1]["elements"][0]["text"] for channel, blocks in posted.items()}
    assert "Tue" in footer["C1"] and "Thu" in footer["C3"]
    assert posted["C1"] == posted["C2"]  # the same section on the same schedule
    assert posted["C1"][:-1] == posted["C3"][:-1]  # the same section: only the next post differs


def test_a_started_scheduler_reads_its_schedules_off_the_start_path_and_runs_each_due_one_as_a_job(
        services, stub, clock):
    scheduled_plan(services, channel="C1", at="09:00", tz="UTC")
    clock.set(dt.datetime(2026, 6, 1, 8, 59, 30, tzinfo=UTC))
    scheduler = DigestScheduler(services, pacer=ChannelPacer(**NO_WAIT))
    try:
        scheduler.start()
        assert scheduler.caught_up.wait(10)  # the start-up job reads them, and catches up (nothing due)
        assert stub.calls("chat.postMessage") == []
        assert scheduler.scheduled() == {job_id("mon,tue,wed,thu,fri", "09:00", "UTC")}
        assert {j.id for j in scheduler.scheduler.get_jobs()} >= {"digest:minute", "timers"}
        clock.set(dt.datetime(2026, 6, 1, 9, 0, tzinfo=UTC))
        assert scheduler.run_due_schedules() == []  # handed to the job threads
        stub.wait_for("chat.postMessage", timeout=10)
        assert [p.params["channel"] for p in stub.calls("chat.postMessage")] == ["C1"]
    finally:
        scheduler.shutdown()
