"""Listeners, one package per surface (commands, actions, views, events), one module per command or feature.

Each is thin: it parses, acknowledges, and hands the work to `bot.flows`.
"""

from slack_bolt import App

from bot.context import Services
from bot.listeners import actions, commands, events, views


def register(app: App, services: Services) -> None:
    """Every surface's listeners, the busiest first.

    Bolt asks each listener in registration order whether a request is its own. Each question is a
    function of the body (bot/slack/matchers.py spares it Bolt's keyword arguments) but still a few
    microseconds: votes and quiz answers arrive in bursts, so their one listener comes right after
    `/digest`'s, ahead of the rest of their surfaces; then messages and reactions, which Slack sends for
    every message in every channel the app is in.
    """
    commands.digest.register(app, services)
    actions.clicks.register(app, services)
    events.replies.register(app, services)  # every message in the app's channels: bursts of up to 30,000 an hour
    commands.discuss.register(app, services)
    commands.quiz.register(app, services)
    actions.register_rest(app, services)
    views.register(app, services)
    events.register(app, services)
