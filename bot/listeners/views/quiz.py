"""The estimate form's submission: checked for a number in the acknowledgement, then journaled like a click."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext

from bot.context import Services
from bot.domain.i18n import t
from bot.domain.quiz import parse_number
from bot.domain.text import is_number
from bot.listeners.actions.clicks import take_answer
from bot.slack import ids
from store import quizzes


def register(app: App, services: Services) -> None:
    @app.view(ids.QUIZ_NUMERIC_VIEW)
    def handle_numeric(ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext) -> None:
        raw = ((view["state"]["values"].get(ids.QUIZ_NUMERIC_BLOCK, {}).get(ids.QUIZ_NUMERIC_INPUT) or {})
               .get("value") or "")
        parts = view.get("private_metadata", "").split("|")
        if len(parts) != 2 or not all(is_number(p) for p in parts):
            ack()
            return
        quiz = quizzes.get(services.store, context.team_id or "", int(parts[0]))
        if parse_number(raw) is None:
            language = quiz.language if quiz else "en"  # the form is in its quiz's language
            ack(response_action="errors", errors={ids.QUIZ_NUMERIC_BLOCK: t(language, "quiz_type_a_number")})
            return
        take_answer(services, ack, context, body, int(parts[0]), int(parts[1]), raw.strip(),
                    quiz.channel_id if quiz else "")
