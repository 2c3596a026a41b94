"""Listeners, one module per surface; each exposes `register(app, services)`."""

from slack_bolt import App

from bot.listeners import actions, clicks, commands, events, lifecycle, polls, quiz
from bot.context import Services


def register(app: App, services: Services) -> None:
    """Every surface's listeners, the busiest first.

    Bolt asks each listener in registration order whether a request is its own, and every miss costs a
    full set of keyword arguments built for the matcher (about 13 µs). Votes and quiz answers arrive in
    bursts, so their one listener comes right after `/digest`'s, ahead of the rest of their surfaces.
    """
    commands.register(app, services)
    clicks.register(app, services)
    polls.register(app, services)
    quiz.register(app, services)
    actions.register(app, services)
    events.register(app, services)
    lifecycle.register(app, services)
