"""Which language a channel reads in, for the bot's own words as much as for the article."""

from __future__ import annotations

from bot.context import Services
from store import plans


def channel_language(services: Services, team_id: str, channel_id: str) -> str:
    """The plan's language; a channel with no plan yet reads its pack's default (the one a plan would take)."""
    plan = plans.get(services.store, team_id, channel_id)
    if plan is not None:
        return plan.language
    return services.pack(team_id).pack.default_language
