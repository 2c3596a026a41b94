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

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler

from bot.context import Services
from bot.domain.digest import due_slot, plan_items, trigger_for
from bot.flows import lifecycle
from bot.flows import polls as poll_flow
from bot.flows.digests import PostOutcome, deliver
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
    busy: list[tuple[plans.PlanKey, KeyedLock]] = []
    try:
        for plan in candidates:
            if slot_due(now, plan) is None:
                continue
            if is_finished(services, plan):
                outcomes.append(PostOutcome("finished", plan.next_index))
                continue
            key = plan.key
            turn = services.in_turn("post next", *key)
            if turn.acquire(blocking=False):
                held[key] = turn
            else:
                busy.append((key, turn))
    except BaseException:
        for turn in held.values():
            turn.release()
        raise
    outcomes += _claim_and_deliver(services, pacer, held, slot_for, posting)
    if busy:
        # The turn is someone else's: a `/digest next`, or a run for this same slot (whose claim then
        # shows here, so there is nothing to wait for).
        current = plans.get_many(services.store, [key for key, _ in busy])
        for key, turn in busy:
            current_plan = current.get(key)
            if current_plan is None or slot_for(current_plan) is None:
                continue
            turn.acquire()
            outcomes += _claim_and_deliver(services, pacer, {key: turn}, slot_for, None)
    return outcomes


def _claim_and_deliver(services: Services, pacer: ChannelPacer, turns: dict[plans.PlanKey, KeyedLock],
                       slot_for: Callable[[plans.Plan], str | None],
                       posting: concurrent.futures.Executor | None) -> list[PostOutcome]:
    """Claim the plans whose turns are held, post the claimed ones (on `posting`, if given), and let go of
    every turn: at once for a plan not claimed, once its post is answered for one that was.

    Claims go `CLAIMS_PER_TRANSACTION` to a transaction, and the next batch is claimed only once at most
    `POSTS_AHEAD` posts are still waiting: the posting threads never run dry, yet a process killed in the
    middle of a run leaves only that many items claimed and never posted (at most once: they are not
    posted again). If the posting pool refuses work (the process is stopping), the claims not yet handed
    to it are given back.
    """
    store = services.store

    def deliver_in_turn(claim: plans.Claim) -> PostOutcome:
        try:
            outcome = deliver(services, pacer, claim)
        except Exception as exc:  # noqa: BLE001 - e.g. the database locked while recording: one channel's problem
            log.exception("scheduled digest %s/%s: the post's bookkeeping failed", claim.plan.team_id,
                          claim.plan.channel_id)
            outcome = PostOutcome("failed", claim.item_index, error=type(exc).__name__)
        finally:
            turns[claim.plan.key].release()
        log.info("scheduled digest %s/%s slot %s: %s", claim.plan.team_id, claim.plan.channel_id, claim.slot,
                 outcome.status)
        return outcome

    in_flight = 0  # posts handed to the pool and not yet answered
    room = threading.Condition()

    def post_on_pool(claim: plans.Claim) -> PostOutcome:
        nonlocal in_flight
        try:
            return deliver_in_turn(claim)
        finally:
            with room:
                in_flight -= 1
                room.notify()

    def room_to_post_ahead() -> bool:
        return in_flight <= POSTS_AHEAD

    keys = list(turns)
    outcomes: list[PostOutcome] = []
    posts: list[concurrent.futures.Future[PostOutcome]] = []
    for start in range(0, len(keys), CLAIMS_PER_TRANSACTION):
        if posting is not None:
            with room:
                room.wait_for(room_to_post_ahead)
        batch = keys[start:start + CLAIMS_PER_TRANSACTION]
        try:
            claims = plans.claim_due(store, batch, slot_for)
        except BaseException:
            for key in keys[start:]:  # the turns of batches already claimed go with their posts
                turns[key].release()
            raise
        claimed = {c.plan.key for c in claims}
        for key in batch:
            if key not in claimed:
                turns[key].release()
        for n, claim in enumerate(claims):
            if posting is None:
                outcomes.append(deliver_in_turn(claim))
                continue
            with room:
                in_flight += 1
            try:
                posts.append(posting.submit(post_on_pool, claim))
            except RuntimeError:  # shut down: the process is stopping
                with room:
                    in_flight -= 1
                _hand_back(store, turns, claims[n:], keys[start + len(batch):])
                return outcomes + [post.result() for post in posts]
    return outcomes + [post.result() for post in posts]


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

class DigestScheduler:
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

    def start(self) -> None:
        self.rebuild()
        self.scheduler.start()
        # catch-up runs on the scheduler's threads, so start-up is not held up by Slack calls
        self.scheduler.add_job(self.catch_up, id="digest:catch-up", replace_existing=True)
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
        """Make the jobs match the store: one per schedule some running plan posts on, none for a schedule
        no plan uses any more. `plan` is the plan that just changed (the `on_plan_change` hook's argument);
        its old schedule is not known, so every schedule is looked at (one small read)."""
        with self._syncing:
            wanted = {job_id(*schedule): schedule for schedule in plans.schedules(self.services.store)}
            for job in self.scheduler.get_jobs():
                if job.id.startswith("digest:") and "@" in job.id and job.id not in wanted:
                    self.scheduler.remove_job(job.id)
            for jid, (days, post_time, timezone) in wanted.items():
                if self.scheduler.get_job(jid) is not None:
                    continue
                try:
                    trigger = trigger_for(days, post_time, timezone)
                except Exception:  # noqa: BLE001 - one unusable row must not keep every other schedule off
                    log.exception("schedule %s cannot be run", jid)
                    continue
                self.scheduler.add_job(self.run_schedule, trigger=trigger, args=[days, post_time, timezone], id=jid,
                                       replace_existing=True)

    def run_schedule(self, days: str, post_time: str, timezone: str) -> list[PostOutcome]:
        """The job for one schedule: every running plan on it that is due now.

        One run of a schedule at a time in this process: a second (the catch-up at start meeting the
        09:00 job) waits for the first, then finds every slot taken in one read, instead of taking
        turns the first already holds one channel at a time.
        """
        with self._running((days, post_time, timezone)):
            candidates = plans.on_schedule(self.services.store, days, post_time, timezone)
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

    def catch_up(self) -> list[PostOutcome]:
        outcomes = []
        for schedule in sorted(plans.schedules(self.services.store)):
            outcomes += self.run_schedule(*schedule)
        return outcomes
