"""Poll votes and quiz answers: the buttons a whole channel clicks at once.

Each click is journaled and acknowledged (bot/ingest/clicks.py); counting, scoring, receipts and redraws come
once the burst is over. The two share one listener, registered right after `/digest`'s: Bolt asks the
listeners in turn whether a request is theirs and builds a full set of keyword arguments for each one it
asks (about 13 µs), so in a burst the fewer listeners it passes on the way, the better.
"""

from __future__ import annotations

from slack_bolt import Ack, App, BoltContext

from bot.slack import ids
from bot.flows import polls as poll_flow
from bot.listeners.polls import take_vote
from bot.listeners.quiz import take_choice
from bot.flows.quizzes import QuizRunner
from bot.context import Services

BURST_BUTTONS = ids.indexed_pattern(ids.POLL_VOTE, ids.QUIZ_CHOICE)


def register(app: App, services: Services) -> None:
    services.clicks.on("vote", lambda *click: poll_flow.apply_vote(services, *click))
    services.clicks.on("answer", QuizRunner(services, services.pacer).apply_answer)

    @app.action(BURST_BUTTONS)
    def handle_click(ack: Ack, body: dict, action: dict, context: BoltContext):
        if ids.is_indexed(action.get("action_id", ""), ids.POLL_VOTE):
            take_vote(services, ack, body, action, context)
        else:
            take_choice(services, ack, body, action, context)
