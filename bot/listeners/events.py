"""Events API: the App Home tab, and its buttons."""

from __future__ import annotations

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from bot.slack import ids
from bot.blocks.home import home_busy_view, home_view
from bot.flows.digests import post_next
from bot.flows.home import gather
from bot.slack.deliveries import delivery_of
from bot.slack.memberships import MemberChannels
from bot.slack.permissions import look_up, may_manage
from bot.slack.posting import ChannelPacer
from bot.context import Services
from store import plans


def publish_home(services: Services, memberships: MemberChannels, client: WebClient, team_id: str,
                 user_id: str) -> None:
    visible = memberships.of(client, team_id, user_id)
    if visible is None:  # Slack could not say which channels are theirs, and no recent answer is kept
        client.views_publish(user_id=user_id, view=home_busy_view())
        return
    caller = look_up(client, user_id)
    is_admin = caller.is_workspace_admin or user_id in services.settings.admin_user_ids
    view = home_view(gather(services, team_id, user_id, caller.timezone, is_admin, set(visible)))
    client.views_publish(user_id=user_id, view=view)


def register(app: App, services: Services, pacer: ChannelPacer | None = None) -> None:
    pacer = pacer or services.pacer
    memberships = MemberChannels(services.clock)  # shared by Home opens and Post next, per (team, viewer)

    @app.event("app_home_opened")
    def on_home_opened(body: dict, event: dict, client: WebClient, context: BoltContext):
        if event.get("tab", "home") != "home":
            return
        services.after_ack(publish_home, services, memberships, client, context.team_id or "", event["user"],
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
            publish_home(services, memberships, client, team_id, user_id)

        services.after_ack(work)
