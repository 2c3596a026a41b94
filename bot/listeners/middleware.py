"""Global middleware: one effect per delivery, however often Slack (or a double click) sends it.

The middleware only names the delivery; `Services.after_ack` claims it in the database when the work
that follows the acknowledgement starts. So the acknowledgement itself never waits on a database write,
and a retried delivery is acknowledged again (Slack needs that) but changes nothing twice.
"""

from __future__ import annotations

import logging

from slack_bolt import App, BoltContext

from bot.services import Services

log = logging.getLogger(__name__)


def delivery_key(body: dict) -> str | None:
    """A key Slack keeps the same across copies of one delivery: the event id, or a command's trigger id.

    Button clicks and form submissions need no claim: what they write is keyed by the clicker (one vote
    per person per poll, one answer per person per question), so a copy changes nothing.
    """
    if body.get("event_id"):
        return f"event:{body['event_id']}"
    if body.get("command") and body.get("trigger_id"):
        return f"trigger:{body['trigger_id']}"
    return None


def register(app: App, services: Services) -> None:
    @app.middleware
    def name_each_delivery(body: dict, context: BoltContext, next):  # noqa: A002 - Bolt's name
        services.begin_delivery(context.team_id or context.enterprise_id or "", delivery_key(body))
        return next()
