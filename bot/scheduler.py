"""Scheduled digests: one APScheduler job per schedule (days, time, timezone), rebuilt from the store.

APScheduler decides *when* to wake up; the database decides *whether* to post. At 09:00 the job for
"mon–fri 09:00 Europe/Berlin" runs every plan on that schedule together: it works out each plan's due
local date (`bot.domain.digest.due_slot`) and claims them in batches, each claim before its post is sent,
then posts them side by side. A restart, a second process or a job firing twice can never post twice,
and the claims of a thousand channels due in the same minute take the write lock fifty times. At
start, `catch_up()` runs every schedule once: a post missed while the process was down still goes out
that day. A process killed in the middle of a run leaves at most a few dozen items claimed and not
posted: those are skipped, not posted twice (the claim is the only record of whether Slack got them).
"""

from __future__ import annotations

import concurrent.futures
import datetime as dt
import logging
import threading
import time
from collections.abc import Callable
from zoneinfo import ZoneInfo

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler

from bot.context import Services
from bot.domain.digest import DAYS, due_slot, plan_items
from bot.flows import lifecycle
from bot.flows import polls as poll_flow
from bot.flows.digests import BatchReads, PostOutcome, deliver, find_unrecorded, read_for_batch
from bot.slack.keyed_locks import KeyedLock, KeyedLocks
from bot.slack.posting import ChannelPacer
from store import Store, deliveries, plans

log = logging.getLogger(__name__)

# Threads APScheduler runs its jobs on (its own default, stated here).
JOB_THREADS = 10
# Threads a schedule's due digests are posted from. A post is mostly waiting on Slack, but every step
# in between needs the interpreter lock: with a thousand channels due at once, more threads measured
# no faster, only busier.
POST_THREADS = 10
# A schedule's run claims this many plans per transaction, and claims more only once at most
# `POSTS_AHEAD` posts are waiting (see `_claim_and_deliver`).
CLAIMS_PER_TRANSACTION = 20
POSTS_AHEAD = 2 * POST_THREADS


def job_id(days: str, post_time: str, timezone: str) -> str:
    return f"digest:{days}@{post_time}@{timezone}"


def slot_due(now: dt.datetime, plan: plans.Plan) -> str | None:
    """The slot the plan is due for at `now`: None when it is paused, not due, or its slot is already
    claimed (`last_slot`: the catch-up at start, a second process)."""
    if plan.paused:
        return None
    active_since = dt.datetime.fromtimestamp(plan.active_since, dt.UTC)
    slot = due_slot(plan.days, plan.post_time, plan.timezone, now, active_since)
    return None if slot == plan.last_slot else slot


def is_finished(services: Services, plan: plans.Plan) -> bool:
    return plan.next_index >= len(plan_items(services.pack(plan.team_id, plan.pack_id)))


def run_due(services: Services, pacer: ChannelPacer, candidates: list[plans.Plan],
            posting: concurrent.futures.Executor | None = None) -> list[PostOutcome]:
    """Post the next item of every candidate plan that is due now; one outcome per plan this run posted
    (or found finished), none for a plan not due or taken by another run.

    Each channel's turn (`Services.in_turn`, which `/digest next` also takes) is held from before the
    claim until its post is answered, so two posts in one channel always reach Slack in claim order. The
    turns that are free are taken at once and their plans claimed in batches; a channel whose turn is
    busy is looked at again afterwards, on its own, once its turn is free.
    """
    now = services.clock.now()

    def slot_for(plan: plans.Plan) -> str | None:
        slot = slot_due(now, plan)
        return None if slot is None or is_finished(services, plan) else slot

    outcomes: list[PostOutcome] = []
    held: dict[plans.PlanKey, KeyedLock] = {}
    due: dict[plans.PlanKey, tuple[plans.Plan, str]] = {}
    busy: list[tuple[plans.PlanKey, KeyedLock]] = []
    try:
        for plan in candidates:
            slot = slot_due(now, plan)
            if slot is None:
                continue
            if is_finished(services, plan):
                outcomes.append(PostOutcome("finished", plan.next_index))
                continue
            key = plan.key
            turn = services.in_turn("post next", *key)
            if turn.acquire(blocking=False):
                held[key], due[key] = turn, (plan, slot)
            else:
                busy.append((key, turn))
    except BaseException:
        for turn in held.values():
            turn.release()
        raise
    outcomes += _claim_and_deliver(services, pacer, held, due, slot_for, posting)
    if busy:
        # The turn is someone else's: a `/digest next`, or a run for this same slot (whose claim then
        # shows here, so there is nothing to wait for).
        current = plans.get_many(services.store, [key for key, _ in busy])
        for key, turn in busy:
            current_plan = current.get(key)
            slot = None if current_plan is None else slot_for(current_plan)
            if current_plan is None or slot is None:
                continue
            turn.acquire()
            outcomes += _claim_and_deliver(services, pacer, {key: turn}, {key: (current_plan, slot)}, slot_for, None)
    return outcomes


def _claim_and_deliver(services: Services, pacer: ChannelPacer, turns: dict[plans.PlanKey, KeyedLock],
                       due: dict[plans.PlanKey, tuple[plans.Plan, str]],
                       slot_for: Callable[[plans.Plan], str | None],
                       posting: concurrent.futures.Executor | None) -> list[PostOutcome]:
    """Claim the plans whose turns are held (`due`: each as read, with its slot), post the claimed ones
    (on `posting`, if given), and let go of every turn: at once for a plan not claimed, once its post is
    answered and recorded for one that was. A plan that changed since it was read is read again and
    judged anew (`plans.claim_as_read`, then `plans.claim_due` for those).

    Claims go `CLAIMS_PER_TRANSACTION` to a transaction, and the next batch is claimed only once at most
    `POSTS_AHEAD` posts are still waiting: the posting threads never run dry, yet a process killed in the
    middle of a run leaves only that many items claimed and never posted (at most once: they are not
    posted again). If the posting pool refuses work (the process is stopping), the claims not yet handed
    to it are given back.

    With a pool, the posting threads only post. This thread does the run's SQLite work: it reads what a
    batch's posts need in one go (`read_for_batch`) and, once the batch is handed over, records the posts
    answered so far in one statement. Ten posting threads each reading and writing for their own channel
    made every statement wait for the write lock and the interpreter lock in turn; 2,000 channels took
    1.7x as long as the posts alone (bench/RESULTS.md, "2,000 channels due at once").
    """
    store = services.store

    def deliver_safely(claim: plans.Claim, batch: BatchReads | None) -> PostOutcome:
        try:
            return deliver(services, pacer, claim, batch, record=batch is None)
        except Exception as exc:  # noqa: BLE001 - e.g. the database locked while recording: one channel's problem
            log.exception("scheduled digest %s/%s: the post's bookkeeping failed", claim.plan.team_id,
                          claim.plan.channel_id)
            return PostOutcome("failed", claim.item_index, error=type(exc).__name__)

    def settled(claim: plans.Claim, outcome: PostOutcome) -> PostOutcome:
        turns[claim.plan.key].release()
        log.info("scheduled digest %s/%s slot %s: %s", claim.plan.team_id, claim.plan.channel_id, claim.slot,
                 outcome.status)
        return outcome

    in_flight = 0  # posts handed to the pool and not yet answered
    answered: list[tuple[plans.Claim, PostOutcome]] = []  # posted and not recorded yet: their turns still held
    outcomes: list[PostOutcome] = []
    room = threading.Condition()

    def post_on_pool(claim: plans.Claim, batch: BatchReads | None) -> None:
        nonlocal in_flight
        outcome = PostOutcome("failed", claim.item_index)  # if what raised is not an Exception
        try:
            outcome = deliver_safely(claim, batch)
        finally:
            to_record = batch is not None and outcome.status == "posted"
            if not to_record:
                outcome = settled(claim, outcome)
            with room:
                in_flight -= 1
                if to_record:
                    answered.append((claim, outcome))
                else:
                    outcomes.append(outcome)
                room.notify()

    def record_answered() -> None:
        with room:
            batch = answered[:]
            answered.clear()
        if batch:
            done = [settled(claim, outcome) for claim, outcome in _record(store, batch)]
            with room:
                outcomes.extend(done)

    def room_to_post_ahead() -> bool:
        return in_flight <= POSTS_AHEAD

    def nothing_in_flight() -> bool:
        return in_flight == 0

    keys = list(turns)
    posts: list[concurrent.futures.Future[None]] = []

    def finish() -> list[PostOutcome]:
        if posting is not None:
            with room:
                room.wait_for(nothing_in_flight)
        for post in posts:
            post.result()  # what the posting thread could not catch (it let go of the turn already)
        record_answered()
        return outcomes

    for start in range(0, len(keys), CLAIMS_PER_TRANSACTION):
        if posting is not None:
            with room:
                room.wait_for(room_to_post_ahead)
        batch_keys = keys[start:start + CLAIMS_PER_TRANSACTION]
        try:
            claims, changed = plans.claim_as_read(store, [due[key] for key in batch_keys])
            if changed:
                claims += plans.claim_due(store, changed, slot_for)
        except BaseException:
            for key in keys[start:]:  # the turns of batches already claimed go with their posts
                turns[key].release()
            if posting is not None:
                finish()
            raise
        reads = None
        if posting is not None and claims:
            try:
                reads = read_for_batch(services, claims)
            except Exception:  # noqa: BLE001 - each post reads for itself then, as `/digest next` does
                log.exception("reading for a batch of %d scheduled digests failed", len(claims))
        claimed = {c.plan.key for c in claims}
        for key in batch_keys:
            if key not in claimed:
                turns[key].release()
        for n, claim in enumerate(claims):
            if posting is None:
                outcomes.append(settled(claim, deliver_safely(claim, None)))
                continue
            with room:
                in_flight += 1
            try:
                posts.append(posting.submit(post_on_pool, claim, reads))
            except RuntimeError:  # shut down: the process is stopping
                with room:
                    in_flight -= 1
                _hand_back(store, turns, claims[n:], keys[start + len(batch_keys):])
                return finish()
        record_answered()  # once the batch is handed over: the posting threads are not kept waiting for it
    return finish()


def _record(store: Store, answered: list[tuple[plans.Claim, PostOutcome]]) -> list[tuple[plans.Claim, PostOutcome]]:
    """Record a batch of answered posts in one statement; if it fails, each on its own, so a record that
    fails is that channel's alone (its row stays claimed: taken, never posted twice)."""
    try:
        plans.record_posted_many(store, [(claim, str(outcome.ts)) for claim, outcome in answered])
        return answered
    except Exception:  # noqa: BLE001 - tried one by one below
        log.warning("recording %d scheduled digests at once failed; recording them one at a time", len(answered))
    recorded = []
    for claim, outcome in answered:
        try:
            plans.record_posted(store, claim, str(outcome.ts))
        except Exception as exc:  # noqa: BLE001 - logged; the post is out, its row stays claimed
            log.exception("scheduled digest %s/%s: the post's bookkeeping failed", claim.plan.team_id,
                          claim.plan.channel_id)
            outcome = PostOutcome("failed", claim.item_index, error=type(exc).__name__)
        recorded.append((claim, outcome))
    return recorded


def _hand_back(store: Store, turns: dict[plans.PlanKey, KeyedLock], unsent: list[plans.Claim],
               unclaimed: list[plans.PlanKey]) -> None:
    """A run cut short: give back the claims not sent (best effort; one not given back counts as taken,
    never posted twice) and let go of every turn still held."""
    log.warning("stopping: %d scheduled digests left for the next run", len(unsent) + len(unclaimed))
    for claim in unsent:
        try:
            plans.release(store, claim)
        except Exception:  # noqa: BLE001 - stopping anyway
            log.exception("could not give back %s/%s", *claim.plan.key)
        turns[claim.plan.key].release()
    for key in unclaimed:
        turns[key].release()


def run_plan_now(services: Services, pacer: ChannelPacer, team_id: str, channel_id: str) -> PostOutcome | None:
    """`run_due` for one channel: its outcome, or None when nothing was due (or another run took it)."""
    plan = plans.get(services.store, team_id, channel_id)
    outcomes = run_due(services, pacer, [plan] if plan is not None else [])
    return outcomes[0] if outcomes else None



def clock_timers(services: Services) -> list[Callable[[], object]]:
    """Every timer that runs as the clock moves, owned here: poll closing times and quiz reveals. The
    scheduler runs them each second, the console after each `:tick`; nothing else registers timers."""
    return [lambda: poll_flow.close_due(services, services.pacer),
            lambda: services.quizzes.tick(services.clock.now())]

Schedule = tuple[str, str, str]  # (days, post_time, timezone)

# A sleep, a stopped machine or a stalled process: the schedules whose time passed within this long are
# run when the minute job next fires (a post stays due until the end of its local day, `due_slot`).
LATE_RUN_LIMIT = dt.timedelta(hours=6)


def _local_time(schedule: Schedule) -> dt.time:
    """The schedule's local time of day; ValueError (or ZoneInfoNotFoundError, a KeyError) for a schedule
    that cannot be run: an unknown day or timezone, a time that is not HH:MM."""
    days, post_time, timezone = schedule
    ZoneInfo(timezone)  # cached by zoneinfo: the sweep's lookups are free
    if not days or any(day not in DAYS for day in days.split(",")):
        raise ValueError(f"unknown days {days!r}")
    hour, minute = (int(x) for x in post_time.split(":"))
    return dt.time(hour, minute)


class DigestScheduler:
    """The schedules some running plan posts on, kept here (not as APScheduler jobs), and one APScheduler
    job that fires each minute and runs the schedules whose local time came since it last fired.

    Why not one APScheduler job per schedule: with 10,000 schedules, building the jobs cost 3.5 s of
    CPU at every start (a CronTrigger each, parsed and asked for its next fire time, ~350 µs), and
    APScheduler's `get_job` scans its job list (the rebuild was O(S²)). Here the schedules are dicts,
    timezone → local time → schedules: a start reads them in one query, a plan's change re-syncs its own
    entry (`sync(plan)`), and each minute costs one local-time reading per timezone in use.
    """

    def __init__(self, services: Services, pacer: ChannelPacer | None = None,
                 scheduler: BackgroundScheduler | None = None):
        self.services = services
        self.pacer = pacer or services.pacer
        self.scheduler = scheduler or BackgroundScheduler(
            executors={"default": ThreadPoolExecutor(JOB_THREADS)},
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 6 * 3600},
        )
        self.posting = concurrent.futures.ThreadPoolExecutor(POST_THREADS, thread_name_prefix="digest-post")
        self._syncing = threading.Lock()
        self._running = KeyedLocks()
        # the running plans with a schedule, and the schedules by timezone and local time (under `_syncing`)
        self._schedule_of: dict[plans.PlanKey, Schedule] = {}
        self._plans_on: dict[Schedule, int] = {}
        self._by_zone: dict[str, dict[dt.time, set[Schedule]]] = {}
        self._swept_to: dt.datetime | None = None  # the moment the last sweep looked up to
        self.caught_up = threading.Event()  # set once `start`'s reading of the schedules and catch-up are done

    def start(self) -> None:
        self._swept_to = self.services.clock.now()  # today's missed posts are the catch-up's
        self.scheduler.start()
        # reading the schedules and the catch-up run on the scheduler's threads, so start-up is held up
        # neither by 10,000 schedules nor by Slack calls (a schedule due meanwhile is the catch-up's too)
        self.scheduler.add_job(self._rebuild_and_catch_up, id="digest:catch-up", replace_existing=True)
        # the digests: each minute, the schedules whose local time came since the last minute
        self.scheduler.add_job(self.run_due_schedules, "cron", second=0, id="digest:minute", replace_existing=True)
        # other timers (poll closing times, quiz reveals) are checked against the clock every second
        self.scheduler.add_job(self.run_timers, "interval", seconds=1, id="timers", replace_existing=True)
        # Slack stops retrying a delivery within minutes: a day of remembered deliveries is plenty
        self.scheduler.add_job(lambda: deliveries.prune(self.services.store, time.time() - 86400), "interval",
                               hours=1, id="deliveries:prune", replace_existing=True)
        # the data of workspaces that uninstalled goes once UNINSTALL_RETENTION_DAYS have passed: looked at
        # now (a process may have been down when it fell due) and every hour
        self.scheduler.add_job(self.purge_departed, "interval", hours=1, id="teams:purge", replace_existing=True,
                               next_run_time=dt.datetime.now(dt.UTC))

    def shutdown(self) -> None:
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        self.posting.shutdown(wait=False)

    def rebuild(self) -> None:
        self.sync()

    def sync(self, plan: plans.Plan | None = None) -> None:
        """Make the schedules match the store: every schedule some running plan posts on, none that no plan
        uses any more. `plan` is the plan that just changed (the `on_plan_change` hook's argument): only its
        entry is looked at (its old schedule is remembered here; whether another plan still posts on that is
        one index probe). Without one (start, a workspace gone or back) everything is read again, in one
        query."""
        with self._syncing:
            if plan is None:
                self._schedule_of.clear()
                self._plans_on.clear()
                self._by_zone.clear()
                for key, schedule in plans.scheduled_plans(self.services.store):
                    self._add(key, schedule)
                return
            old = self._schedule_of.pop(plan.key, None)
            if old is not None:
                self._plans_on[old] -= 1
            if not plan.paused and plan.days:
                self._add(plan.key, (plan.days, plan.post_time, plan.timezone))
            if old is not None and not self._plans_on[old]:
                del self._plans_on[old]
                if plans.schedule_in_use(self.services.store, *old):  # another process's plan, say
                    self._plans_on[old] = 0
                else:
                    self._drop(old)

    def _add(self, key: plans.PlanKey, schedule: Schedule) -> None:
        """`key` posts on `schedule` (under `_syncing`); a schedule that cannot be run is left out."""
        days, post_time, timezone = schedule
        if schedule not in self._plans_on:
            try:
                at = _local_time(schedule)
                zone_times = self._by_zone.setdefault(timezone, {})
                zone_times.setdefault(at, set()).add(schedule)
            except Exception:  # noqa: BLE001 - one unusable row must not keep every other schedule off
                log.exception("schedule %s cannot be run", job_id(*schedule))
                return
            self._plans_on[schedule] = 0
        self._plans_on[schedule] += 1
        self._schedule_of[key] = schedule

    def _drop(self, schedule: Schedule) -> None:
        timezone, at = schedule[2], _local_time(schedule)
        zone_times = self._by_zone.get(timezone, {})
        schedules = zone_times.get(at, set())
        schedules.discard(schedule)
        if not schedules:
            zone_times.pop(at, None)
        if not zone_times:
            self._by_zone.pop(timezone, None)

    def scheduled(self) -> set[str]:
        """The job id (`job_id`) of every schedule kept: what runs when its time comes."""
        with self._syncing:
            return {job_id(*schedule) for schedule in self._plans_on}

    def due_between(self, after: dt.datetime, until: dt.datetime) -> list[Schedule]:
        """The schedules whose local time came in (after, until]: reached on a day they post (local wall-clock
        time, as `due_slot` reads it: a time a daylight-saving jump skips is reached once the clocks pass
        it; one in an hour the clocks repeat is reached twice, and the second run finds its slot taken)."""
        after = max(after, until - LATE_RUN_LIMIT)
        due: list[Schedule] = []
        with self._syncing:
            zones = [(tz, list(times.items())) for tz, times in self._by_zone.items()]
        for timezone, times in zones:
            zone = ZoneInfo(timezone)
            start, end = after.astimezone(zone), until.astimezone(zone)
            day = start.date()
            while day <= end.date():
                weekday = DAYS[day.weekday()]
                low = start.time() if day == start.date() else None
                high = end.time() if day == end.date() else None
                for at, schedules in times:
                    if (low is None or at > low) and (high is None or at <= high):
                        due += [s for s in schedules if weekday in s[0].split(",")]
                day += dt.timedelta(days=1)
        return due

    def run_due_schedules(self) -> list[PostOutcome]:
        """The minute job: run every schedule whose time came since the last run. On a running scheduler
        each schedule is a job of its own on the job threads (side by side; each posts its channels on the
        posting threads) and nothing is returned; otherwise they run here and their outcomes are returned."""
        now = self.services.clock.now()
        after, self._swept_to = self._swept_to or now, now
        outcomes: list[PostOutcome] = []
        for schedule in self.due_between(after, now):
            if self.scheduler.running:
                self.scheduler.add_job(self.run_schedule, args=list(schedule), id=job_id(*schedule),
                                       replace_existing=True)
            else:
                outcomes += self.run_schedule(*schedule)
        return outcomes

    def run_schedule(self, days: str, post_time: str, timezone: str) -> list[PostOutcome]:
        """One schedule's run: every running plan on it that is due now.

        One run of a schedule at a time in this process: a second (the catch-up at start meeting the
        09:00 run) waits for the first, then finds every slot taken in one read, instead of taking
        turns the first already holds one channel at a time. Only the plans whose latest claim is not
        today's slot are read: a schedule whose channels all posted costs an index probe.
        """
        slot = due_slot(days, post_time, timezone, self.services.clock.now())
        if slot is None:
            return []
        with self._running((days, post_time, timezone)):
            candidates = plans.on_schedule_due(self.services.store, days, post_time, timezone, slot)
            return run_due(self.services, self.pacer, candidates, self.posting)

    def run_timers(self) -> None:
        for timer in list(self.services.timers):
            try:
                timer()
            except Exception:  # noqa: BLE001 - one failing timer must not stop the others
                log.exception("timer failed")

    def purge_departed(self) -> list[str]:
        try:
            return lifecycle.purge_departed(self.services)
        except Exception:  # noqa: BLE001 - tried again in an hour
            log.exception("deleting departed workspaces' data failed")
            return []

    def _rebuild_and_catch_up(self) -> list[PostOutcome]:
        """The start's own job: the schedules read, today's missed posts made, then the posts a stopped
        process left claimed and unrecorded looked for (`find_unrecorded`). `caught_up` is set after."""
        try:
            self.rebuild()
            outcomes = self.catch_up()
            try:
                find_unrecorded(self.services, time.time())  # the clock claims are stamped with
            except Exception:  # noqa: BLE001 - for the threads of a killed run's posts: never stops the start
                log.exception("looking for unrecorded digests failed")
            return outcomes
        finally:
            self.caught_up.set()

    def catch_up(self) -> list[PostOutcome]:
        """Every schedule due today whose post some channel has not had yet (missed while the process was
        down). A schedule not due today costs a local-time reading; one whose channels all posted today,
        an index probe."""
        outcomes = []
        for schedule in sorted(plans.schedules(self.services.store)):
            outcomes += self.run_schedule(*schedule)
        return outcomes
