"""Thread replies at the edges: a reply, edit, deletion or reaction kept before its acknowledgement, and the
digest's live reply count redrawn after it.

Only threads the app started are kept (store/replies.py `thread_of`): a message anywhere else is dropped
before anything is written, and a reply's text is read only to be kept. A burst of replies (Slack delivers
up to 30,000 events a workspace an hour) is journaled like a burst of votes (bot/ingest/clicks.py): copied
into the click journal and acknowledged, then applied to SQLite in one transaction per lull, each with
its delivery claim, so a retried delivery changes nothing twice. A reply, its edits, its deletion and the
reactions to it go through the same journal, in the order they arrived: a reaction is never applied
before the reply it is about. Reads of replies apply what the journal holds first (store/db.py
`RESPONSE_TABLES`). The redraw goes through `services.live`, coalesced like a poll's tally to about one
`chat.update` per message per second, within the workspace's Tier 3 budget.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from bot.blocks.discussion import reply_count_line
from bot.context import Services
from bot.domain.digest import plan_items
from bot.domain.i18n import t
from bot.domain.replies import ReactionEvent, ReplyEvent
from bot.flows.digests import draw_section, next_post_label
from store import plans, replies

log = logging.getLogger(__name__)

FollowUp = Callable[[], None] | None


def take_reply(services: Services, team_id: str, delivery_key: str, event: ReplyEvent) -> None:
    """Journal what a `message` event says about a reply in one of the app's threads; call before the
    acknowledgement. Raises NotSaved when no disk takes it (the delivery must then not be acknowledged)."""
    now = services.clock.now().timestamp()
    if event.kind == "deleted":  # the message is gone from Slack: whether it was kept is found when applied
        services.clicks.record("reply deleted", team_id, delivery_key, event.channel_id, event.ts, now)
        return
    if replies.thread_of(services.store, team_id, event.channel_id, event.thread_ts) is None:
        return  # not a thread the app started: nothing is kept
    services.clicks.record("reply", team_id, delivery_key, event.kind, event.channel_id, event.ts, event.thread_ts,
                           event.user_id, event.text, event.edited_ts, now)


def take_reaction(services: Services, team_id: str, delivery_key: str, event: ReactionEvent) -> None:
    """Journal a reaction; applied, it counts toward the most reacted reply if it is to a kept reply."""
    services.clicks.record("reaction", team_id, delivery_key, event.channel_id, event.ts, event.user_id,
                           event.reaction, event.added, services.clock.now().timestamp())


def apply_reply(services: Services, team_id: str, delivery_key: str, kind: str, channel_id: str, ts: str,
                thread_ts: str, user_id: str, text: str, edited_ts: str, now: float) -> FollowUp:
    """A journaled reply or edit, written inside the journal's batch; the redraw to run after, or None when
    nothing changed (an edit, a retried delivery)."""
    store = services.store
    thread = replies.thread_of(store, team_id, channel_id, thread_ts)
    if thread is None:
        return None
    if kind == "edited":
        replies.edit_reply(store, delivery_key, team_id=team_id, channel_id=channel_id, ts=ts, text=text,
                           edited_ts=edited_ts, now=now)
        return None  # the count is unchanged
    if not replies.add_reply(store, delivery_key, team_id=team_id, thread=thread,
                             item_ref=_item_ref(services, team_id, thread), ts=ts, user_id=user_id, text=text,
                             now=now):
        return None
    return _redraw(services, team_id, thread)


def apply_deletion(services: Services, team_id: str, delivery_key: str, channel_id: str, ts: str,
                   now: float) -> FollowUp:
    """A journaled deletion: the reply and its reactions go, and its digest's count is redrawn."""
    thread_ts = replies.delete_reply(services.store, delivery_key, team_id=team_id, channel_id=channel_id, ts=ts,
                                     now=now)
    if thread_ts is None:
        return None
    thread = replies.thread_of(services.store, team_id, channel_id, thread_ts)
    return None if thread is None else _redraw(services, team_id, thread)


def apply_reaction(services: Services, team_id: str, delivery_key: str, channel_id: str, ts: str, user_id: str,
                   reaction: str, added: bool, now: float) -> None:
    """A journaled reaction: kept if it is to a kept reply; one to anything else is not."""
    replies.react(services.store, delivery_key, team_id=team_id, channel_id=channel_id, ts=ts, user_id=user_id,
                  reaction=reaction, added=added, now=now)


def journal_replies(services: Services) -> None:
    """Register the appliers of the journaled reply events with the click journal."""
    services.clicks.on("reply", lambda *click: apply_reply(services, *click))
    services.clicks.on("reply deleted", lambda *click: apply_deletion(services, *click))
    services.clicks.on("reaction", lambda *click: apply_reaction(services, *click))


def _item_ref(services: Services, team_id: str, thread: replies.Thread) -> str:
    """The section a digest's thread is about, or the poll a poll's thread is about."""
    if thread.kind == "poll":
        return thread.poll_id
    items = plan_items(services.pack(team_id, thread.pack_id))
    return items[thread.item_index].ref if thread.item_index < len(items) else ""


def _redraw(services: Services, team_id: str, thread: replies.Thread) -> FollowUp:
    """The follow-up that asks for the digest to be redrawn with its count (a poll's thread has no count)."""
    if thread.kind != "digest":
        return None
    return lambda: refresh_digest(services, team_id, thread.post_id)


def refresh_digest(services: Services, team_id: str, post_id: int) -> None:
    """Ask for the digest to be redrawn with its live count; coalesced per message by `services.live`."""

    def draw() -> None:
        post = replies.post_row(services.store, team_id, post_id)
        if post is None or not post["ts"]:
            return
        message = digest_with_count(services, team_id, post)
        if message is not None:
            services.client_for(team_id).chat_update(channel=post["channel_id"], ts=post["ts"], **message)

    services.live.changed(("digest", team_id, post_id), draw, team_id)


def digest_with_count(services: Services, team_id: str, post: dict[str, Any]) -> dict[str, Any] | None:
    """The digest as posted (its recap included), its context line ending on the live reply count; it says
    when the next post is only while it is the plan's latest."""
    channel_id = str(post["channel_id"])
    plan = plans.get(services.store, team_id, channel_id)
    pack = services.pack(team_id, str(post["item_key"]).rpartition(":")[0])
    items = plan_items(pack)
    index = int(post["item_index"])
    if index >= len(items) or items[index].kind != "section":
        return None
    language = plan.language if plan else pack.pack.default_language
    latest = plan is not None and plan.run == post["run"] and plan.next_index == index + 1
    next_post = next_post_label(plan, services) if plan is not None and latest and index + 1 < len(items) else None
    count, people = replies.thread_count(services.store, team_id, channel_id, str(post["ts"]))
    return draw_section(pack, items[index].ref, language, next_post=next_post,
                        discussion=reply_count_line(language, count, people),
                        recap=replies.saved_recap(services.store, team_id, int(post["id"])))


def set_privacy(services: Services, team_id: str, channel_id: str, user_id: str, sharing: bool) -> dict[str, Any]:
    """`/digest privacy off|on`, written before the acknowledgement that says it was."""
    replies.set_sharing(services.store, team_id, user_id, sharing, services.clock.now().timestamp())
    plan = plans.get(services.store, team_id, channel_id)
    language = plan.language if plan else "en"
    return {"response_type": "ephemeral", "text": t(language, "reply_privacy_on" if sharing else "reply_privacy_off")}
