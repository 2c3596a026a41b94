"""Button clicks on digest messages."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from bot.blocks.digest import full_text_view
from bot.context import Services
from bot.domain.digest import find_section
from bot.slack import ids


def register(app: App, services: Services) -> None:
    @app.action(ids.DIGEST_READ_FULL)
    def open_full_text(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient,
                       context: BoltContext) -> None:
        ack()
        pack_id, section_id, language = (action.get("value", "") + "||").split("|")[:3]
        pack = services.pack(context.team_id or "", pack_id)
        sec = find_section(pack, section_id) or pack.sections[0]
        view = full_text_view(pack, sec, language or pack.pack.default_language)
        services.open_view(client, body["trigger_id"], view)
