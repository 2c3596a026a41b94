"""Home's buttons: *Post next* (plan managers) and *Start a quiz*."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from bot.context import Services
from bot.domain.quiz import QuizCommand
from bot.flows.home import post_next_from_home
from bot.flows.quizzes import start_from_button
from bot.slack import ids


def register(app: App, services: Services) -> None:
    @app.action(ids.HOME_POST_NEXT)
    def on_post_next(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient,
                     context: BoltContext) -> None:
        ack()
        channel_id, _, position = action.get("value", "").partition("|")
        services.after_ack(post_next_from_home, services, client, context.team_id or "", body["user"]["id"],
                           channel_id, position)

    @app.action(ids.HOME_START_QUIZ)
    def handle_home_start(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient,
                          context: BoltContext) -> None:
        ack()
        services.after_ack(start_from_button, services, services.quizzes, client, context.team_id or "",
                           action.get("value", ""), body["user"]["id"], QuizCommand("start"))
