"""Gathering what the App Home shows, for one viewer: their channels' plans and polls, in their timezone."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from bot.blocks.digest import format_when
from bot.blocks.home import HomeData, PlanCard, PollCard
from bot.blocks.polls import text_bars
from bot.domain.digest import next_post_at, plan_items
from bot.domain.i18n import pick
from bot.domain.polls import tally
from bot.context import Services
from store import plans, polls, quizzes


def plan_cards(services: Services, team_id: str, viewer_tz: str | None, visible: set[str]) -> list[PlanCard]:
    now = services.clock.now()
    cards = []
    for plan in plans.all_plans(services.store, team_id):
        if plan.channel_id not in visible:
            continue
        pack = services.pack(plan.pack_id)
        total = len(plan_items(pack))
        done = min(plan.next_index, total)
        if done >= total:
            state = "finished"
        elif not plan.days:
            state = "no schedule"
        elif plan.paused:
            state = "paused"
        else:
            upcoming = next_post_at(plan.days, plan.post_time, plan.timezone, now)
            zone = ZoneInfo(viewer_tz or plan.timezone)
            state = f"next: {format_when(upcoming.astimezone(zone), now.astimezone(zone))}"
            state += " (your time)" if viewer_tz else f" ({plan.timezone})"
        cards.append(PlanCard(plan.channel_id, pick(pack.pack.title, plan.language), done, total, state))
    return cards


def poll_cards(services: Services, team_id: str, visible: set[str]) -> list[PollCard]:
    cards = []
    now = services.clock.now().timestamp()
    for post in polls.open_posts(services.store, team_id):
        if post.is_closed(now) or post.channel_id not in visible:
            continue
        pack = services.pack(post.pack_id)
        poll = pack.poll(post.poll_id)
        counts = tally([o.id for o in poll.options], polls.vote_counts(services.store, post.id))
        shown = ("Results are hidden until it closes." if post.results_hidden
                 else text_bars(poll, post.language, counts))
        cards.append(PollCard(post.channel_id, post.number, pick(poll.question, post.language), shown,
                              counts.voters))
    return cards


def gather(services: Services, team_id: str, user_id: str, viewer_tz: str | None, is_admin: bool,
           visible: set[str]) -> HomeData:
    """What one viewer may see: only channels they are in (`visible`), so private channels stay private."""
    services.settle()  # votes and answers acknowledged a moment ago count
    return HomeData(
        is_admin=is_admin,
        plans=plan_cards(services, team_id, viewer_tz, visible),
        polls=poll_cards(services, team_id, visible),
        my_score=quizzes.user_rank(services.store, team_id, user_id),
        leaderboard=quizzes.workspace_leaderboard(services.store, team_id, channels=visible),
    )
