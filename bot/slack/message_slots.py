"""Which slot a channel post fills, written on the message itself as Slack message metadata.

A post whose answer is lost (a timeout, a dropped connection, a 5xx) may or may not be in the channel.
Every post the app makes to a channel says what it is (`metadata={"event_type", "event_payload"}`), so
the app can look for it in the channel's history before posting again (bot/slack/posting.py) instead of
guessing. Pure: no Slack calls and no SQL here.

Slack's rules (https://api.slack.com/reference/metadata, https://docs.slack.dev/messaging/message-metadata):
`event_type` is a human-readable alphanumeric string, by convention `resource_action` in snake case
(`task_created`), and may appear in the UI to developers; `event_payload` is a free-form object of strings,
numbers and booleans. Metadata is invisible to people; `conversations.history` returns it only with
`include_all_metadata=true`. Payloads here are a few ids (well under Slack's size limits).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

DIGEST_ITEM = "digest_item_posted"
POLL = "poll_posted"
POLL_RESULTS = "poll_results_posted"
QUIZ_QUESTION = "quiz_question_posted"
QUIZ_REVEAL = "quiz_reveal_posted"
QUIZ_RESULTS = "quiz_results_posted"

Scalar = str | int | bool


@dataclass(frozen=True)
class Slot:
    """One post the app means to make once: `identity` says which (a message with the same event type and
    identity is that post); `extra` is carried along for readers but never compared (a digest's claim id
    changes when a failed post's slot is claimed again, the item it posts does not)."""

    event_type: str
    identity: tuple[tuple[str, Scalar], ...]
    extra: tuple[tuple[str, Scalar], ...] = field(default=())

    def metadata(self) -> dict[str, Any]:
        """The `metadata` argument of chat.postMessage."""
        return {"event_type": self.event_type, "event_payload": {**dict(self.extra), **dict(self.identity)}}

    @property
    def key(self) -> str:
        """A stable text name of the slot (for the store's record of posts whose outcome is unknown)."""
        return self.event_type + ":" + ",".join(f"{k}={v}" for k, v in self.identity)

    def is_in(self, message: Mapping[str, Any]) -> bool:
        """Whether `message` (one of conversations.history's) is this slot's post."""
        metadata = message.get("metadata")
        if not isinstance(metadata, Mapping) or metadata.get("event_type") != self.event_type:
            return False
        payload = metadata.get("event_payload")
        return isinstance(payload, Mapping) and all(payload.get(k) == v for k, v in self.identity)


def digest_item(team_id: str, channel_id: str, *, run: int, item_index: int, claim_id: int) -> Slot:
    """Item `item_index` of a plan's `run` (bumped by `/digest restart`, so a restarted plan posts anew)."""
    return Slot(DIGEST_ITEM, (("team_id", team_id), ("channel_id", channel_id), ("run", run),
                              ("item_index", item_index)), (("claim_id", claim_id),))


def poll(team_id: str, poll_post_id: int) -> Slot:
    return Slot(POLL, (("team_id", team_id), ("poll_post_id", poll_post_id)))


def poll_results(team_id: str, poll_post_id: int) -> Slot:
    return Slot(POLL_RESULTS, (("team_id", team_id), ("poll_post_id", poll_post_id)))


def quiz_question(team_id: str, quiz_id: int, position: int) -> Slot:
    return Slot(QUIZ_QUESTION, (("team_id", team_id), ("quiz_id", quiz_id), ("position", position)))


def quiz_reveal(team_id: str, quiz_id: int, position: int) -> Slot:
    """A reveal posted anew because the question's own message could not be edited."""
    return Slot(QUIZ_REVEAL, (("team_id", team_id), ("quiz_id", quiz_id), ("position", position)))


def quiz_results(team_id: str, quiz_id: int) -> Slot:
    return Slot(QUIZ_RESULTS, (("team_id", team_id), ("quiz_id", quiz_id)))


def find(slot: Slot, messages: list[Mapping[str, Any]]) -> str | None:
    """The ts of the slot's post among `messages`, or None."""
    return next((str(m["ts"]) for m in messages if slot.is_in(m) and m.get("ts")), None)
