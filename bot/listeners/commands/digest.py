"""`/digest`: parsed here (grammar in `bot.domain.digest`).

Replies that need only the database (help, show, list, errors) travel in the ack itself: no Web API
call, nothing to wait for. Commands that change or post (schedule, next, ...) ack empty at once and
answer through `respond` once Slack has been asked what it needs (the caller's timezone and role):
`bot.flows.plans`.
"""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot.blocks.replies import error_reply
from bot.context import Services
from bot.domain.digest import CommandError, parse_digest
from bot.flows import articles
from bot.flows.channel import channel_language
from bot.flows.plans import PLAN_CHANGING, change_plan, quick_reply
from bot.flows.replies import set_privacy
from bot.slack.deliveries import delivery_of


def register(app: App, services: Services) -> None:
    pacer = services.pacer

    @app.command("/digest")
    def handle_digest(ack: Ack, body: dict[str, Any], command: dict[str, Any], client: WebClient, respond: Respond,
                      context: BoltContext) -> None:
        team_id, channel_id = context.team_id or "", command.get("channel_id", "")
        parsed = parse_digest(command.get("text", ""))
        if isinstance(parsed, CommandError):
            language = channel_language(services, team_id, channel_id)
            ack(error_reply(parsed.says(language), parsed.usage, language))
            return
        if parsed.action == "add":  # fetching and drafting take seconds: the requester is told privately later
            ack()
            url, user_id = parsed.url or "", command["user_id"]
            services.after_ack(lambda: articles.add(services, client, team_id, user_id, url,
                                                    channel_language(services, team_id, channel_id), respond),
                               delivery=delivery_of(body, context))
            return
        if parsed.action == "privacy":  # written before the acknowledgement that says so
            ack(set_privacy(services, team_id, channel_id, command.get("user_id", ""), bool(parsed.sharing)))
            return
        if parsed.action not in PLAN_CHANGING:
            ack(quick_reply(services, parsed, team_id, channel_id))
            return
        ack()
        services.after_ack(
            lambda: respond(change_plan(services, pacer, client, parsed, team_id, channel_id, command["user_id"],
                                        command)),
            delivery=delivery_of(body, context),
            channel=channel_id if parsed.action == "next" else "",  # a post there: it waits for the slot
        )
