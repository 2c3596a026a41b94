"""Uninstalls and revoked tokens (`app_uninstalled`, `tokens_revoked`); which org a workspace is in.

Bolt's own revocation listeners delete the installation (`App.default_app_uninstalled_event_listener`,
`default_tokens_revoked_event_listener`: what `enable_token_revocation_listeners` registers, called here
so one listener per event also stops the workspace's jobs; Bolt runs only the first listener that
matches). Slack sends both events on an uninstall, and either may come again: what runs before the
acknowledgement is idempotent, and the work after it is claimed once per delivery (`delivery_of`).
See https://api.slack.com/events/app_uninstalled (the two may come in either order) and
https://docs.slack.dev/reference/events/tokens_revoked.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import App, BoltContext, BoltRequest, BoltResponse
from slack_bolt.middleware import Middleware

from bot.context import Services
from bot.flows import lifecycle
from bot.slack.deliveries import delivery_of
from store import teams


def departing_teams(services: Services, context: BoltContext) -> list[str]:
    """The workspaces an event's installation covered: its team, or every known workspace of an org-wide
    install (its events name the org and no team)."""
    if context.team_id:
        return [context.team_id]
    if context.enterprise_id:
        return teams.org_workspaces(services.store, context.enterprise_id)
    return []


def org_wide(context: BoltContext) -> str | None:
    """The org whose org-wide install an event is about (its events name the org and no team), else None."""
    return context.enterprise_id if not context.team_id else None


def register(app: App, services: Services) -> None:
    multi_workspace = app.installation_store is not None
    # workspaces of org-wide installs already noted by this process (`remember_org_workspaces`); one that
    # leaves is noted again on its first request after a reinstall (its row may have been purged by then)
    noted: set[str] = set()
    delete_installation = app.default_app_uninstalled_event_listener() if multi_workspace else None
    delete_tokens = app.default_tokens_revoked_event_listener() if multi_workspace else None

    @app.event("app_uninstalled")
    def on_app_uninstalled(body: dict[str, Any], context: BoltContext) -> None:
        departing = departing_teams(services, context)
        if delete_installation is not None:
            delete_installation(context=context)
        noted.difference_update(departing)
        lifecycle.depart(services, departing, "app_uninstalled", org_wide(context))
        services.after_ack(lifecycle.after_departure, services, delivery=delivery_of(body, context))

    @app.event("tokens_revoked")
    def on_tokens_revoked(body: dict[str, Any], event: dict[str, Any], context: BoltContext) -> None:
        departing = departing_teams(services, context)
        if delete_tokens is not None:
            delete_tokens(event=event, context=context)
        if not event.get("tokens", {}).get("bot"):
            return  # only user tokens: the bot still acts in the workspace
        if app.installation_store is not None:
            # Bolt deletes only the bot row; the installation row still holds the dead bot token, which
            # Bolt's authorize would hand out. With no bot this app acts with nothing: all of it goes.
            app.installation_store.delete_all(enterprise_id=context.enterprise_id, team_id=context.team_id)
        noted.difference_update(departing)
        lifecycle.depart(services, departing, "tokens_revoked", org_wide(context))
        services.after_ack(lifecycle.after_departure, services, delivery=delivery_of(body, context))

    if multi_workspace:
        remember_org_workspaces(app, services, noted)


class NoteOrgWorkspace(Middleware):
    """Note each workspace an org-wide install covers, from the first request it sends: a scheduled job
    has only the workspace's id, and the installation is stored under the org (store/installations.py).
    One write per workspace per process (`known`); a set look-up for every other request.

    A `Middleware` subclass rather than a function given to `app.middleware`: Bolt inspects a function
    middleware's parameters on every request to inject them (about 50 µs, a fifth of an acknowledgement
    in OAuth mode, bench `oauth`)."""

    def __init__(self, services: Services, known: set[str]) -> None:
        self.services, self.known = services, known

    def process(self, *, req: BoltRequest, resp: BoltResponse, next: Callable[[], BoltResponse]) -> BoltResponse:
        context = req.context
        team_id, enterprise_id = context.team_id, context.enterprise_id
        if context.is_enterprise_install and team_id and enterprise_id and team_id not in self.known:
            teams.remember_org_workspace(self.services.store, team_id, enterprise_id)
            self.known.add(team_id)
        return next()


def remember_org_workspaces(app: App, services: Services, known: set[str]) -> None:
    app.middleware(NoteOrgWorkspace(services, known))
