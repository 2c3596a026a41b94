"""Posting a plan's next item: claim the slot, draw the message, send it, record it.

Shared by `/digest next` and the scheduler, so both obey the same exactly-once rule: the slot is claimed
in SQLite before anything is sent, and given back if the send fails.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from slack_sdk.errors import SlackApiError

from bot.blocks import section
from bot.blocks.digest import digest_message, format_when, quick_check_button
from bot.blocks.discussion import reply_count_line
from bot.context import Services
from bot.domain.digest import next_post_at, plan_items
from bot.domain.i18n import t
from bot.domain.polls import PollOptions
from bot.domain.text import escape
from bot.flows import discussion
from bot.flows import polls as poll_flow
from bot.slack import message_slots
from bot.slack.exactly_once import post_once
from bot.slack.posting import (
    CHART,
    TOKEN_ERRORS,
    ChannelPacer,
    error_code,
    find_in_history,
    is_permanent,
    with_block_fallback,
)
from questions.schema import Pack
from store import plans, replies, unconfirmed_posts

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PostOutcome:
    status: str  # posted | taken | finished | no_plan | failed | stopped
    item_index: int | None = None
    ts: str | None = None
    error: str | None = None


def next_post_label(plan: plans.Plan, services: Services) -> str | None:
    """`Tue 09:30`-style label of the plan's next scheduled post, or None when it has no active schedule."""
    if plan.paused or not plan.days:
        return None
    now = services.clock.now()
    upcoming = next_post_at(plan.days, plan.post_time, plan.timezone, now)
    if upcoming is None:
        return None
    return format_when(upcoming, now.astimezone(ZoneInfo(plan.timezone)), plan.language)


# Section digests already drawn, by (pack, section, language, next-post label). At 09:00 a thousand
# channels reading the same article post the same message: it is drawn once. The pack object is kept
# with its message, so an id the garbage collector handed on can never match. Callers only read it.
_drawn: dict[tuple[int, str, str, str | None], tuple[object, dict[str, Any]]] = {}
_DRAWN_MAX = 512


def render_section(services: Services, plan: plans.Plan, section_id: str, *, more_to_come: bool) -> dict[str, Any]:
    """The digest message for one section of the plan's pack, inviting replies in its thread (shared: do not
    modify it)."""
    pack = services.pack(plan.team_id, plan.pack_id)
    next_post = next_post_label(plan, services) if more_to_come else None
    key = (id(pack), section_id, plan.language, next_post)
    drawn = _drawn.get(key)
    if drawn is not None and drawn[0] is pack:
        return drawn[1]
    message = draw_section(pack, section_id, plan.language, next_post=next_post,
                           discussion=reply_count_line(plan.language, 0, 0))
    if len(_drawn) >= _DRAWN_MAX:
        _drawn.clear()
    _drawn[key] = (pack, message)
    return message


def draw_section(pack: Pack, section_id: str, language: str, *, next_post: str | None, discussion: str,
                 recap: str | None = None) -> dict[str, Any]:
    """A section's digest as the channel sees it: with its Quick check button when the pack has a question on it."""
    sec = pack.section(section_id)
    extra = (quick_check_button(sec.id, language),) if any(q.section == sec.id for q in pack.quiz) else ()
    return digest_message(pack, sec, language, extra_buttons=extra, next_post=next_post, discussion=discussion,
                          recap=recap)


def with_recap(message: dict[str, Any], recap: str | None) -> dict[str, Any]:
    """The drawn digest (shared, left as it is) opening with a recap, as a message of its own."""
    if not recap:
        return message
    blocks = message["blocks"]
    return {**message, "blocks": [blocks[0], section(recap), *blocks[1:]]}


@dataclass(frozen=True)
class BatchReads:
    """What a schedule's run reads once for a batch of claims, on its own thread, instead of once per
    channel on the posting threads: with ten posting threads each reading and writing, every read there
    cost 4-14x its time alone (bench/RESULTS.md, "2,000 channels due at once")."""

    attempts: Mapping[tuple[str, str, str], float]  # unknown earlier attempts, by (team, channel, slot key)
    recap_due: frozenset[int]  # post ids of the claims whose previous section's thread has a reply


def item_slot(claim: plans.Claim) -> message_slots.Slot:
    plan = claim.plan
    return message_slots.digest_item(plan.team_id, plan.channel_id, run=plan.run, item_index=claim.item_index,
                                     claim_id=claim.post_id)


def read_for_batch(services: Services, claims: Sequence[plans.Claim]) -> BatchReads:
    """Two reads for the whole batch: the slots' unknown earlier attempts, and which previous sections'
    threads have replies (only those claims read the recap itself, in `recap_for`)."""
    attempts = unconfirmed_posts.attempts(
        services.store, [(c.plan.team_id, c.plan.channel_id, item_slot(c).key) for c in claims])
    previous = {(c.plan.team_id, c.plan.channel_id, c.plan.run, c.item_index - 1): c.post_id
                for c in claims if c.item_index > 0}
    replied = replies.replied_items(services.store, list(previous))
    return BatchReads(attempts, frozenset(previous[item] for item in replied))


def send_item(services: Services, pacer: ChannelPacer, claim: plans.Claim, batch: BatchReads | None = None) -> str:
    """Post the claimed item of the plan (a section digest, or one of the closing polls); returns its ts.

    A digest's message names its slot (the plan's run and item), so a post whose answer was lost is
    found in the channel instead of being posted twice (bot/slack/exactly_once.py). `batch`: what the
    schedule's run already read for this claim (`read_for_batch`); without it, it is read here."""
    plan, item_index = claim.plan, claim.item_index
    items = plan_items(services.pack(plan.team_id, plan.pack_id))
    item = items[item_index]
    if item.kind == "poll":
        post = poll_flow.post_poll(
            services, pacer, team_id=plan.team_id, channel_id=plan.channel_id, number=item.number,
            language=plan.language, options=PollOptions(), posted_by=plan.created_by, timezone=plan.timezone,
            pack_id=plan.pack_id,
        )
        return str(post.ts)
    slot = item_slot(claim)
    attempts = batch.attempts if batch is not None else None
    if item.kind == "report":
        return str(with_block_fallback(
            services.block_refusals, plan.team_id,
            lambda message: post_once(services, pacer, plan.team_id, plan.channel_id, message, slot, attempts),
            lambda omit: discussion.report(services, plan, CHART not in omit)))
    message = render_section(services, plan, item.ref, more_to_come=item_index + 1 < len(items))
    if batch is None or claim.post_id in batch.recap_due:
        message = with_recap(message, discussion.recap_for(services, plan, item_index, claim.post_id))
    return post_once(services, pacer, plan.team_id, plan.channel_id, message, slot, attempts)


def post_next(services: Services, pacer: ChannelPacer, team_id: str, channel_id: str, slot: str) -> PostOutcome:
    """Claim the slot, post the plan's next item, record it. The plan is read in the channel's turn, so
    a `/digest lang` or `pause` just before is always seen."""
    store = services.store
    with services.in_turn("post next", team_id, channel_id):
        plan = plans.get(store, team_id, channel_id)
        if plan is None:
            return PostOutcome("no_plan")
        items = plan_items(services.pack(plan.team_id, plan.pack_id))
        claim = plans.claim_next(store, team_id, channel_id, slot=slot, item_count=len(items), plan=plan)
        if claim is None:
            current = plans.get(store, team_id, channel_id)
            finished = current is not None and current.next_index >= len(items)
            return PostOutcome("finished" if finished else "taken")
        return deliver(services, pacer, claim)


def deliver(services: Services, pacer: ChannelPacer, claim: plans.Claim, batch: BatchReads | None = None, *,
            record: bool = True) -> PostOutcome:
    """Post a claimed item and record it; if Slack refuses, give the slot back (and pause the plan when the
    refusal is permanent), so nothing is skipped and nothing retries in a loop.

    `record=False`: the caller records a "posted" outcome's ts itself (a schedule's run, in batches)."""
    store = services.store
    team_id, channel_id = claim.plan.team_id, claim.plan.channel_id
    try:
        ts = send_item(services, pacer, claim, batch)
    except SlackApiError as exc:
        plans.release(store, claim)
        code = error_code(exc) or f"http_{exc.response.status_code}"
        if is_permanent(exc):
            if code in TOKEN_ERRORS:
                services.forget_client(team_id)  # a reinstall brings a new token
            plans.set_paused(store, team_id, channel_id, True)
            _tell_owner(services, claim.plan, code)
            log.warning("plan %s/%s paused: Slack answered %s", team_id, channel_id, code)
            return PostOutcome("stopped", claim.item_index, error=code)
        log.warning("post to %s/%s failed (%s); the item stays next", team_id, channel_id, code)
        return PostOutcome("failed", claim.item_index, error=code)
    except Exception as exc:  # network trouble after retries: give the slot back, try again next run
        # (a post whose answer was lost and whose channel history could not be read, PostNotConfirmed,
        # lands here too: the item stays next, and the next try looks for it before posting)
        plans.release(store, claim)
        log.warning("post to %s/%s failed: %s", team_id, channel_id, type(exc).__name__)
        return PostOutcome("failed", claim.item_index, error=type(exc).__name__)
    if record:
        plans.record_posted(store, claim, ts)
    return PostOutcome("posted", claim.item_index, ts=ts)


# Claims looked for at start: those older than a run takes to post (a live process may still be posting a
# younger one) and no older than a day (one not found stays skipped; it is not looked for at every start).
UNRECORDED_AFTER_S = 60.0
UNRECORDED_WITHIN_S = 24 * 3600.0


def find_unrecorded(services: Services, now: float) -> int:
    """At start: digests a stopped process claimed and never recorded, looked for in their channels by
    their slot's metadata (bot/slack/message_slots.py). One Slack had taken is recorded with its ts, so
    replies in its thread are kept and counted; one not there stays claimed and skipped, as before (never
    posted twice). A schedule's run records its answered posts in batches, so a process killed mid-run can
    leave a few dozen posted and unrecorded. Returns how many were found."""
    found = 0
    for row in plans.unrecorded(services.store, now - UNRECORDED_WITHIN_S, now - UNRECORDED_AFTER_S):
        team_id, channel_id = row["team_id"], row["channel_id"]
        slot = message_slots.digest_item(team_id, channel_id, run=row["run"], item_index=row["item_index"],
                                         claim_id=row["id"])
        try:
            ts = find_in_history(services.client_for(team_id), channel_id, slot, float(row["claimed_at"]))
        except Exception as exc:  # noqa: BLE001 - missing scope, a busy channel, a removed app: it stays skipped
            log.info("claimed digest %s in %s/%s not looked for: %s", slot.key, team_id, channel_id,
                     error_code(exc) if isinstance(exc, SlackApiError) else type(exc).__name__)
            continue
        if ts is not None and plans.record_found(services.store, row["id"], ts):
            log.info("claimed digest %s in %s/%s was posted (%s): recorded", slot.key, team_id, channel_id, ts)
            found += 1
    return found


def _tell_owner(services: Services, plan: plans.Plan, code: str) -> None:
    """A direct message to whoever set the plan up; best effort, never raises."""
    what_to_do = t(plan.language, "plan_paused_reinstall" if code in TOKEN_ERRORS else "plan_paused_invite")
    text = t(plan.language, "plan_paused_dm", channel=plan.channel_id, error=escape(code), what_to_do=what_to_do)
    try:
        services.client_for(plan.team_id).chat_postMessage(channel=plan.created_by, text=text)
    except Exception as exc:  # noqa: BLE001 - telling is a courtesy; the pause already happened
        log.warning("could not tell %s about the paused plan: %s", plan.created_by, type(exc).__name__)
