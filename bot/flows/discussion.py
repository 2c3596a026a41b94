"""What the kept thread replies turn into when a plan posts: the recap a digest opens with, and the team
report when the plan has posted its polls.

Called from bot/flows/digests.py while it posts a claimed item, so both follow the item's exactly-once rule.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk.errors import SlackApiError

from bot.blocks.digest import section_heading
from bot.blocks.discussion import PollFigures, SectionFigures, recap_text, report_message
from bot.context import Context
from bot.domain.digest import plan_items
from bot.domain.i18n import pick, t
from bot.slack.posting import error_code
from store import plans, polls, quizzes, replies

log = logging.getLogger(__name__)


def recap_for(services: Context, plan: plans.Plan, item_index: int, post_id: int) -> str | None:
    """The recap of the previous section's thread for the digest of item `item_index` (claimed as `post_id`),
    saved with that post so its redraws show the same; None when that thread had no reply to recap.

    The quoted reply is linked with chat.getPermalink ("special" rate limits, hundreds a minute:
    https://docs.slack.dev/reference/methods/chat.getPermalink); without an answer it goes unlinked."""
    if item_index == 0:
        return None
    store = services.store
    pack = services.pack(plan.team_id, plan.pack_id)
    items = plan_items(pack)
    previous = items[item_index - 1] if item_index - 1 < len(items) else None
    if previous is None or previous.kind != "section":
        return None
    row = plans.posted_items(store, plan.team_id, plan.channel_id, plan.run).get(item_index - 1)
    if row is None or not row["ts"]:
        return None
    people, top = replies.recap(store, plan.team_id, plan.channel_id, row["ts"])
    if not people:
        return None
    permalink = None
    if top is not None:
        try:
            answer = services.client_for(plan.team_id).chat_getPermalink(channel=plan.channel_id, message_ts=top["ts"])
            permalink = str(answer.get("permalink") or "") or None
        except SlackApiError as exc:
            log.info("recap in %s goes without a link: %s", plan.channel_id, error_code(exc))
    heading = section_heading(pack.section(previous.ref), plan.language)
    text = recap_text(plan.language, heading, people, top["text"] if top else None,
                      int(top["reactions"]) if top else 0, permalink)
    replies.save_recap(store, plan.team_id, post_id, text)
    return text


def report(services: Context, plan: plans.Plan, charts: bool = True) -> dict[str, Any]:
    """The team report for the plan's current run: replies and quiz accuracy per section, poll turnout."""
    store = services.store
    pack = services.pack(plan.team_id, plan.pack_id)
    items = plan_items(pack)
    posted = plans.posted_items(store, plan.team_id, plan.channel_id, plan.run)
    threads = replies.counts_by_thread(store, plan.team_id, plan.channel_id)
    accuracy = quizzes.accuracy_by_question(store, plan.team_id, plan.channel_id, pack.pack.id)
    sections = []
    for index, item in enumerate(items):
        if item.kind != "section":
            continue
        sec = pack.section(item.ref)
        ts = (posted.get(index) or {}).get("ts")
        answers = right = 0
        for question in pack.quiz:
            if question.section == sec.id:
                asked = accuracy.get(question.id, (0, 0))
                answers, right = answers + asked[0], right + asked[1]
        label = str(sec.number) if sec.number is not None else t(plan.language, sec.kind)
        sections.append(SectionFigures(label, section_heading(sec, plan.language),
                                       threads.get(ts, (0, 0))[0] if ts else 0, answers, right))
    poll_figures = []
    for number in range(1, len(pack.polls) + 1):
        post = polls.latest_post(store, plan.team_id, plan.channel_id, number)
        if post is None or post.pack_id != pack.pack.id or post.ts is None:
            continue
        voters = sum(polls.vote_counts(store, post.id).values())
        poll_figures.append(PollFigures(number, voters, threads.get(post.ts, (0, 0))[0]))
    return report_message(plan.language, pick(pack.pack.title, plan.language), sections, poll_figures, charts)
