"""`/discuss`: parsed here (grammar in `bot.domain.polls`); results and help come in the acknowledgement,
posting, closing and export are handed to `bot.flows.polls` after it."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot.blocks.polls import discuss_help
from bot.blocks.replies import error_reply
from bot.context import Services
from bot.domain.digest import CommandError
from bot.domain.polls import parse_discuss
from bot.flows.channel import channel_language
from bot.flows.polls import channel_pack, discuss_command, discuss_results
from bot.slack.deliveries import delivery_of


def register(app: App, services: Services) -> None:
    pacer = services.pacer

    @app.command("/discuss")
    def handle_discuss(ack: Ack, body: dict[str, Any], command: dict[str, Any], client: WebClient, respond: Respond,
                       context: BoltContext) -> None:
        team_id, channel_id, user_id = context.team_id or "", command.get("channel_id", ""), command["user_id"]
        pack = channel_pack(services, team_id, channel_id)
        parsed = parse_discuss(command.get("text", ""), len(pack.polls))
        if isinstance(parsed, CommandError):
            language = channel_language(services, team_id, channel_id)
            ack(error_reply(parsed.says(language), parsed.usage, language))
            return
        if parsed.action == "help":
            ack(discuss_help(channel_language(services, team_id, channel_id)))
            return
        if parsed.action == "results":
            ack(discuss_results(services, team_id, channel_id, parsed))
            return
        ack()
        services.after_ack(lambda: respond(discuss_command(services, pacer, client, parsed, team_id, channel_id,
                                                           user_id, tell=respond)),
                           delivery=delivery_of(body, context))
