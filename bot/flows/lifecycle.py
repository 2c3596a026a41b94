"""A workspace leaving (uninstall, its bot token revoked) and coming back (a reinstall).

Leaving, at once (before Slack hears "ok", so a process that dies right after still knows): the
installation is deleted (Bolt's own revocation listener, bot/listeners/lifecycle.py), the workspace is
marked departed (store/teams.py), which takes its plans, polls and quizzes out of every timer and
schedule, and its cached client is dropped. Then, after the acknowledgement: the scheduler drops the
jobs no present workspace needs, and with `UNINSTALL_RETENTION_DAYS=0` the workspace's data is deleted.
Otherwise it is deleted by `purge_departed` (at start and hourly, from the scheduler) once the retention
period has passed; a reinstall before then (`on_installation_saved`) carries on where it left off.
"""

from __future__ import annotations

import logging

from slack_sdk.oauth.installation_store import Installation

from bot.context import Services
from store import installations, teams

log = logging.getLogger(__name__)

DAY_SECONDS = 86_400


def depart(services: Services, team_ids: list[str], reason: str, enterprise_id: str | None = None) -> None:
    """Mark the workspaces departed and drop their clients and authorize results: nothing is posted for them
    from now on, and their next request finds no installation. `enterprise_id`: an org-wide install left."""
    teams.depart(services.store, team_ids, reason, now=services.clock.now().timestamp())
    services.authorizations.forget_teams(team_ids, enterprise_id)
    for team_id in team_ids:
        services.forget_client(team_id)
        services.block_refusals.forget(team_id)
    log.info("workspaces %s left (%s)", ", ".join(team_ids) or "(none known)", reason)


def after_departure(services: Services) -> None:
    """The work after the acknowledgement: jobs re-synced, and data deleted now if nothing is kept."""
    services.schedules_changed()
    if services.settings.uninstall_retention_days == 0:
        purge_departed(services)


def purge_departed(services: Services) -> list[str]:
    """Delete the data of every workspace that left more than `UNINSTALL_RETENTION_DAYS` ago; the
    workspaces purged."""
    cutoff = services.clock.now().timestamp() - services.settings.uninstall_retention_days * DAY_SECONDS
    purged = teams.departed_before(services.store, cutoff)
    for team_id in purged:
        deleted = teams.forget_team(services.store, team_id)
        log.info("workspace %s: its data is deleted (%d rows)", team_id, sum(deleted.values()))
    return purged


def on_installation_saved(services: Services, installation: Installation) -> None:
    """An install, a reinstall or a rotated token: the workspaces it covers are present again, and their
    cached clients (with the token from before) are dropped."""
    team_ids = installations.installed_teams(installation, services.store)
    # the new token replaces the cached one at once (an install, a reinstall, a rotation)
    services.authorizations.forget_teams(
        team_ids + ([installation.team_id] if installation.team_id else []),
        installation.enterprise_id if installation.is_enterprise_install else None)
    returning = [team_id for team_id in team_ids if teams.departed(services.store, team_id)]
    if returning:
        teams.welcome_back(services.store, returning)
        log.info("workspaces %s are back: their plans carry on", ", ".join(returning))
    for team_id in team_ids:
        services.forget_client(team_id)
    if returning:
        services.schedules_changed()
