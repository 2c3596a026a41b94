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
class HomeData:
    is_admin: bool
    plans: list[PlanCard] = field(default_factory=list)
    polls: list[PollCard] = field(default_factory=list)
    my_score: tuple[int, int] | None = None  # (points, rank in the workspace)
    leaderboard: list[dict[str, Any]] = field(default_factory=list)  # user_id, score, correct


MAX_PLANS = 15
MAX_POLLS = 5


def progress_bar(done: int, total: int, width: int = 10) -> str:
    filled = round(width * done / total) if total else 0
    return "▰" * filled + "▱" * (width - filled)


def home_view(data: HomeData) -> dict[str, Any]:
    blocks: list[dict[str, Any]] = [header("Article Circle"),
                                    section("Reading an article together: digests, quizzes, polls.")]
    blocks += [divider(), header("Reading plans")]
    if not data.plans:
        blocks.append(section("No channel is reading yet. In a channel, try `/digest schedule weekdays 09:30`."))
    for card in data.plans[:MAX_PLANS]:
        text = (f"*<#{card.channel_id}>* · _{escape(card.title)}_\n{progress_bar(card.done, card.total)} "
                f"{card.done} of {card.total} · {card.state}")
        if card.discussion:
            text += f"\n{card.discussion}"
        blocks.append(section(text))
        buttons = [button("Start a quiz", ids.HOME_START_QUIZ, value=card.channel_id)]
        if data.is_admin and card.done < card.total:
            # the position travels with the click: a double click posts one section, not two
            buttons.append(button("Post next", ids.HOME_POST_NEXT, value=f"{card.channel_id}|{card.done}"))
        blocks.append(actions(*buttons, block_id=f"home|{card.channel_id}"))
    if len(data.plans) > MAX_PLANS:
        blocks.append(context(f"…and {len(data.plans) - MAX_PLANS} more channels."))

    blocks += [divider(), header("Open polls")]
    if not data.polls:
        blocks.append(section("No open polls. `/discuss` in a channel posts the article's closing questions."))
    for poll in data.polls[:MAX_POLLS]:
        blocks.append(section(f"*<#{poll.channel_id}>* · Poll {poll.number}: {escape(poll.question)}\n"
                              f"{poll.tally_text}"))
    if len(data.polls) > MAX_POLLS:
        blocks.append(context(f"…and {len(data.polls) - MAX_POLLS} more open polls."))

    blocks += [divider(), header("Quiz scores")]
    if data.my_score:
        points, rank = data.my_score
        blocks.append(section(f"You: *{points}* points, rank *#{rank}* in this workspace."))
    else:
        blocks.append(section("You haven't played yet: `/quiz` in a channel, or *Start a quiz* above."))
    if data.leaderboard:
        lines = [f"{rank}. <@{row['user_id']}> · {row['score']} points · {row['correct']} right"
                 for rank, row in enumerate(data.leaderboard[:10], 1)]
        blocks.append(section("*Leaderboard*\n" + "\n".join(lines)))
    return {"type": "home", "blocks": blocks[:VIEW_BLOCK_LIMIT]}


def home_busy_view(language: str = "en") -> dict[str, Any]:
    """Home when Slack could not say which channels the viewer is in (e.g. a 429) and none are remembered:
    a plain notice, rather than a Home that looks as if nothing were happening in any of them."""
    return {"type": "home", "blocks": [header("Article Circle"), section(t(language, "home_busy")),
                                       context(t(language, "home_busy_why"))]}
