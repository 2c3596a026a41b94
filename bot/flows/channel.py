"""What a channel reads and in which language, for the bot's own words as much as for the article."""

from __future__ import annotations

from dataclasses import dataclass

from bot.context import Services
from questions.schema import Pack
from store import plans


@dataclass(frozen=True)
class Reading:
    plan: plans.Plan | None
    pack: Pack
    language: str


def channel_reading(services: Services, team_id: str, channel_id: str) -> Reading:
    """The channel's plan, its article and its language from one read of the plan: a channel with no plan
    yet reads the workspace's default article in that article's default language (what a plan would take)."""
    plan = plans.get(services.store, team_id, channel_id)
    pack = services.pack(team_id, plan.pack_id if plan else None)
    return Reading(plan, pack, plan.language if plan else pack.pack.default_language)


def channel_language(services: Services, team_id: str, channel_id: str) -> str:
    return channel_reading(services, team_id, channel_id).language
