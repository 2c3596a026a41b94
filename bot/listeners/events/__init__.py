"""Events API: the App Home tab, and a workspace leaving (uninstall, revoked tokens)."""

from slack_bolt import App

from bot.context import Services
from bot.listeners.events import home, lifecycle

__all__ = ["home", "lifecycle", "register"]


def register(app: App, services: Services) -> None:
    home.register(app, services)
    lifecycle.register(app, services)
