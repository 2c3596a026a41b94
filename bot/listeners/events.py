"""Events API: the App Home tab, and its buttons."""

from __future__ import annotations

import logging

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot import ids
from bot.blocks.home import home_view
from bot.delivery import post_next
from bot.home import gather
from bot.listeners.delivery import delivery_of
from bot.permissions import look_up, may_manage
from bot.posting import ChannelPacer
from bot.services import Services
from store import plans

log = logging.getLogger(__name__)


def member_channels(client: WebClient, user_id: str) -> set[str]:
    """The channels (public and private) the viewer is in: Home shows nothing from any other channel."""
    channels: set[str] = set()
    try:
        for page in client.users_conversations(user=user_id, types="public_channel,private_channel",
                                               exclude_archived=True, limit=200):
            channels |= {c["id"] for c in page.get("channels", [])}
    except SlackApiError as exc:  # without the scope we cannot tell: show no channel's data at all
        log.warning("users.conversations failed (%s): Home shows no channel data", exc.response.get("error"))
        return set()
    return channels


def publish_home(services: Services, client: WebClient, team_id: str, user_id: str) -> None:
    caller = look_up(client, user_id)
    is_admin = caller.is_workspace_admin or user_id in services.settings.admin_user_ids
    visible = member_channels(client, user_id)
    view = home_view(gather(services, team_id, user_id, caller.timezone, is_admin, visible))
    client.views_publish(user_id=user_id, view=view)


def register(app: App, services: Services, pacer: ChannelPacer | None = None) -> None:
    pacer = pacer or services.pacer

    @app.event("app_home_opened")
    def on_home_opened(body: dict, event: dict, client: WebClient, context: BoltContext):
        if event.get("tab", "home") != "home":
            return
        services.after_ack(publish_home, services, client, context.team_id or "", event["user"],
                           delivery=delivery_of(body, context))

    @app.action(ids.HOME_POST_NEXT)
    def on_post_next(ack: Ack, body: dict, action: dict, client: WebClient, context: BoltContext):
        ack()
        team_id, user_id = context.team_id or "", body["user"]["id"]
        channel_id, _, position = action.get("value", "").partition("|")

        def work():
            plan = plans.get(services.store, team_id, channel_id)
            caller = look_up(client, user_id)
            if plan and may_manage(caller, plan.created_by, services.settings.admin_user_ids):
                # the slot names the position the button showed: a second click for it finds the slot taken
                post_next(services, pacer, team_id, channel_id, slot=f"home:{plan.run}:{position}")
            publish_home(services, client, team_id, user_id)

        services.after_ack(work)
