"""`/digest`'s work: the answers read from the database alone (help, show, list) and the commands that change a
channel's reading plan (next, schedule, pause, resume, restart, lang), which need Slack first (the caller's
role and timezone) and so run after the acknowledgement."""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk import WebClient

from bot.blocks.digest import contents_reply, digest_message, help_reply, plan_summary, schedule_confirmation
from bot.blocks.replies import error_reply, notice
from bot.context import Services
from bot.domain.digest import DigestCommand, find_section, pick_language, plan_items
from bot.domain.text import escape
from bot.flows import articles
from bot.flows.digests import next_post_label, post_next
from bot.slack.permissions import look_up, may_manage
from bot.slack.posting import ChannelPacer
from store import plans

log = logging.getLogger(__name__)

PLAN_CHANGING = {"next", "schedule", "pause", "resume", "restart", "lang", "read"}


def reply_language(services: Services, team_id: str, channel_id: str) -> str:
    """The language the channel reads in (its plan's), else the default article's: replies speak it too."""
    plan = plans.get(services.store, team_id, channel_id)
    return plan.language if plan else services.pack(team_id).pack.default_language


def quick_reply(services: Services, cmd: DigestCommand, team_id: str, channel_id: str) -> dict[str, Any]:
    """help / show / list / articles: answered from the database alone, inside the acknowledgement."""
    plan = plans.get(services.store, team_id, channel_id)
    pack = services.pack(team_id, plan.pack_id if plan else None)
    language = plan.language if plan else pack.pack.default_language
    if cmd.action == "articles":
        return articles.list_articles(services, team_id, channel_id, language)
    items = plan_items(pack)
    if cmd.action == "show":
        sec = find_section(pack, cmd.section or "")
        if sec is None:
            numbers = [str(s.number) for s in pack.sections if s.number is not None]
            return error_reply(
                f"There is no section `{escape((cmd.section or '')[:20])}`: this article has sections "
                f"{numbers[0]}–{numbers[-1]}, plus `intro` and `conclusion`.",
                "/digest show N",
            )
        return {"response_type": "ephemeral", **digest_message(pack, sec, language)}
    if cmd.action == "list":
        posted_refs: set[str] = set()
        next_ref = None
        if plan:
            posted = plans.posted_items(services.store, team_id, channel_id, plan.run)
            posted_refs = {items[i].ref for i, row in posted.items() if row["status"] == "posted" and i < len(items)}
            next_ref = items[plan.next_index].ref if plan.next_index < len(items) else None
        return contents_reply(pack, language, posted_refs, next_ref)
    next_label = next_post_label(plan, services) if plan else None
    return help_reply(plan_summary(plan, pack, len(items), next_label))


def change_plan(services: Services, pacer: ChannelPacer, client: WebClient, cmd: DigestCommand, team_id: str,
                channel_id: str, user_id: str, command: dict[str, Any]) -> dict[str, Any]:
    """The plan-changing commands, after the ack. Returns the ephemeral reply for the caller."""
    store = services.store
    caller = look_up(client, user_id)
    plan = plans.get(store, team_id, channel_id)
    if plan is not None and not may_manage(caller, plan.created_by, services.settings.admin_user_ids):
        return notice(
            f"Sorry, only workspace admins and <@{plan.created_by}>, who set up this channel's plan, can change it. "
            "`/digest show N` and `/digest list` are open to everyone."
        )
    if plan is None:
        if cmd.action in ("pause", "resume", "restart"):
            return notice("This channel has no reading plan yet. Start one with `/digest schedule weekdays 09:30`.")
        pack = services.pack(team_id)
        plan = plans.ensure(
            store, team_id, channel_id, pack_id=pack.pack.id, language=pack.pack.default_language, days="",
            post_time="09:00", timezone=caller.timezone or services.settings.default_tz, created_by=user_id,
        )
    pack = services.pack(plan.team_id, plan.pack_id)
    now = services.clock.now()

    if cmd.action == "read":
        return articles.read(services, team_id, channel_id, cmd.pack_id or "", plan.language)

    if cmd.action == "next":
        outcome = post_next(services, pacer, team_id, channel_id, slot=f"now:{command.get('trigger_id') or now}")
        if outcome.status == "posted":
            assert outcome.item_index is not None  # a post is always of an item
            return notice(f"Posted part {outcome.item_index + 1} of {len(plan_items(pack))}.")
        if outcome.status == "finished":
            return notice("Every section has been posted. `/digest restart` starts the article again.")
        if outcome.status == "stopped":
            return notice(
                f"I can't post here (Slack says `{outcome.error}`). Invite me to this channel, then try again."
            )
        if outcome.status == "taken":
            return notice("That post is already on its way.")
        if outcome.error == "PostNotConfirmed":
            return notice("Slack's answer was lost and I couldn't check the channel for the post; nothing was "
                          "skipped. `/digest next` again looks for it before posting it a second time.")
        return notice(f"Slack didn't take the post (`{outcome.error}`); nothing was skipped. Try again in a minute.")

    if cmd.action == "schedule":
        timezone = cmd.timezone or caller.timezone or services.settings.default_tz
        updated = plans.set_schedule(
            store, team_id, channel_id, days=",".join(cmd.days), post_time=cmd.post_time or "09:00",
            timezone=timezone, now=now.timestamp(),
        )
        services.plan_changed(updated)
        label = next_post_label(updated, services) or "—"
        message = schedule_confirmation(updated.days, updated.post_time, updated.timezone, label, user_id)
        try:
            services.client_for(team_id).chat_postMessage(channel=channel_id, **message)
        except Exception as exc:  # noqa: BLE001 - the plan is saved; the confirmation is a courtesy
            log.info("schedule confirmation not posted in %s: %s", channel_id, type(exc).__name__)
            return notice(message["text"] + " (I couldn't post in the channel: invite me so the posts can arrive.)")
        return notice(f"Saved. Next post: {label}.")

    if cmd.action == "pause":
        services.plan_changed(plans.set_paused(store, team_id, channel_id, True))
        return notice("Paused. `/digest resume` picks up where we left off.")
    if cmd.action == "resume":
        if not plan.days:
            return notice("There is no schedule to resume yet: set one with `/digest schedule weekdays 09:30`.")
        updated = plans.set_paused(store, team_id, channel_id, False, now=now.timestamp())
        services.plan_changed(updated)
        return notice(f"Resumed. Next post: {next_post_label(updated, services)}.")
    if cmd.action == "restart":
        updated = plans.restart(store, team_id, channel_id)
        services.plan_changed(updated)
        return notice("Back to the start: the next post is the introduction again.")
    # lang
    language = pick_language(cmd.language or "", pack.pack.languages)
    if language is None:
        return error_reply(
            f"This article is available in {', '.join(pack.pack.languages)}; "
            f"`{escape((cmd.language or '')[:20])}` isn't one.",
            "/digest lang zh|en",
        )
    plans.set_language(store, team_id, channel_id, language)
    return notice(f"From now on this channel reads in `{language}`.")
