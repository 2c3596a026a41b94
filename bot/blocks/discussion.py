"""The discussion in the app's threads, drawn: a digest's live reply count, the recap the next digest opens
with, and the team report when a plan finishes (a native chart with the same figures in text)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.blocks import context, header, section
from bot.domain.i18n import t
from bot.domain.replies import quote
from bot.domain.text import escape, truncate

CHART_LABEL_LIMIT = 20  # Slack's data_visualization labels and series names (bot/blocks/polls.py chart_block)
QUOTE_LIMIT = 280


def replies_words(language: str, replies: int) -> str:
    return t(language, "reply_1") if replies == 1 else t(language, "reply_n", n=replies)


def people_words(language: str, people: int) -> str:
    return t(language, "reply_people_1") if people == 1 else t(language, "reply_people_n", n=people)


def reply_count_line(language: str, replies: int, people: int) -> str:
    """`💬 7 replies from 5 people`, or the invitation to reply while the thread is empty."""
    if not replies:
        return t(language, "reply_invite")
    return t(language, "reply_count", replies=replies_words(language, replies), people=people_words(language, people))


def recap_text(language: str, section: str, people: int, top_text: str | None, reactions: int,
               permalink: str | None) -> str:
    """The recap of the previous section's thread: how many replied and the most reacted reply, quoted,
    shortened and escaped (its author's words can never mention anyone or draw a link), linked to the thread.

    Nobody is named: a mention would notify the person quoted."""
    lines = [t(language, "reply_recap", section=escape(section), people=people_words(language, people))]
    if top_text is not None:
        line = t(language, "reply_recap_top", reactions=reactions)
        if permalink and permalink.startswith("https://") and not set(permalink) & set("<>|"):
            line += f" <{permalink}|{t(language, 'reply_recap_link')}>"
        lines += [line, ">" + inert(quote(top_text, QUOTE_LIMIT))]
    return "\n".join(lines)


_FORMATTING = str.maketrans({c: c + "\u200b" for c in "*_~`"})


def inert(text: str) -> str:
    """Someone's words, shown in mrkdwn as they typed them: escaped (no mention, no link, no entity), and each
    formatting mark followed by a zero-width space, so `*`, `_`, `~` and backticks never bold, italicise,
    strike or fence the rest of the message."""
    return escape(text).translate(_FORMATTING)


@dataclass(frozen=True)
class SectionFigures:
    label: str  # short label for the chart: `1`, `Intro`, ...
    heading: str  # `1. Title`, for text
    replies: int
    quiz_answers: int
    quiz_right: int

    @property
    def right_pct(self) -> int | None:
        return round(100 * self.quiz_right / self.quiz_answers) if self.quiz_answers else None


@dataclass(frozen=True)
class PollFigures:
    number: int
    voters: int
    replies: int


def report_message(language: str, title: str, sections: list[SectionFigures], polls: list[PollFigures],
                   charts: bool = True) -> dict[str, Any]:
    """The team report: participation per section as Slack's native bar chart (replies, % right in the
    quizzes), the same figures as text (what clients without the chart and the fallback show), the most
    discussed section and the hardest one in the quizzes."""
    lines = []
    for fig in sections:
        quiz = (t(language, "reply_report_quiz", pct=fig.right_pct) if fig.right_pct is not None
                else t(language, "reply_report_no_quiz"))
        lines.append("• " + t(language, "reply_report_section", section=escape(fig.heading),
                              replies=replies_words(language, fig.replies), quiz=quiz))
    for poll in polls:
        lines.append("• " + t(language, "reply_report_poll", number=poll.number, voters=poll.voters,
                              replies=replies_words(language, poll.replies)))
    highlights = []
    discussed = max(sections, key=lambda f: f.replies, default=None)
    if discussed is not None and discussed.replies:
        highlights.append(t(language, "reply_report_most", section=escape(discussed.heading),
                            replies=replies_words(language, discussed.replies)))
    else:
        highlights.append(t(language, "reply_report_quiet"))
    quizzed = [f for f in sections if f.right_pct is not None]
    if quizzed:
        hardest = min(quizzed, key=lambda f: (f.right_pct or 0, -f.quiz_answers))
        highlights.append(t(language, "reply_report_hardest", section=escape(hardest.heading), pct=hardest.right_pct))
    heading = t(language, "reply_report_title", title=title)
    blocks: list[dict[str, Any]] = [header(heading)]
    if charts and sections:
        blocks.append(report_chart(language, sections))
    blocks.append(section("\n".join(lines)))
    blocks.append(section("\n".join(highlights)))
    blocks.append(context(t(language, "reply_report_chart")))
    text = truncate(heading + ". " + " ".join(highlights).replace("*", ""), 3000)
    return {"text": text, "blocks": blocks}


def report_chart(language: str, sections: list[SectionFigures]) -> dict[str, Any]:
    """Bars per section: replies, and % right in the quizzes (0 where nobody answered). Same shape as the
    poll tally's chart (https://docs.slack.dev/reference/block-kit/blocks/data-visualization-block)."""
    categories = _unique([truncate(f.label, CHART_LABEL_LIMIT) for f in sections])
    replies = [{"label": c, "value": f.replies} for c, f in zip(categories, sections, strict=True)]
    right = [{"label": c, "value": f.right_pct or 0} for c, f in zip(categories, sections, strict=True)]
    return {
        "type": "data_visualization",
        "title": truncate(t(language, "reply_report_chart"), 50),
        "chart": {"type": "bar",
                  "series": [
                      {"name": truncate(t(language, "reply_report_replies"), CHART_LABEL_LIMIT), "data": replies},
                      {"name": truncate(t(language, "reply_report_right"), CHART_LABEL_LIMIT), "data": right}],
                  "axis_config": {"categories": categories}},
    }


def _unique(labels: list[str]) -> list[str]:
    """Chart categories must differ: a repeated label gets a number."""
    seen: dict[str, int] = {}
    out = []
    for label in labels:
        seen[label] = seen.get(label, 0) + 1
        out.append(label if seen[label] == 1 else truncate(label, CHART_LABEL_LIMIT - 3) + f" {seen[label]}")
    return out
