"""Who may change a channel's reading plan: workspace admins and owners, the plan's owner, ADMIN_USER_IDS."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Caller:
    user_id: str
    timezone: str | None
    is_workspace_admin: bool
    locale: str | None = None  # the person's Slack language, e.g. "zh-CN", "en-US"


def look_up(client: WebClient, user_id: str) -> Caller:
    """The caller's Slack timezone, locale and admin flags (one users.info call); "unknown" on error.

    `include_locale` adds the person's Slack language (https://docs.slack.dev/reference/methods/users.info).
    """
    try:
        user = client.users_info(user=user_id, include_locale=True)["user"]
    except (SlackApiError, KeyError, TypeError) as exc:
        log.warning("users.info failed for %s: %s", user_id, type(exc).__name__)
        return Caller(user_id, None, False)
    admin = bool(user.get("is_admin") or user.get("is_owner") or user.get("is_primary_owner"))
    return Caller(user_id, user.get("tz") or None, admin, user.get("locale") or None)


def may_manage(caller: Caller, plan_owner: str | None, admin_user_ids: frozenset[str]) -> bool:
    return caller.is_workspace_admin or caller.user_id in admin_user_ids or (
        plan_owner is not None and caller.user_id == plan_owner
    )
