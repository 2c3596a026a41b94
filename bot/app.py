"""The app factory: settings and services in, a Bolt `App` with every listener registered out."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import App, BoltRequest, BoltResponse
from slack_bolt.authorization.authorize import InstallationStoreAuthorize
from slack_bolt.middleware import Middleware
from slack_bolt.oauth.oauth_settings import OAuthSettings
from slack_sdk import WebClient
from slack_sdk.oauth.token_rotation import TokenRotator

from bot import listeners
from bot.config import Settings
from bot.context import Services, make_client
from bot.flows import lifecycle
from bot.flows import polls as poll_flow
from bot.flows import replies as replies_flow
from bot.flows.quizzes import QuizRunner
from bot.ingest.clicks import journal_directory
from bot.ingest.storage_faults import NotSaved, not_saved_text, reply_not_saved, reply_url
from bot.manifest import BOT_SCOPES  # one list for the OAuth flow and the manifest
from bot.scheduler import clock_timers
from bot.slack.authorize import CachedAuthorize
from bot.slack.matchers import ask_bodies_directly
from bot.slack.tokens import TeamTokens, rotation_due
from questions import load_packs
from store import installations, open_store
from store.db import disk_trouble

log = logging.getLogger(__name__)


def build_services(settings: Settings, **overrides: Any) -> Services:
    """Open the store (applying migrations) and load every content pack; raises StoreError / PackError."""
    store = open_store(settings.database_path)
    packs = load_packs(settings.content_dir)
    overrides.setdefault("journal_dir", journal_directory(settings.database_path))
    services = Services(settings=settings, store=store, packs=packs, **overrides)
    if services.client is None and settings.bot_token:
        services.client = make_client(settings, settings.bot_token)
    return services


def oauth_settings(services: Services) -> OAuthSettings:
    """Installation to many workspaces: Bolt's OAuth flow with slack_sdk's SQLite stores in our database.

    Scheduled jobs find a workspace's token by its team id alone, Enterprise Grid workspaces included, and
    refresh it when Slack's token rotation is on (bot/slack/tokens.py); Bolt does the same for requests. Every
    saved installation (an install, a reinstall, a rotated token) drops the workspace's cached client.
    """
    settings = services.settings
    installs = installations.installation_store(services.store, settings.client_id or "")
    installs.on_saved = lambda installation: lifecycle.on_installation_saved(services, installation)
    rotator = TokenRotator(client_id=settings.client_id or "", client_secret=settings.client_secret or "",
                           client=make_client(settings, None))
    services.token_for_team = TeamTokens(installs, services.store, rotator, settings.token_refresh_minutes)
    return OAuthSettings(
        client_id=settings.client_id,
        client_secret=settings.client_secret,
        scopes=BOT_SCOPES,
        installation_store=installs,
        state_store=installations.state_store(services.store),
        install_path="/slack/install",
        redirect_uri_path="/slack/oauth_redirect",
        token_rotation_expiration_minutes=settings.token_refresh_minutes,
    )


def cached_authorize(services: Services, settings: OAuthSettings, client: WebClient) -> CachedAuthorize:
    """Bolt's authorize (installation look-up, token rotation, `auth.test`) once per workspace, then the
    result from `services.authorizations` until something drops it (bot/slack/authorize.py says what)."""
    assert settings.installation_store is not None
    inner = InstallationStoreAuthorize(
        logger=log, installation_store=settings.installation_store, client_id=settings.client_id,
        client_secret=settings.client_secret, client=client,
        token_rotation_expiration_minutes=settings.token_rotation_expiration_minutes)
    expiry = rotation_due(settings.installation_store, settings.token_rotation_expiration_minutes)  # type: ignore[arg-type]
    return CachedAuthorize(inner, services.authorizations, expiry)


def create_app(services: Services, *, process_before_response: bool = True) -> App:
    """A Bolt app over `services`: single-workspace with the bot token, or OAuth when a client id is set.

    Listeners run on the request's own thread (`process_before_response`): each one only acknowledges and
    hands its Web API work to `services.after_ack`, so the response leaves as soon as the listener returns,
    without a hop through Bolt's thread pool. Token verification is off here because `python -m bot serve`
    checks the token itself (auth.test) to give a one-line error; tests and the console point the client at a
    local stand-in.
    """
    settings = services.settings
    if settings.oauth_enabled:
        # the watch is copied onto the client Bolt makes for each request: a dead token is looked up again
        client = make_client(settings, None, services.token_watch)
        oauth = oauth_settings(services)
        auth: dict[str, Any] = {"oauth_settings": oauth, "client": client,
                                "authorize": cached_authorize(services, oauth, client)}
    else:
        auth = {"client": services.client}
    app = App(
        signing_secret=settings.signing_secret or "unused-in-socket-mode",
        token_verification_enabled=False,
        # every request's signature is checked once, before Bolt parses it, by the endpoint (bot/web.py
        # `signed_by_slack`, which logs nothing of the body); Bolt checking it again cost ~25 µs a request
        request_verification_enabled=False,
        process_before_response=process_before_response,
        ignoring_self_events_enabled=True,
        **auth,
    )
    services.quizzes = QuizRunner(services, services.pacer)  # the one runner: commands, buttons, timers
    services.timers[:] = clock_timers(services)
    services.clicks.on("vote", lambda *click: poll_flow.apply_vote(services, *click))
    services.clicks.on("answer", services.quizzes.apply_answer)
    replies_flow.journal_replies(services)
    answer_disk_trouble(app, services)
    listeners.register(app, services)
    ask_bodies_directly(app)  # after every listener is registered
    services.clicks.recover()  # what a process that died had acknowledged, before this one serves
    return app


class RememberReplyUrl(Middleware):
    """Notes the request's response_url for `answer_disk_trouble`.

    Bolt's `next` only marks the chain as passed: the listener runs after this returns, on this thread, so
    the value is set for the request (and replaced by the next one this thread handles), not reset. A
    `Middleware` subclass, not a function: Bolt inspects a function middleware's parameters on every
    request to inject them, which cost thread replies about 35 µs of a 200 µs acknowledgement
    (`python -m bench.ack_path --profile "thread replies"`)."""

    def process(self, *, req: BoltRequest, resp: BoltResponse, next: Callable[[], BoltResponse]) -> BoltResponse:
        body = req.body
        reply_url.set(body.get("response_url") or "" if isinstance(body, dict) else "")
        return next()


def answer_disk_trouble(app: App, services: Services) -> None:
    """A request whose write the disk refused is answered "not saved, try again", never with silence.

    The middleware notes the request's response_url, which `after_ack` keeps with the work it holds (the
    write of a `/digest schedule` happens after the acknowledgement). The error handler answers a listener
    that failed on the acknowledgement path: a slash command in its acknowledgement, anything else through
    its response_url. An Events API delivery has nobody to tell, so it is answered 503, not acknowledged:
    Slack delivers it again (after about a minute, then five; https://docs.slack.dev/apis/events-api/
    #retries), and its `event_id` claim keeps the copy that gets through from counting twice. Any other
    error is Bolt's default (logged, 500).
    """

    app.middleware(RememberReplyUrl())

    @app.error
    def on_error(error: Exception, body: dict[str, Any]) -> BoltResponse | None:
        if not (isinstance(error, NotSaved) or disk_trouble(error)):
            log.error("a listener failed", exc_info=error)
            return None
        services.clicks.trouble.report(str(services.store.path), str(error))
        if isinstance(body, dict) and body.get("type") == "event_callback":
            return BoltResponse(status=503, body="")
        if isinstance(body, dict) and "command" in body:
            return BoltResponse(status=200, body={"response_type": "ephemeral", "text": not_saved_text()})
        url = body.get("response_url") or "" if isinstance(body, dict) else ""
        if url:
            services.after_ack(reply_not_saved, url)
        return BoltResponse(status=200, body="")
