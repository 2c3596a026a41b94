"""Digest messages, the full-text modal, and the `/digest` replies (help, plan, contents)."""

from __future__ import annotations

import datetime as dt
import functools
from typing import Any, Protocol

from bot.blocks import actions, button, context, divider, header, modal, section, split_text
from bot.domain.digest import USAGE, describe_days
from bot.domain.i18n import pick, t, word_list
from bot.domain.text import escape
from bot.slack import ids
from questions.schema import Pack, Section


def section_heading(sec: Section, language: str) -> str:
    title = pick(sec.title, language)
    return f"{sec.number}. {title}" if sec.number is not None else title


def position_line(pack: Pack, sec: Section, language: str) -> str:
    if sec.number is None:
        return t(language, sec.kind)
    total = sum(1 for s in pack.sections if s.number is not None)
    return t(language, "section_of", number=sec.number, total=total)


def format_when(moment: dt.datetime, now: dt.datetime, language: str = "en") -> str:
    """`Tue 09:30` within the coming week, `Tue 6 Jan 09:30` beyond it (`週二 09:30`, `1月6日(週二) 09:30`);
    `moment` is already local. Names from the catalogue, not the process's locale."""
    # by the local wall-clock time: aware datetimes compare as instants, and one instant reads differently
    # in two timezones
    return _when(moment.replace(tzinfo=None), moment - now < dt.timedelta(days=6), language)


@functools.lru_cache(maxsize=1024)
def _when(moment: dt.datetime, soon: bool, language: str) -> str:
    """Kept: at 09:00 every channel on a schedule shows the same next post, drawn once (the catalogue
    lookups and `strftime` were a twentieth of a scheduled post's own work)."""
    weekday = word_list(language, "weekday_names")[moment.weekday()]
    time = moment.strftime("%H:%M")
    if soon:
        return t(language, "when_soon", weekday=weekday, time=time)
    return t(language, "when_later", weekday=weekday, day=moment.day,
             month=word_list(language, "month_names")[moment.month - 1], time=time)


def quick_check_button(section_id: str, language: str) -> dict[str, Any]:
    return button(t(language, "quick_check"), ids.QUIZ_QUICK_CHECK, value=section_id)


def digest_message(pack: Pack, sec: Section, language: str, *, next_post: str | None = None,
                   extra_buttons: tuple[dict[str, Any], ...] = (), discussion: str | None = None,
                   recap: str | None = None) -> dict[str, Any]:
    """The channel post for one section: title, digest points, key figures, prompt, button, context.

    A digest posted in a channel opens with the `recap` of the previous section's thread, if it had one, and
    its context line ends on `discussion`: the invitation to reply in its thread, then the live reply count
    (bot/blocks/discussion.py)."""
    points = "\n".join(f"• {escape(pick(p, language))}" for p in sec.digest)
    blocks = [header(section_heading(sec, language))]
    if recap:
        blocks.append(section(recap))
    blocks.append(section(points))
    if sec.key_figures:
        figures = "\n".join(
            f"• {escape(pick(f.label, language))}: *{escape(pick(f.value, language))}*" for f in sec.key_figures
        )
        blocks.append(section(f"*{t(language, 'key_figures')}*\n{figures}"))
    blocks.append(section(f":speech_balloon: _{escape(pick(sec.prompt, language))}_"))
    blocks.append(
        actions(
            button(t(language, "read_full"), ids.DIGEST_READ_FULL, value=f"{pack.pack.id}|{sec.id}|{language}"),
            *extra_buttons,
            block_id=f"digest|{sec.id}",
        )
    )
    line = position_line(pack, sec, language)
    if next_post:
        line += " · " + t(language, "next_on", when=next_post)
    blocks.append(context(line, discussion or ""))
    return {"text": section_heading(sec, language), "blocks": blocks}


def full_text_view(pack: Pack, sec: Section, language: str) -> dict[str, Any]:
    """The section's whole text in a modal, split into blocks that fit Slack's 3,000-character limit."""
    blocks = [header(section_heading(sec, language))]
    for chunk in split_text(escape(pick(sec.text, language)), 2900):
        blocks.append(section(chunk))
    for sub in sec.subsections:
        blocks.append(divider())
        blocks.append(header(pick(sub.title, language)))
        for chunk in split_text(escape(pick(sub.text, language)), 2900):
            blocks.append(section(chunk))
    title, outlet = pick(pack.pack.title, language), pick(pack.pack.source.outlet, language)
    blocks.append(context(f"{escape(title)} · {escape(outlet)}"))
    return modal(t(language, "full_text"), blocks, callback_id=ids.DIGEST_FULL_TEXT_VIEW, close=t(language, "close"))


# -- replies to /digest -----------------------------------------------------------------------------
def help_reply(plan_summary: str, language: str = "en") -> dict[str, Any]:
    usage = "\n".join(f"• `{escape(u)}`" for u in USAGE.values())
    blocks = [
        section(t(language, "digest_help_title")),
        section(t(language, "digest_help_channel", summary=plan_summary)),
        section(usage),
        context(t(language, "article_how")),
        context(t(language, "digest_help_footer")),
    ]
    return {"response_type": "ephemeral", "text": t(language, "digest_help_text"), "blocks": blocks}


class ShownPlan(Protocol):
    """What a plan's summary shows: `store.plans.Plan` has it, and drawing never imports the store."""

    @property
    def pack_id(self) -> str: ...
    @property
    def language(self) -> str: ...
    @property
    def days(self) -> str: ...
    @property
    def post_time(self) -> str: ...
    @property
    def timezone(self) -> str: ...
    @property
    def paused(self) -> bool: ...
    @property
    def next_index(self) -> int: ...


def plan_summary(plan: ShownPlan | None, pack: Pack | None, item_count: int, next_post: str | None,
                 language: str | None = None) -> str:
    """The channel's plan in a line, in `language` (default: the plan's own)."""
    language = language or (plan.language if plan else "en")
    if plan is None:
        return t(language, "plan_none")
    title = escape(pick(pack.pack.title, plan.language)) if pack else plan.pack_id
    progress = t(language, "plan_progress", done=min(plan.next_index, item_count), total=item_count)
    days = describe_days(plan.days, language)
    if plan.next_index >= item_count:
        state = t(language, "plan_finished")
    elif not plan.days:
        state = t(language, "plan_unscheduled")
    elif plan.paused:
        state = t(language, "plan_paused", days=days, time=plan.post_time, timezone=plan.timezone)
    else:
        state = t(language, "plan_scheduled", days=days, time=plan.post_time, timezone=plan.timezone,
                  next=next_post)
    return t(language, "plan_summary", title=title, progress=progress, state=state, tag=plan.language)


def contents_reply(pack: Pack, language: str, posted: set[str], next_ref: str | None) -> dict[str, Any]:
    lines = []
    for sec in pack.sections:
        if sec.id in posted:
            mark = ":white_check_mark:"
        else:
            mark = ":arrow_right:" if sec.id == next_ref else ":white_circle:"
        lines.append(f"{mark} {escape(section_heading(sec, language))}")
    blocks = [header(pick(pack.pack.title, language))]
    blocks += [section(chunk) for chunk in split_text("\n".join(lines), 2900)]
    blocks.append(context(t(language, "digest_contents_legend")))
    return {"response_type": "ephemeral", "text": t(language, "digest_contents_text"), "blocks": blocks}


def schedule_confirmation(days: str, post_time: str, timezone: str, next_post: str,
                          who: str, language: str = "en") -> dict[str, Any]:
    text = t(language, "plan_schedule_set", who=who, days=describe_days(days, language), time=post_time,
             timezone=timezone, next=next_post)
    return {"text": text, "blocks": [section(text)]}
