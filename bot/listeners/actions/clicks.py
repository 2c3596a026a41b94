"""Poll votes and quiz answers: the buttons a whole channel clicks at once.

Each click is journaled and acknowledged (`bot.ingest.clicks`); counting, scoring, receipts and redraws come
once the burst is over (`bot.flows.polls.apply_vote`, `bot.flows.quizzes.QuizRunner.apply_answer`). The two
share one listener, registered right after `/digest`'s: Bolt asks the listeners in turn whether a request
is theirs (bot/listeners/__init__.py), so in a burst the fewer listeners it passes on the way, the better.
"""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext

from bot.context import Services
from bot.domain.text import is_number
from bot.ingest.storage_faults import NotSaved, reply_not_saved
from bot.slack import ids

BURST_BUTTONS = ids.indexed_pattern(ids.POLL_VOTE, ids.QUIZ_CHOICE)


def take_vote(services: Services, ack: Ack, body: dict[str, Any], action: dict[str, Any], context: BoltContext) -> None:
    """A vote button: value `poll post id|option id`; journaled, then acknowledged."""
    post_id, _, option_id = action.get("value", "").partition("|")
    if not is_number(post_id):
        ack()
        return
    try:
        services.clicks.record("vote", context.team_id or "", int(post_id), body["user"]["id"], option_id,
                               (body.get("channel") or {}).get("id", ""), services.clock.now().timestamp(),
                               body.get("response_url") or "")
    except NotSaved:
        refuse(services, ack, body.get("response_url") or "")
        return
    ack()


def take_answer(services: Services, ack: Ack, context: BoltContext, body: dict[str, Any], quiz_id: int, position: int,
                raw_answer: str, channel_id: str, response_url: str = "") -> None:
    """Journal the answer with the moment it was given, acknowledge, and leave the scoring, the receipt and
    the live count for after the burst. Shared by the answer buttons and the estimate form."""
    try:
        services.clicks.record("answer", context.team_id or "", quiz_id, position, body["user"]["id"], raw_answer,
                               channel_id, response_url, services.clock.now().timestamp())
    except NotSaved:
        refuse(services, ack, response_url)
        return
    ack()


def refuse(services: Services, ack: Ack, response_url: str) -> None:
    """A click the disk refused: Slack hears the request arrived; the person hears it was not saved (no
    receipt, no count), privately, through the click's response_url."""
    ack()
    services.after_ack(reply_not_saved, response_url)


def take_choice(services: Services, ack: Ack, body: dict[str, Any], action: dict[str, Any],
                context: BoltContext) -> None:
    """An answer button: value `quiz id|position|option`."""
    parts = action.get("value", "").split("|")
    if len(parts) != 3 or not all(is_number(p) for p in parts):
        ack()
        return
    take_answer(services, ack, context, body, int(parts[0]), int(parts[1]), parts[2],
                (body.get("channel") or {}).get("id", ""), body.get("response_url") or "")


def register(app: App, services: Services) -> None:
    @app.action(BURST_BUTTONS)
    def handle_click(ack: Ack, body: dict[str, Any], action: dict[str, Any], context: BoltContext) -> None:
        if ids.is_indexed(action.get("action_id", ""), ids.POLL_VOTE):
            take_vote(services, ack, body, action, context)
        else:
            take_choice(services, ack, body, action, context)
