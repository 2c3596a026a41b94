"""Listeners, one module per surface; each exposes `register(app, services)`."""

from slack_bolt import App

from bot.listeners import actions, commands, events, polls, quiz
from bot.services import Services


def register(app: App, services: Services) -> None:
    commands.register(app, services)
    actions.register(app, services)
    events.register(app, services)
    polls.register(app, services)
    quiz.register(app, services)
