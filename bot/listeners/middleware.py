"""Global middleware: one effect per delivery, however often Slack (or a double click) sends it."""

from __future__ import annotations

import logging

from slack_bolt import App, BoltContext, BoltResponse

from bot.services import Services
from store import deliveries

log = logging.getLogger(__name__)


def delivery_key(body: dict) -> str | None:
    """A key Slack keeps the same across retries of one delivery: the event id or the trigger id."""
    if body.get("event_id"):
        return f"event:{body['event_id']}"
    if body.get("trigger_id"):
        return f"trigger:{body['trigger_id']}"
    return None


def register(app: App, services: Services) -> None:
    @app.middleware
    def handle_each_delivery_once(body: dict, context: BoltContext, next):  # noqa: A002 - Bolt's name
        key = delivery_key(body)
        if key is None:
            return next()
        team_id = context.team_id or context.enterprise_id or ""
        if deliveries.claim(services.store, team_id, key):
            return next()
        log.info("delivery %s seen before (retry %s): acknowledged, not handled again", key, context.get("retry_num"))
        return BoltResponse(status=200, body="")
