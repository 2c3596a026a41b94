"""The App Home tab opened: published after the acknowledgement (`bot.flows.home`)."""

from __future__ import annotations

from typing import Any

from slack_bolt import App, BoltContext
from slack_sdk import WebClient

from bot.context import Services
from bot.flows.home import publish_home
from bot.slack.deliveries import delivery_of


def register(app: App, services: Services) -> None:
    @app.event("app_home_opened")
    def on_home_opened(body: dict[str, Any], event: dict[str, Any], client: WebClient, context: BoltContext) -> None:
        if event.get("tab", "home") != "home":
            return
        services.after_ack(publish_home, services, client, context.team_id or "", event["user"],
                           delivery=delivery_of(body, context))
