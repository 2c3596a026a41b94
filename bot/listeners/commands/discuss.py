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
from bot.flows.channel import channel_reading
from bot.flows.polls import discuss_command, discuss_results
from bot.slack.deliveries import delivery_of


def register(app: App, services: Services) -> None:
    pacer = services.pacer

    @app.command("/discuss")
    def handle_discuss(ack: Ack, body: dict[str, Any], command: dict[str, Any], client: WebClient, respond: Respond,
                       context: BoltContext) -> None:
        team_id, channel_id, user_id = context.team_id or "", command.get("channel_id", ""), command["user_id"]
        reading = channel_reading(services, team_id, channel_id)  # one read of the plan on the ack path
        parsed = parse_discuss(command.get("text", ""), len(reading.pack.polls))
        if isinstance(parsed, CommandError):
            ack(error_reply(parsed.says(reading.language), parsed.usage, reading.language))
            return
        if parsed.action == "help":
            ack(discuss_help(reading.language))
            return
        if parsed.action == "results":
            ack(discuss_results(services, team_id, channel_id, parsed, reading))
            return
        ack()
        services.after_ack(lambda: respond(discuss_command(services, pacer, client, parsed, team_id, channel_id,
                                                           user_id, tell=respond)),
                           delivery=delivery_of(body, context))
