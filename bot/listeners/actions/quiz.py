"""Quiz buttons other than the answers: *Answer* (opens the estimate form) and a digest's *Quick check*."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot.blocks.quiz import numeric_modal
from bot.context import Services
from bot.domain.quiz import QuizCommand
from bot.domain.text import is_number
from bot.flows.quizzes import start_from_button
from bot.slack import ids
from store import quizzes


def register(app: App, services: Services) -> None:
    runner = services.quizzes

    @app.action(ids.QUIZ_NUMERIC_OPEN)
    def handle_numeric_open(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient,
                            context: BoltContext,
                            respond: Respond) -> None:
        ack()
        parts = action.get("value", "").split("|")
        if len(parts) != 2 or not all(is_number(p) for p in parts):
            return
        quiz = quizzes.get(services.store, context.team_id or "", int(parts[0]))
        asked = quizzes.asked(services.store, int(parts[0]), int(parts[1])) if quiz else None
        if quiz is None or asked is None:
            return
        user_id, channel_id = body["user"]["id"], (body.get("channel") or {}).get("id") or quiz.channel_id
        if asked.revealed_at is not None or runner.now() > asked.deadline:
            status = "closed"  # no form for a question that can't take answers any more
        elif quizzes.answer_of(services.store, quiz.id, asked.position, user_id) is not None:
            status = "already"
        elif asked.question_id not in {q.id for q in services.pack(quiz.team_id, quiz.pack_id).quiz}:
            status = "unknown"  # the pack was edited and this question is gone
        else:
            question = services.pack(quiz.team_id, quiz.pack_id).question(asked.question_id)
            view = numeric_modal(question, quiz.id, asked.position, quiz.language)
            services.open_view(client, body["trigger_id"], view)
            return
        services.after_ack(lambda: runner.after_answer(client, status=status, team_id=quiz.team_id, quiz_id=quiz.id,
                                                       position=asked.position, user_id=user_id,
                                                       channel_id=channel_id,
                                                       respond=respond if body.get("response_url") else None))

    @app.action(ids.QUIZ_QUICK_CHECK)
    def handle_quick_check(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient,
                           context: BoltContext) -> None:
        ack()
        command = QuizCommand("start", count=1, section=action.get("value", ""))
        services.after_ack(start_from_button, services, runner, client, context.team_id or "",
                           (body.get("channel") or {}).get("id", ""), body["user"]["id"], command)
