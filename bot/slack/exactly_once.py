"""Posting a slot once, even across a lost answer and a restart.

`bot.slack.posting.post_to_channel` settles a lost answer within one try: it reads the channel's history and
takes the slot's message if Slack had stored it. When the history itself cannot be read it posts
nothing more and raises `PostNotConfirmed`; this module remembers that attempt in the store
(store/unconfirmed_posts.py), so the next try at the same slot (the next `/digest next`, the scheduler's
next run, a quiz or poll timer) looks for it first instead of posting a second copy.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.context import Services
from bot.slack.message_slots import Slot
from bot.slack.posting import ChannelPacer, PostNotConfirmed, post_to_channel
from store import unconfirmed_posts


def post_once(services: Services, pacer: ChannelPacer, team_id: str, channel_id: str, message: dict[str, Any],
              slot: Slot, attempts: Mapping[tuple[str, str, str], float] | None = None) -> str:
    """Post `message` as `slot`'s message and return its ts (the earlier post's, when one is found).

    `attempts`: the unknown earlier attempts of a batch of slots, already read in one go
    (`unconfirmed_posts.attempts`, for a schedule's run); without it, this slot's is read here."""
    store = services.store
    if attempts is not None:
        earlier = attempts.get((team_id, channel_id, slot.key))
    else:
        earlier = unconfirmed_posts.attempted_at(store, team_id, channel_id, slot.key)
    try:
        ts = post_to_channel(services.client_for(team_id), pacer, channel_id, message, slot=slot,
                             earlier_attempt=earlier)
    except PostNotConfirmed as exc:
        unconfirmed_posts.note(store, team_id, channel_id, slot.key, exc.attempted_at)
        raise
    if earlier is not None:
        unconfirmed_posts.settle(store, team_id, channel_id, slot.key)
    return ts
