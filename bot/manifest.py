"""The app manifest, from one place: the slash commands, bot scopes, bot events and features Slack is told of.

`python -m bot manifest` prints the Socket Mode manifest (the repository's `manifest.json`, for a
single-workspace install); `python -m bot manifest --http https://HOST` prints the one for HTTP and OAuth
distribution, with a request URL for events, interactivity and each slash command and the OAuth redirect
URL. The OAuth flow (`bot.app.oauth_settings`) asks for `BOT_SCOPES` from here, so the scopes an install
grants and the scopes the manifest declares cannot disagree.

Field names and meanings: Slack's app manifest reference, https://docs.slack.dev/reference/app-manifest
(`settings.event_subscriptions.request_url`, `settings.interactivity.request_url`,
`features.slash_commands[].url`, `oauth_config.redirect_urls`, `features.app_home.messages_tab_*`), and
the schema Slack publishes for it, slackapi/manifest-schema (schemas/manifest.schema.1.0.0.json).
"""

from __future__ import annotations

import urllib.parse
from typing import Any

# Where Bolt listens (bot/web.py hands every path to Bolt; bot/app.py names the OAuth paths)
EVENTS_PATH = "/slack/events"
OAUTH_REDIRECT_PATH = "/slack/oauth_redirect"

NAME = "Article Circle"

SLASH_COMMANDS: list[dict[str, Any]] = [
    {"command": "/digest", "description": "Post, show or schedule the article's sections",
     "usage_hint": "help | next | show N | list | articles | read ID | add URL | schedule weekdays 09:30"},
    {"command": "/quiz", "description": "Run a quick quiz on the article's key figures",
     "usage_hint": "[N] | section N | scores | stop | help"},
    {"command": "/discuss", "description": "Poll the team on the article's closing questions",
     "usage_hint": "[N] | results [N] | close N | export | help"},
]

# Each bot scope, and the Web API methods (slack_sdk's method names) or feature that need it. Scopes per
# method from each method's reference page (https://docs.slack.dev/reference/methods/<method>).
SCOPE_USES: dict[str, tuple[str, ...]] = {
    "commands": ("slash commands",),
    "chat:write": ("chat_postMessage", "chat_update", "chat_postEphemeral"),
    "users:read": ("users_info",),
    "channels:join": ("conversations_join",),
    # users.conversations lists public channels with channels:read and private ones with groups:read:
    # App Home shows only the channels the viewer is in
    "channels:read": ("users_conversations",),
    "groups:read": ("users_conversations",),
    "files:write": ("files_getUploadURLExternal", "files_completeUploadExternal"),  # the export upload
    "im:write": ("conversations_open",),
    # conversations.history in a public / private channel: finding a post whose answer from Slack was lost;
    # and the message.channels / message.groups events: replies in the app's own threads
    "channels:history": ("conversations_history", "event:message"),
    "groups:history": ("conversations_history", "event:message"),
    # reaction_added / reaction_removed to replies in the app's threads (the most reacted reply)
    "reactions:read": ("event:reaction_added", "event:reaction_removed"),
}
BOT_SCOPES: list[str] = list(SCOPE_USES)

# None of these needs a scope of its own: https://docs.slack.dev/reference/events/app_home_opened,
# .../app_uninstalled and .../tokens_revoked list no required scopes.
# message.channels / message.groups need channels:history / groups:history, reaction_added / reaction_removed
# need reactions:read (https://docs.slack.dev/reference/events/message, .../reaction_added).
BOT_EVENTS: list[str] = ["app_home_opened", "app_uninstalled", "tokens_revoked", "message.channels", "message.groups",
                         "reaction_added", "reaction_removed"]

# The app writes to people directly (pause notices, the export), so its Messages tab is on; it reads no
# direct messages, so the tab is read-only (users cannot type into it).
APP_HOME: dict[str, bool] = {
    "home_tab_enabled": True,
    "messages_tab_enabled": True,
    "messages_tab_read_only_enabled": True,
}


def build(http_origin: str | None = None) -> dict[str, Any]:
    """The manifest: Socket Mode without an origin; HTTP request URLs and OAuth redirect under `http_origin`."""
    events_url = f"{http_origin}{EVENTS_PATH}" if http_origin else None
    commands = []
    for command in SLASH_COMMANDS:
        entry = dict(command)
        if events_url:
            entry["url"] = events_url
        entry["should_escape"] = False
        commands.append(entry)
    event_subscriptions: dict[str, Any] = {"bot_events": list(BOT_EVENTS)}
    interactivity: dict[str, Any] = {"is_enabled": True}
    oauth_config: dict[str, Any] = {"scopes": {"bot": list(BOT_SCOPES)}}
    if events_url:
        event_subscriptions = {"request_url": events_url, **event_subscriptions}
        interactivity["request_url"] = events_url
        oauth_config = {"redirect_urls": [f"{http_origin}{OAUTH_REDIRECT_PATH}"], **oauth_config}
    return {
        "_metadata": {"major_version": 1, "minor_version": 1},
        "display_information": {
            "name": NAME,
            "description": "Read an article together: daily digests, quick quizzes and team polls.",
            "long_description": (
                "Article Circle walks a channel through an article one section at a time on the schedule you "
                "set, runs two-minute quizzes on its key figures with a leaderboard, and polls the team on the "
                "questions it leaves open. Every vote, answer and comment is kept, and admins can export them."),
            "background_color": "#2c2d30",
        },
        "features": {
            "app_home": dict(APP_HOME),
            "bot_user": {"display_name": NAME, "always_online": True},
            "slash_commands": commands,
        },
        "oauth_config": oauth_config,
        "settings": {
            "event_subscriptions": event_subscriptions,
            "interactivity": interactivity,
            "org_deploy_enabled": False,
            "socket_mode_enabled": http_origin is None,
            "token_rotation_enabled": False,
        },
    }


def https_origin(url: str) -> str:
    """`https://host[:port]` from what the operator typed; ValueError for anything else.

    HTTPS only: Slack posts signed requests and the OAuth redirect carries the install's code, neither of
    which should cross the internet in the clear. A path is refused rather than guessed at.
    """
    parts = urllib.parse.urlsplit(url.strip())
    if parts.scheme != "https" or not parts.hostname:
        raise ValueError(f"--http wants the app's public origin, e.g. https://circle.example.com (got {url!r})")
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise ValueError(f"--http wants an origin without a path: https://{parts.netloc} (got {url!r})")
    return f"https://{parts.netloc}"
