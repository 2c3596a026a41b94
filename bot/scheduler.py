"""Scheduled digests: one APScheduler job per channel plan, rebuilt from the store at start.

APScheduler decides *when* to wake up; the database decides *whether* to post. Each run works out which
local date it is due for (`bot.digest.due_slot`) and claims that slot before sending, so a restart, a
second process or a job firing twice can never post twice. At start, `catch_up()` runs every plan once:
a post missed while the process was down still goes out that day.
"""

from __future__ import annotations

import datetime as dt
import logging
import time

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler

from bot.delivery import PostOutcome, post_plan_next
from bot.digest import due_slot, trigger_for
from bot.posting import ChannelPacer
from bot.services import Services
from store import deliveries, plans

log = logging.getLogger(__name__)

# Threads the scheduled jobs run on (APScheduler's own default, stated here so the bench uses the same).
# A digest post is mostly waiting on Slack, but every step in between needs the interpreter lock: with
# a thousand channels due at once, twice as many threads measured no faster, only busier.
JOB_THREADS = 10


def job_id(team_id: str, channel_id: str) -> str:
    return f"digest:{team_id}:{channel_id}"


def run_plan_now(services: Services, pacer: ChannelPacer, team_id: str, channel_id: str) -> PostOutcome | None:
    """Post the plan's next item if a scheduled slot is due at the clock's `now`; else do nothing.

    All in the channel's turn, from one read of the plan: at 09:00 a thousand channels come due at once
    and every SQLite call has to win the interpreter lock back from the other job threads. A job that
    fires again for a slot already claimed (the catch-up at start, a second process) sees it on the plan
    row (`last_slot`) and stops there; for any other slot the claim itself decides.
    """
    with services.in_turn("post next", team_id, channel_id):
        plan = plans.get(services.store, team_id, channel_id)
        if plan is None or plan.paused:
            return None
        active_since = dt.datetime.fromtimestamp(plan.active_since, dt.timezone.utc)
        slot = due_slot(plan.days, plan.post_time, plan.timezone, services.clock.now(), active_since)
        if slot is None or slot == plan.last_slot:
            return None
        outcome = post_plan_next(services, pacer, plan, slot)
    log.info("scheduled digest %s/%s slot %s: %s", team_id, channel_id, slot, outcome.status)
    return outcome


class DigestScheduler:
    def __init__(self, services: Services, pacer: ChannelPacer | None = None,
                 scheduler: BackgroundScheduler | None = None):
        self.services = services
        self.pacer = pacer or services.pacer
        self.scheduler = scheduler or BackgroundScheduler(
            executors={"default": ThreadPoolExecutor(JOB_THREADS)},
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 6 * 3600},
        )

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

    def shutdown(self) -> None:
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)

    def rebuild(self) -> None:
        for plan in plans.all_plans(self.services.store):
            self.sync(plan)

    def sync(self, plan: plans.Plan) -> None:
        """Make the plan's job match the plan: added or replaced when scheduled, removed when not."""
        jid = job_id(plan.team_id, plan.channel_id)
        if plan.paused or not plan.days:
            if self.scheduler.get_job(jid):
                self.scheduler.remove_job(jid)
            return
        self.scheduler.add_job(
            run_plan_now,
            trigger=trigger_for(plan.days, plan.post_time, plan.timezone),
            args=[self.services, self.pacer, plan.team_id, plan.channel_id],
            id=jid,
            replace_existing=True,
        )

    def run_timers(self) -> None:
        for timer in list(self.services.timers):
            try:
                timer()
            except Exception:  # noqa: BLE001 - one failing timer must not stop the others
                log.exception("timer failed")

    def catch_up(self) -> list[PostOutcome]:
        outcomes = []
        for plan in plans.all_plans(self.services.store):
            outcome = run_plan_now(self.services, self.pacer, plan.team_id, plan.channel_id)
            if outcome is not None:
                outcomes.append(outcome)
        return outcomes
