"""Thread replies as pure rules: which Events API deliveries are replies, edits, deletions or reactions of
people, and the words of a live reply count.

Slack's `message` event carries every subtype (https://docs.slack.dev/reference/events/message): a new
message has none (or `thread_broadcast`, a reply also sent to the channel), an edit is `message_changed`
with the new version in `message`, a deletion is `message_deleted` with `deleted_ts` and the
`previous_message`. A reply is a message whose `thread_ts` names another message. Messages of bots (the
app's own among them: its comments in poll threads, its digests' edits) carry `bot_id` and are left out,
as is every other subtype (joins, topics, files without text are not discussion).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# new messages that are people talking (https://docs.slack.dev/reference/events/message/thread_broadcast)
_SPOKEN = (None, "thread_broadcast")


@dataclass(frozen=True)
class ReplyEvent:
    kind: str  # new | edited | deleted
    channel_id: str
    ts: str  # the reply's own message
    thread_ts: str = ""  # the message that opened the thread (new, edited)
    user_id: str = ""
    text: str = ""
    edited_ts: str = ""


@dataclass(frozen=True)
class ReactionEvent:
    added: bool
    channel_id: str
    ts: str  # the message reacted to
    user_id: str
    reaction: str


def _by_a_person(message: dict[str, Any]) -> bool:
    return bool(message.get("user")) and not message.get("bot_id") and message.get("subtype") != "bot_message"


def _in_a_thread(message: dict[str, Any]) -> bool:
    thread_ts, ts = message.get("thread_ts"), message.get("ts")
    return isinstance(thread_ts, str) and bool(thread_ts) and thread_ts != ts


def reply_event(event: dict[str, Any]) -> ReplyEvent | None:
    """The reply an Events API `message` event is about, or None for anything that is not a person's reply."""
    channel = event.get("channel")
    if not isinstance(channel, str) or not channel:
        return None
    subtype = event.get("subtype")
    if subtype in _SPOKEN:
        if not (_by_a_person(event) and _in_a_thread(event) and isinstance(event.get("ts"), str)):
            return None
        return ReplyEvent("new", channel, event["ts"], event["thread_ts"], event["user"], str(event.get("text") or ""))
    if subtype == "message_changed":
        message: dict[str, Any] = event["message"] if isinstance(event.get("message"), dict) else {}
        if not (_by_a_person(message) and _in_a_thread(message) and isinstance(message.get("ts"), str)):
            return None
        edited: dict[str, Any] = message["edited"] if isinstance(message.get("edited"), dict) else {}
        return ReplyEvent("edited", channel, message["ts"], message["thread_ts"], message["user"],
                          str(message.get("text") or ""), str(edited.get("ts") or event.get("event_ts") or ""))
    if subtype == "message_deleted":
        deleted = event.get("deleted_ts")
        return ReplyEvent("deleted", channel, deleted) if isinstance(deleted, str) and deleted else None
    return None


def reaction_event(event: dict[str, Any]) -> ReactionEvent | None:
    """A reaction to a message (https://docs.slack.dev/reference/events/reaction_added); None for files."""
    item: dict[str, Any] = event["item"] if isinstance(event.get("item"), dict) else {}
    channel, ts, user, reaction = item.get("channel"), item.get("ts"), event.get("user"), event.get("reaction")
    if item.get("type") != "message" or not all(isinstance(v, str) and v for v in (channel, ts, user, reaction)):
        return None
    return ReactionEvent(event.get("type") == "reaction_added", str(channel), str(ts), str(user), str(reaction))


def quote(text: str, limit: int = 280) -> str:
    """A reply shortened for quoting: whitespace folded to single spaces, at most `limit` characters (a
    40,000-character reply becomes one line of a recap). Not escaped: bot.domain.text.escape does that."""
    folded = " ".join(text.split())
    return folded if len(folded) <= limit else folded[: limit - 1].rstrip() + "…"
