"""`/digest articles`: the articles a workspace can read, one section each, the channel's own marked.

A message holds at most 50 blocks (https://docs.slack.dev/reference/block-kit/blocks): a workspace with
more articles than `MAX_LISTED` gets the rest as a count.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.blocks import context, header, section
from bot.domain.i18n import t
from bot.domain.text import escape

MAX_LISTED = 40


@dataclass(frozen=True)
class ArticleRow:
    pack_id: str
    title: str
    languages: list[str]
    sections: int
    questions: int
    builtin: bool
    done: int | None  # how far this channel got in it (None: never read here)
    total: int


def article_line(row: ArticleRow, language: str) -> str:
    origin = t(language, "article_builtin" if row.builtin else "article_added")
    return t(language, "article_row", title=escape(row.title), id=row.pack_id, languages=", ".join(row.languages),
             sections=row.sections, questions=row.questions, origin=origin)


def articles_reply(rows: list[ArticleRow], current: str, language: str) -> dict[str, Any]:
    title = t(language, "article_list_title")
    blocks: list[dict[str, Any]] = [header(title)]
    for row in rows[:MAX_LISTED]:
        text = article_line(row, language)
        if row.pack_id == current:
            text += "\n" + t(language, "article_reading_here", done=min(row.done or 0, row.total), total=row.total)
        elif row.done:
            text += "\n" + t(language, "article_progress", done=min(row.done, row.total), total=row.total)
        blocks.append(section(text))
    if len(rows) > MAX_LISTED:
        blocks.append(context(t(language, "article_more", count=len(rows) - MAX_LISTED)))
    blocks.append(context(t(language, "article_how")))
    lines = [title] + [f"{escape(r.title)} ({r.pack_id})" for r in rows[:MAX_LISTED]]
    return {"response_type": "ephemeral", "text": "\n".join(lines)[:3000], "blocks": blocks}
