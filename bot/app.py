"""The app factory: settings and services in, a Bolt `App` with every listener registered out."""

from __future__ import annotations

import logging

from slack_bolt import App

from bot import listeners
from bot.config import Settings
from bot.services import Services, make_client
from questions import load_packs
from store import open_store

log = logging.getLogger(__name__)


def build_services(settings: Settings, **overrides) -> Services:
    """Open the store (applying migrations) and load every content pack; raises StoreError / PackError."""
    store = open_store(settings.database_path)
    packs = load_packs(settings.content_dir)
    services = Services(settings=settings, store=store, packs=packs, **overrides)
    if services.client is None and settings.bot_token:
        services.client = make_client(settings, settings.bot_token)
    return services


def create_app(services: Services, *, process_before_response: bool = False) -> App:
    """A Bolt app over `services`.

    Token verification is off here because `python -m bot serve` checks the token itself (auth.test) to
    give a one-line error; tests and the console point the client at a local stand-in.
    """
    settings = services.settings
    app = App(
        token=None if services.client is not None else settings.bot_token,
        signing_secret=settings.signing_secret or "unused-in-socket-mode",
        client=services.client,
        token_verification_enabled=False,
        process_before_response=process_before_response,
        # retried deliveries are recognised and dropped by our own middleware (store.deliveries)
        ignoring_self_events_enabled=True,
    )
    listeners.register(app, services)
    return app
