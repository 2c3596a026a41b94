"""Messages and reactions in channels the app is in (`message.channels`, `message.groups`, `reaction_added`,
`reaction_removed`): thread replies to the app's digests and polls, journaled before the acknowledgement
(`bot.flows.replies`); everything else is acknowledged and dropped unread.

Bolt hands every `message` event, whatever its subtype, to `app.event("message")`; bots' messages (the
app's own included) are told apart by `bot.domain.replies`. Each delivery is claimed by its `event_id`
(`delivery_of`) in the same transaction as its write, so Slack's retries change nothing twice. A delivery
no disk would take raises NotSaved: it is answered with an error (bot/app.py `answer_disk_trouble`), so
Slack delivers it again later rather than hearing "ok" for a reply that was not kept.
See https://docs.slack.dev/reference/events/message and .../reaction_added.
"""

from __future__ import annotations

from typing import Any

from slack_bolt import App, BoltContext

from bot.context import Services
from bot.domain.replies import reaction_event, reply_event
from bot.flows.replies import take_reaction, take_reply
from bot.slack.deliveries import delivery_of


def register(app: App, services: Services) -> None:
    @app.event("message")
    def on_message(body: dict[str, Any], event: dict[str, Any], context: BoltContext) -> None:
        parsed = reply_event(event)
        delivery = delivery_of(body, context)
        if parsed is None or delivery is None:
            return
        take_reply(services, delivery[0], delivery[1], parsed)

    def on_reaction(body: dict[str, Any], event: dict[str, Any], context: BoltContext) -> None:
        parsed = reaction_event(event)
        delivery = delivery_of(body, context)
        if parsed is not None and delivery is not None:
            take_reaction(services, delivery[0], delivery[1], parsed)

    app.event("reaction_added")(on_reaction)
    app.event("reaction_removed")(on_reaction)
