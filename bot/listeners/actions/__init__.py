"""Buttons, one module per surface: the burst buttons (votes, answers) first, then digests, polls, quizzes, Home."""

from slack_bolt import App

from bot.context import Services
from bot.listeners.actions import clicks, digest, home, polls, quiz

__all__ = ["clicks", "digest", "home", "polls", "quiz", "register_rest"]


def register_rest(app: App, services: Services) -> None:
    """Every button but the burst ones, which `bot.listeners.register` puts ahead of the rest."""
    digest.register(app, services)
    polls.register(app, services)
    quiz.register(app, services)
    home.register(app, services)
