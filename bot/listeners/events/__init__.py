"""Events API: the App Home tab, a workspace leaving (uninstall, revoked tokens), and replies in the app's threads."""

from slack_bolt import App

from bot.context import Services
from bot.listeners.events import home, lifecycle, replies

__all__ = ["home", "lifecycle", "register", "replies"]


def register(app: App, services: Services) -> None:
    home.register(app, services)
    lifecycle.register(app, services)
    # replies.register comes early, in bot/listeners/__init__.py: messages arrive in bursts
