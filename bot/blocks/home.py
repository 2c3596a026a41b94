"""The App Home tab: where the team stands, in one view that always fits Slack's 100-block limit."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot import ids
from bot.blocks import VIEW_BLOCK_LIMIT, actions, button, context, divider, header, section
from bot.text import escape


@dataclass(frozen=True)
class PlanCard:
    channel_id: str
    title: str
    done: int
    total: int
    state: str  # e.g. "next: Tue 09:30 (your time)" / "paused" / "finished"


@dataclass(frozen=True)
class HomeData:
    is_admin: bool
    plans: list[PlanCard] = field(default_factory=list)
    # later sections (polls, quiz scores) add blocks through `extra_sections`
    extra_sections: list[list[dict]] = field(default_factory=list)


MAX_PLANS = 15


def progress_bar(done: int, total: int, width: int = 10) -> str:
    filled = round(width * done / total) if total else 0
    return "▰" * filled + "▱" * (width - filled)


def home_view(data: HomeData) -> dict:
    blocks: list[dict] = [header("Article Circle"), section("Reading an article together: digests, quizzes, polls.")]
    blocks += [divider(), header("Reading plans")]
    if not data.plans:
        blocks.append(section("No channel is reading yet. In a channel, try `/digest schedule weekdays 09:30`."))
    for card in data.plans[:MAX_PLANS]:
        text = (f"*<#{card.channel_id}>* · _{escape(card.title)}_\n{progress_bar(card.done, card.total)} "
                f"{card.done} of {card.total} · {card.state}")
        accessory = button("Post next", ids.HOME_POST_NEXT, value=card.channel_id) if (
            data.is_admin and card.done < card.total) else None
        blocks.append(section(text, accessory=accessory))
    if len(data.plans) > MAX_PLANS:
        blocks.append(context(f"…and {len(data.plans) - MAX_PLANS} more channels."))
    for extra in data.extra_sections:
        if len(blocks) + len(extra) + 2 > VIEW_BLOCK_LIMIT:
            blocks.append(context("More is available in the channels themselves."))
            break
        blocks += [divider(), *extra]
    return {"type": "home", "blocks": blocks[:VIEW_BLOCK_LIMIT]}
