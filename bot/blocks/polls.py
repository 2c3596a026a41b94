"""Poll messages: question, stance buttons, the tally (native bar chart, or text bars), comments modal, results."""

from __future__ import annotations

import datetime as dt
from typing import Any

from bot.blocks import actions, button, context, divider, header, modal, section
from bot.domain.i18n import pick, t, word_list
from bot.domain.polls import Tally
from bot.domain.text import escape, truncate
from bot.slack import ids
from questions.schema import Pack, Poll

COMMENT_MAX = 1000
CHART_LABEL_LIMIT = 20
LETTERS = "ABCDE"


def option_label(poll: Poll, index: int, language: str) -> str:
    return f"{LETTERS[index]}. {pick(poll.options[index].label, language)}"


def chart_block(poll: Poll, language: str, counts: Tally, title: str) -> dict[str, Any]:
    """Slack's native bar chart (`data_visualization`); category labels are short and unique (A., B., ...).

    Shape from the Block Kit schema: title ≤ 50, one series named ≤ 20, one point per category, labels ≤ 20.
    """
    categories = [truncate(option_label(poll, i, language), CHART_LABEL_LIMIT) for i in range(len(poll.options))]
    points = [{"label": cat, "value": counts.counts[o.id]} for cat, o in zip(categories, poll.options, strict=True)]
    return {
        "type": "data_visualization",
        "title": truncate(title, 50),
        "chart": {"type": "bar", "series": [{"name": truncate(t(language, "poll_votes"), 20), "data": points}],
                  "axis_config": {"categories": categories}},
    }


def text_bars(poll: Poll, language: str, counts: Tally, width: int = 12) -> str:
    """The tally as text, for clients (or workspaces) where the chart block is refused."""
    lines = []
    for i, option in enumerate(poll.options):
        share = counts.share(option.id)
        bar = "█" * round(width * share) + "░" * (width - round(width * share))
        lines.append(f"`{bar}` {counts.counts[option.id]} ({share:.0%}) · {escape(option_label(poll, i, language))}")
    return "\n".join(lines)


def tally_summary(poll: Poll, language: str, counts: Tally) -> str:
    """The counts in one line, for the message's `text`: what notifications, screen readers and clients
    that draw no chart show (`A. Yes 3 · B. No 1 · 4 voted.`)."""
    parts = [f"{truncate(option_label(poll, i, language), 40)} {counts.counts[o.id]}"
             for i, o in enumerate(poll.options)]
    return " · ".join(parts + [t(language, "poll_voted_plain", count=counts.voters)])


def poll_message(pack: Pack, poll: Poll, number: int, post_id: int, language: str, counts: Tally, *,
                 anonymous: bool, results_hidden: bool, closes: str | None, closed: bool,
                 charts: bool = True) -> dict[str, Any]:
    question = pick(poll.question, language)
    blocks: list[dict[str, Any]] = [
        header(t(language, "poll_of", number=number, total=len(pack.polls))),
        section(f"*{escape(question)}*"),
    ]
    if not closed:
        blocks.append(actions(
            *[button(truncate(option_label(poll, i, language), 75), ids.indexed(ids.POLL_VOTE, i),
                     value=f"{post_id}|{o.id}")
              for i, o in enumerate(poll.options)],
            block_id=f"poll|{post_id}",
        ))
    if results_hidden and not closed:
        blocks.append(section(t(language, "poll_hidden", count=counts.voters)))
    else:
        if charts and counts.voters:
            blocks.append(chart_block(poll, language, counts, truncate(question, 50)))
        blocks.append(section(text_bars(poll, language, counts) if not charts or not counts.voters
                              else t(language, "poll_voted", count=counts.voters)))
    if not closed:
        blocks.append(actions(button(t(language, "poll_add_comment"), ids.POLL_COMMENT, value=str(post_id)),
                              block_id=f"poll-comment|{post_id}"))
    notes = []
    if anonymous:
        notes.append(t(language, "poll_anonymous"))
    if closed:
        notes.append(t(language, "poll_closed"))
    else:
        if closes:
            notes.append(t(language, "poll_closes", when=closes))
        notes.append(t(language, "poll_change_vote"))
    blocks.append(context(" ".join(notes)))
    text = t(language, "poll_text", question=truncate(question, 150))
    if not results_hidden or closed:
        text += " · " + tally_summary(poll, language, counts)
    return {"text": escape(text), "blocks": blocks}


def comment_modal(poll: Poll, post_id: int, language: str) -> dict[str, Any]:
    blocks = [
        section(f"*{escape(pick(poll.question, language))}*"),
        {
            "type": "input",
            "block_id": ids.POLL_COMMENT_BLOCK,
            "label": {"type": "plain_text", "text": truncate(pick(poll.comment_prompt, language), 2000)},
            "element": {"type": "plain_text_input", "action_id": ids.POLL_COMMENT_INPUT, "multiline": True,
                        "max_length": COMMENT_MAX, "min_length": 1},
        },
    ]
    return modal(t(language, "poll_add_comment"), blocks, callback_id=ids.POLL_COMMENT_VIEW,
                 submit=t(language, "poll_post"), close=t(language, "poll_cancel"), private_metadata=str(post_id))


def comment_reply(text: str, user_id: str | None, language: str = "en") -> dict[str, Any]:
    """A comment in the poll's thread: escaped, so it can never mention anyone; unattributed when anonymous."""
    who = f"<@{user_id}>" if user_id else t(language, "poll_anonymous_commenter")
    body = f"{who}: {escape(text)}"
    return {"text": truncate(body, 3000), "blocks": [section(body)]}


def results_message(pack: Pack, poll: Poll, number: int, language: str, counts: Tally,
                    comments: list[dict[str, Any]], *, anonymous: bool, charts: bool = True) -> dict[str, Any]:
    blocks: list[dict[str, Any]] = [header(t(language, "poll_results_of", number=number)),
                                    section(f"*{escape(pick(poll.question, language))}*")]
    if charts and counts.voters:
        blocks.append(chart_block(poll, language, counts, t(language, "poll_final_results")))
    blocks.append(section(text_bars(poll, language, counts)))
    blocks.append(context(t(language, "poll_voted_plain", count=counts.voters)))
    if comments:
        blocks.append(divider())
        for comment in comments[:3]:
            who = "" if anonymous else f"<@{comment['user_id']}>: "
            blocks.append(section(f"> {who}{escape(truncate(comment['text'], 500))}"))
    text = t(language, "poll_results_text", question=truncate(pick(poll.question, language), 150))
    return {"text": escape(f"{text} · {tally_summary(poll, language, counts)}"), "blocks": blocks}


def results_reply(pack: Pack, poll: Poll, number: int, language: str, counts: Tally, *, hidden: bool) -> dict[str, Any]:
    if hidden:
        text = t(language, "poll_hidden_reply", number=number, count=counts.voters)
        return {"response_type": "ephemeral", "text": text, "blocks": [section(text)]}
    heading = t(language, "poll_heading", number=number, question=escape(pick(poll.question, language)))
    blocks = [section(f"*{heading}*"),
              section(text_bars(poll, language, counts)), context(t(language, "poll_voted_plain", count=counts.voters))]
    return {"response_type": "ephemeral", "text": t(language, "poll_results_of", number=number),
            "blocks": blocks}


def format_close(moment: dt.datetime, language: str = "en") -> str:
    """`Tue 18:00 (CET)`: `moment` is already local; names from the catalogue, not the process's locale."""
    return t(language, "poll_close_when", weekday=word_list(language, "weekday_names")[moment.weekday()],
             time=moment.strftime("%H:%M"), zone=moment.strftime("%Z"))


DISCUSS_HELP = t("en", "discuss_help")  # the English text; every language's is `t(language, "discuss_help")`


def discuss_help(language: str = "en") -> dict[str, Any]:
    """`/discuss help`, only to the caller."""
    return {"response_type": "ephemeral", "text": t(language, "discuss_help_text"),
            "blocks": [section(t(language, "discuss_help"))]}
