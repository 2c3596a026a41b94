"""A poll's *Add a comment* button: opens the comment form (submitted in `bot.listeners.views.polls`)."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from bot.blocks.polls import comment_modal
from bot.context import Services
from bot.domain.text import is_number
from bot.slack import ids
from store import polls


def register(app: App, services: Services) -> None:
    @app.action(ids.POLL_COMMENT)
    def handle_comment_button(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient,
                              context: BoltContext) -> None:
        ack()
        value = action.get("value", "")
        post = polls.get_post(services.store, context.team_id or "", int(value)) if is_number(value) else None
        if post is None or post.poll_id not in {p.id for p in services.pack(post.team_id, post.pack_id).polls}:
            return
        view = comment_modal(services.pack(post.team_id, post.pack_id).poll(post.poll_id), post.id, post.language)
        services.open_view(client, body["trigger_id"], view)
