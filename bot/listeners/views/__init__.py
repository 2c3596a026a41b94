"""Form submissions: a poll comment, a quiz estimate."""

from slack_bolt import App

from bot.context import Services
from bot.listeners.views import polls, quiz

__all__ = ["polls", "quiz", "register"]


def register(app: App, services: Services) -> None:
    polls.register(app, services)
    quiz.register(app, services)
