"""Start-up shared by every way of running the bot: check settings, token, database and packs, then build.

Everything that can be wrong with a deployment is found here, before a port is opened, and reported as
one `ConfigError` line naming what to fix.
"""

from __future__ import annotations

import gc
import logging
from typing import Any

from slack_bolt import App
from slack_sdk.errors import SlackApiError

from bot.app import build_services, create_app
from bot.config import ConfigError, Settings
from bot.context import Services, make_client
from bot.scheduler import DigestScheduler
from questions import PackError, load_packs
from store import StoreError, identity, journal, open_store

log = logging.getLogger(__name__)

REJECTED_TOKEN_ERRORS = {"invalid_auth", "not_authed", "token_revoked", "account_inactive", "token_expired"}


def verify_bot_token(settings: Settings) -> dict[str, Any]:
    """auth.test with the bot token; a token Slack rejects becomes a ConfigError naming SLACK_BOT_TOKEN."""
    try:
        answer = make_client(settings, settings.bot_token).auth_test().data
    except SlackApiError as exc:
        code = exc.response.get("error") if isinstance(exc.response.data, dict) else None
        if code in REJECTED_TOKEN_ERRORS:
            raise ConfigError(f"SLACK_BOT_TOKEN was rejected by Slack ({code}): "
                              "copy the Bot User OAuth Token again") from None
        raise ConfigError("SLACK_BOT_TOKEN could not be checked: "
                          f"Slack answered {code or exc.response.status_code}") from None
    except OSError as exc:
        raise ConfigError(f"cannot reach Slack at SLACK_API_URL={settings.slack_api_url} "
                          f"({type(exc).__name__})") from None
    if not isinstance(answer, dict):  # slack_sdk hands back bytes only for a body that is not JSON
        raise ConfigError("SLACK_BOT_TOKEN could not be checked: "
                          f"SLACK_API_URL={settings.slack_api_url} did not answer JSON")
    return answer


def check(settings: Settings) -> None:
    """Everything `prepare` checks (token, database, packs), without building services or threads."""
    if settings.bot_token:
        verify_bot_token(settings)
    try:
        identity.refuse_if_gone(settings.database_path)
        open_store(settings.database_path).close()
        load_packs(settings.content_dir)
    except StoreError as exc:
        raise ConfigError(f"DATABASE_PATH: {exc}") from None
    except PackError as exc:
        raise ConfigError(_pack_problem(exc)) from None


def _pack_problem(exc: PackError) -> str:
    first = exc.problems[0]
    more = f" (and {len(exc.problems) - 1} more; run `python -m bot validate`)" if len(exc.problems) > 1 else ""
    return f"CONTENT_DIR: a content pack does not load: {first}{more}"


def prepare(settings: Settings, *, check_token: bool = True, **overrides: Any) -> Services:
    if check_token and settings.bot_token:
        verify_bot_token(settings)
    try:
        identity.refuse_if_gone(settings.database_path)
        services = build_services(settings, **overrides)
        identity.remember(settings.database_path, journal.database_id(services.store).id)
        return services
    except StoreError as exc:
        raise ConfigError(f"DATABASE_PATH: {exc}") from None
    except PackError as exc:
        raise ConfigError(_pack_problem(exc)) from None


def start(services: Services, *, scheduler: bool = True,
          freeze: bool = False) -> tuple[App, DigestScheduler | None]:
    """The Bolt app, with the digest scheduler running beside it (returned so callers can stop it).

    `freeze` (serving processes only, see `freeze_startup_heap`) freezes the heap once everything is
    built and before the scheduler's threads start, so no job's temporaries are frozen with it."""
    app = create_app(services)
    digest_scheduler = None
    if scheduler:
        digest_scheduler = DigestScheduler(services)
        services.on_plan_change = digest_scheduler.sync
    if freeze:
        freeze_startup_heap()
    if digest_scheduler is not None:
        digest_scheduler.start()
    return app, digest_scheduler


def freeze_startup_heap() -> None:
    """Take what start-up built (modules, packs, the Bolt app: about 70,000 objects) out of the cyclic
    garbage collector's walks, for a serving process once it is ready.

    They live as long as the process. Left in, every full collection walks them all, 35–50 ms with every
    thread stopped, and a full collection is set off by allocations, which a burst of requests makes:
    measured in the benchmark, the pauses landed inside bursts and cost `/digest next` about a tenth of
    its throughput. Frozen, a full collection walks the objects made since, in 6–9 ms. Only the serving
    entry points ask for it (`start(..., freeze=True)`); tests build and drop apps by the hundred and must
    not freeze them.
    """
    gc.collect()
    gc.freeze()
