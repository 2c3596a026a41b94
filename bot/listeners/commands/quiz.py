"""`/quiz`: parsed here (grammar in `bot.domain.quiz`), answered in the acknowledgement where the database
alone can answer (help, scores, why a quiz can't start), else handed to `bot.flows.quizzes`."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot.blocks.quiz import quiz_help, scores_reply
from bot.blocks.replies import error_reply
from bot.context import Services
from bot.domain.digest import CommandError
from bot.domain.quiz import parse_quiz
from bot.flows.channel import channel_language
from bot.flows.quizzes import quiz_command, start_problem
from bot.slack.deliveries import delivery_of
from store import quizzes


def register(app: App, services: Services) -> None:
    runner = services.quizzes

    @app.command("/quiz")
    def handle_quiz(ack: Ack, body: dict[str, Any], command: dict[str, Any], client: WebClient, respond: Respond,
                    context: BoltContext) -> None:
        team_id, channel_id, user_id = context.team_id or "", command.get("channel_id", ""), command["user_id"]
        parsed = parse_quiz(command.get("text", ""))
        if isinstance(parsed, CommandError) or parsed.action in ("help", "scores"):
            language = channel_language(services, team_id, channel_id)
            if isinstance(parsed, CommandError):
                ack(error_reply(parsed.says(language), parsed.usage, language))
            elif parsed.action == "help":
                ack(quiz_help(language))
            else:
                ack(scores_reply(quizzes.channel_leaderboard(services.store, team_id, channel_id), language))
            return
        if parsed.action == "start":
            problem = start_problem(services, team_id, channel_id, parsed)
            if problem:
                ack(problem)
                return
        ack()
        services.after_ack(lambda: respond(quiz_command(services, runner, client, parsed, team_id, channel_id,
                                                        user_id)),
                           delivery=delivery_of(body, context))
