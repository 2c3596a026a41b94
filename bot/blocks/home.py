"""The App Home tab: where the team stands, in one view that always fits Slack's 100-block limit."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bot.blocks import VIEW_BLOCK_LIMIT, actions, button, context, divider, header, section
from bot.domain.i18n import t
from bot.domain.text import escape
from bot.slack import ids


@dataclass(frozen=True)
class PlanCard:
    channel_id: str
    title: str
    done: int
    total: int
    state: str  # e.g. "next: Tue 09:30 (your time)" / "paused" / "finished"
    discussion: str = ""  # the replies in the app's threads there ("💬 12 replies from 4 people in the threads")


@dataclass(frozen=True)
class PollCard:
    channel_id: str
    number: int
    question: str
    tally_text: str  # text bars, or a note that results are hidden
    voters: int


@dataclass(frozen=True)
class ArticleCard:
    pack_id: str
    title: str
    builtin: bool
    readers: int  # channels the viewer is in that read it now


@dataclass(frozen=True)
class HomeData:
    is_admin: bool
    plans: list[PlanCard] = field(default_factory=list)
    articles: list[ArticleCard] = field(default_factory=list)
    polls: list[PollCard] = field(default_factory=list)
    my_score: tuple[int, int] | None = None  # (points, rank in the workspace)
    leaderboard: list[dict[str, Any]] = field(default_factory=list)  # user_id, score, correct
    language: str = "en"  # the bot's own words on this Home (bot/flows/home.py home_language)


APP_NAME = "Article Circle"  # a name: the same in every language
MAX_PLANS = 15
MAX_POLLS = 5
MAX_ARTICLES = 10


def progress_bar(done: int, total: int, width: int = 10) -> str:
    filled = round(width * done / total) if total else 0
    return "▰" * filled + "▱" * (width - filled)


def home_view(data: HomeData) -> dict[str, Any]:
    lang = data.language
    blocks: list[dict[str, Any]] = [header(APP_NAME), section(t(lang, "home_tagline"))]
    blocks += [divider(), header(t(lang, "home_plans"))]
    if not data.plans:
        blocks.append(section(t(lang, "home_no_plans")))
    for card in data.plans[:MAX_PLANS]:
        progress = t(lang, "home_progress", done=card.done, total=card.total)
        text = (f"*<#{card.channel_id}>* · _{escape(card.title)}_\n{progress_bar(card.done, card.total)} "
                f"{progress} · {card.state}")
        if card.discussion:
            text += f"\n{card.discussion}"
        blocks.append(section(text))
        buttons = [button(t(lang, "home_start_quiz"), ids.HOME_START_QUIZ, value=card.channel_id)]
        if data.is_admin and card.done < card.total:
            # the position travels with the click: a double click posts one section, not two
            buttons.append(button(t(lang, "home_post_next"), ids.HOME_POST_NEXT,
                                  value=f"{card.channel_id}|{card.done}"))
        blocks.append(actions(*buttons, block_id=f"home|{card.channel_id}"))
    if len(data.plans) > MAX_PLANS:
        blocks.append(context(t(lang, "home_more_channels", count=len(data.plans) - MAX_PLANS)))

    if data.articles:
        blocks += [divider(), header(t(lang, "home_articles"))]
        lines = [t(lang, "home_article_row", title=escape(a.title), id=a.pack_id, count=a.readers,
                   origin=t(lang, "article_builtin" if a.builtin else "article_added"))
                 for a in data.articles[:MAX_ARTICLES]]
        if len(data.articles) > MAX_ARTICLES:
            lines.append(t(lang, "article_more", count=len(data.articles) - MAX_ARTICLES))
        blocks.append(section("\n".join(lines)))
        blocks.append(context(t(lang, "article_how")))

    blocks += [divider(), header(t(lang, "home_polls"))]
    if not data.polls:
        blocks.append(section(t(lang, "home_no_polls")))
    for poll in data.polls[:MAX_POLLS]:
        heading = t(lang, "poll_heading", number=poll.number, question=escape(poll.question))
        blocks.append(section(f"*<#{poll.channel_id}>* · {heading}\n{poll.tally_text}"))
    if len(data.polls) > MAX_POLLS:
        blocks.append(context(t(lang, "home_more_polls", count=len(data.polls) - MAX_POLLS)))

    blocks += [divider(), header(t(lang, "home_scores"))]
    if data.my_score:
        points, rank = data.my_score
        blocks.append(section(t(lang, "home_my_score", points=points, rank=rank)))
    else:
        blocks.append(section(t(lang, "home_not_played")))
    if data.leaderboard:
        lines = [t(lang, "home_leader_row", rank=rank, user=row["user_id"], points=row["score"],
                   correct=row["correct"])
                 for rank, row in enumerate(data.leaderboard[:10], 1)]
        blocks.append(section(f"*{t(lang, 'home_leaderboard')}*\n" + "\n".join(lines)))
    return {"type": "home", "blocks": blocks[:VIEW_BLOCK_LIMIT]}


def home_busy_view(language: str = "en") -> dict[str, Any]:
    """Home when Slack could not say which channels the viewer is in (e.g. a 429) and none are remembered:
    a plain notice, rather than a Home that looks as if nothing were happening in any of them."""
    return {"type": "home", "blocks": [header(APP_NAME), section(t(language, "home_busy")),
                                       context(t(language, "home_busy_why"))]}
