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
from bot.domain.i18n import t
from bot.domain.text import escape
from bot.flows import articles
from bot.flows.channel import channel_reading
from bot.flows.digests import next_post_label, post_next
from bot.slack.permissions import look_up, may_manage
from bot.slack.posting import ChannelPacer
from questions.schema import Pack
from store import plans

log = logging.getLogger(__name__)

PLAN_CHANGING = {"next", "schedule", "pause", "resume", "restart", "lang", "read"}


def quick_reply(services: Services, cmd: DigestCommand, team_id: str, channel_id: str) -> dict[str, Any]:
    """help / show / list / articles: answered from the database alone, inside the acknowledgement."""
    reading = channel_reading(services, team_id, channel_id)
    plan, pack, language = reading.plan, reading.pack, reading.language
    if cmd.action == "articles":
        return articles.list_articles(services, team_id, channel_id, language)
    items = plan_items(pack)
    if cmd.action == "show":
        sec = find_section(pack, cmd.section or "")
        if sec is None:
            numbers = [str(s.number) for s in pack.sections if s.number is not None]
            return error_reply(
                t(language, "digest_no_section", ref=escape((cmd.section or "")[:20]), first=numbers[0],
                  last=numbers[-1]),
                "/digest show N", language,
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
    return help_reply(plan_summary(plan, pack, len(items), next_label, language), language)


def first_language(pack: Pack, locale: str | None) -> str:
    """A new plan's language: the script of the person who sets the plan up, when their Slack locale is a
    Chinese one the pack offers (zh-CN → zh-Hans, zh-TW → zh-Hant); otherwise the pack's own default.

    Other locales keep the pack's default: en-US is Slack's default locale, which most people never change,
    so it says little about the language a channel reads an article in. `/digest lang` changes it anyway.
    """
    if locale and locale.lower().startswith("zh"):
        return pick_language(locale, pack.pack.languages) or pack.pack.default_language
    return pack.pack.default_language


def change_plan(services: Services, pacer: ChannelPacer, client: WebClient, cmd: DigestCommand, team_id: str,
                channel_id: str, user_id: str, command: dict[str, Any]) -> dict[str, Any]:
    """The plan-changing commands, after the ack. Returns the ephemeral reply for the caller."""
    store = services.store
    caller = look_up(client, user_id)
    plan = plans.get(store, team_id, channel_id)
    said = plan.language if plan else services.pack(team_id).pack.default_language  # the language replies are in
    if plan is not None and not may_manage(caller, plan.created_by, services.settings.admin_user_ids):
        return notice(t(said, "plan_not_yours", owner=plan.created_by))
    if plan is None:
        if cmd.action in ("pause", "resume", "restart"):
            return notice(t(said, "plan_missing"))
        pack = services.pack(team_id)
        plan = plans.ensure(
            store, team_id, channel_id, pack_id=pack.pack.id, language=first_language(pack, caller.locale), days="",
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
            return notice(t(said, "plan_posted", number=outcome.item_index + 1, total=len(plan_items(pack))))
        if outcome.status == "finished":
            return notice(t(said, "plan_all_posted"))
        if outcome.status == "stopped":
            return notice(t(said, "plan_cant_post", error=outcome.error))
        if outcome.status == "taken":
            return notice(t(said, "plan_post_taken"))
        if outcome.error == "PostNotConfirmed":
            return notice(t(said, "plan_post_unconfirmed"))
        return notice(t(said, "plan_post_refused", error=outcome.error))

    if cmd.action == "schedule":
        timezone = cmd.timezone or caller.timezone or services.settings.default_tz
        updated = plans.set_schedule(
            store, team_id, channel_id, days=",".join(cmd.days), post_time=cmd.post_time or "09:00",
            timezone=timezone, now=now.timestamp(),
        )
        services.plan_changed(updated)
        label = next_post_label(updated, services) or "—"
        message = schedule_confirmation(updated.days, updated.post_time, updated.timezone, label, user_id, said)
        try:
            services.client_for(team_id).chat_postMessage(channel=channel_id, **message)
        except Exception as exc:  # noqa: BLE001 - the plan is saved; the confirmation is a courtesy
            log.info("schedule confirmation not posted in %s: %s", channel_id, type(exc).__name__)
            return notice(t(said, "plan_schedule_not_posted", message=message["text"]))
        return notice(t(said, "plan_saved", next=label))

    if cmd.action == "pause":
        services.plan_changed(plans.set_paused(store, team_id, channel_id, True))
        return notice(t(said, "plan_paused_reply"))
    if cmd.action == "resume":
        if not plan.days:
            return notice(t(said, "plan_nothing_to_resume"))
        updated = plans.set_paused(store, team_id, channel_id, False, now=now.timestamp())
        services.plan_changed(updated)
        return notice(t(said, "plan_resumed", next=next_post_label(updated, services)))
    if cmd.action == "restart":
        updated = plans.restart(store, team_id, channel_id)
        services.plan_changed(updated)
        return notice(t(said, "plan_restarted"))
    # lang
    language = pick_language(cmd.language or "", pack.pack.languages)
    if language is None:
        return error_reply(
            t(said, "plan_lang_unknown", languages=", ".join(f"`{lang}`" for lang in pack.pack.languages),
              requested=escape((cmd.language or "")[:20])),
            "/digest lang zh-Hans|zh-Hant|en", said,
        )
    plans.set_language(store, team_id, channel_id, language)
    return notice(t(language, "plan_lang_set", tag=language))  # said in the language now chosen
