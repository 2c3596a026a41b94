"""Thread replies at the edges: a reply, edit, deletion or reaction stored before its acknowledgement, and the
digest's live reply count redrawn after it.

Only threads the app started are kept (store/replies.py `thread_of`): a message anywhere else is dropped
without being written, and a reply's text is read only to be stored. Each event is stored with its
delivery claim in one transaction before the listener acknowledges it (acknowledged means kept; a retried
delivery finds its claim and changes nothing). The redraw goes through `services.live`, coalesced like a
poll's tally to about one `chat.update` per message per second, within the workspace's Tier 3 budget.
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


def receive_reply(services: Services, team_id: str, delivery_key: str, event: ReplyEvent) -> FollowUp:
    """Store what a `message` event says about a reply in one of the app's threads; the redraw to run after
    the acknowledgement, or None when nothing changed (not the app's thread, a retried delivery)."""
    store, now = services.store, services.clock.now().timestamp()
    if event.kind == "deleted":
        thread_ts = replies.delete_reply(store, delivery_key, team_id=team_id, channel_id=event.channel_id,
                                         ts=event.ts, now=now)
        if thread_ts is None:
            return None
        thread = replies.thread_of(store, team_id, event.channel_id, thread_ts)
        return None if thread is None else _redraw(services, team_id, thread)
    thread = replies.thread_of(store, team_id, event.channel_id, event.thread_ts)
    if thread is None:
        return None  # not a thread the app started: nothing is kept
    if event.kind == "edited":
        replies.edit_reply(store, delivery_key, team_id=team_id, channel_id=event.channel_id, ts=event.ts,
                           text=event.text, edited_ts=event.edited_ts, now=now)
        return None  # the count is unchanged
    if not replies.add_reply(store, delivery_key, team_id=team_id, thread=thread,
                             item_ref=_item_ref(services, team_id, thread), ts=event.ts, user_id=event.user_id,
                             text=event.text, now=now):
        return None
    return _redraw(services, team_id, thread)


def receive_reaction(services: Services, team_id: str, delivery_key: str, event: ReactionEvent) -> None:
    """A reaction to a kept reply counts toward the most reacted reply; one to anything else is not kept."""
    replies.react(services.store, delivery_key, team_id=team_id, channel_id=event.channel_id, ts=event.ts,
                  user_id=event.user_id, reaction=event.reaction, added=event.added,
                  now=services.clock.now().timestamp())


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
