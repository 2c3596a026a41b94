"""Gathering what the App Home shows, for one viewer: plans of their workspace, in their timezone."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from bot.blocks.digest import format_when
from bot.blocks.home import HomeData, PlanCard
from bot.digest import next_post_at, plan_items
from bot.i18n import pick
from bot.services import Services
from store import plans


def plan_cards(services: Services, team_id: str, viewer_tz: str | None) -> list[PlanCard]:
    now = services.clock.now()
    cards = []
    for plan in plans.all_plans(services.store, team_id):
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


def gather(services: Services, team_id: str, viewer_tz: str | None, is_admin: bool) -> HomeData:
    extra = [section_builder(services, team_id) for section_builder in services.home_sections]
    return HomeData(is_admin=is_admin, plans=plan_cards(services, team_id, viewer_tz),
                    extra_sections=[blocks for blocks in extra if blocks])
