"""Slash commands, one module each: `/digest`, `/quiz`, `/discuss`."""

from slack_bolt import App

from bot.context import Services
from bot.listeners.commands import digest, discuss, quiz

__all__ = ["digest", "discuss", "quiz", "register"]


def register(app: App, services: Services) -> None:
    digest.register(app, services)
    discuss.register(app, services)
    quiz.register(app, services)
