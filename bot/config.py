"""Settings from the environment (and `.env`), checked once at start.

A wrong setting should stop the process with one line that names the variable, never a traceback
several screens long: `ConfigError` carries that line and `python -m bot` exits with status 2.
Secrets are held here and nowhere else; `Settings.__repr__` never shows them.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dotenv import dotenv_values

from bot.domain.text import is_number
from questions.loader import BUILTIN_DIR

SLACK_API_URL_DEFAULT = "https://slack.com/api/"
LOG_LEVELS = ("CRITICAL", "ERROR", "WARNING", "INFO", "DEBUG")


class ConfigError(Exception):
    """A setting that is missing or malformed; the message names the variable."""


@dataclass(frozen=True)
class Settings:
    bot_token: str | None = field(default=None, repr=False)
    signing_secret: str | None = field(default=None, repr=False)
    app_token: str | None = field(default=None, repr=False)
    client_id: str | None = None
    client_secret: str | None = field(default=None, repr=False)
    slack_api_url: str = SLACK_API_URL_DEFAULT
    database_path: Path = Path("data/bot.db")
    default_tz: str = "UTC"
    content_dir: Path = BUILTIN_DIR
    admin_user_ids: frozenset[str] = frozenset()
    log_level: str = "INFO"
    port: int = 3000
    # how long a workspace's data is kept after it uninstalls the app (0: deleted at once); a reinstall
    # within it keeps everything (store/teams.py)
    uninstall_retention_days: int = 30
    # with Slack's token rotation on, a bot token is refreshed this long before it expires (bot/slack/tokens.py)
    token_refresh_minutes: int = 120
    # `/digest add URL` fetches from loopback and private networks too (off: only public addresses)
    articles_from_private_networks: bool = False

    @property
    def has_slack_tokens(self) -> bool:
        return bool(self.bot_token or self.app_token or self.client_id)

    @property
    def oauth_enabled(self) -> bool:
        return bool(self.client_id and self.client_secret)

    def require_http(self) -> None:
        """HTTP mode needs a signing secret and a bot token (or OAuth)."""
        if not self.signing_secret:
            raise ConfigError("SLACK_SIGNING_SECRET is not set: HTTP mode verifies every request with it")
        if not (self.bot_token or self.oauth_enabled):
            raise ConfigError("SLACK_BOT_TOKEN is not set (or set SLACK_CLIENT_ID and SLACK_CLIENT_SECRET)")

    def require_socket(self) -> None:
        if not self.app_token:
            raise ConfigError("SLACK_APP_TOKEN is not set: Socket Mode needs an app-level token (xapp-...)")
        if not self.app_token.startswith("xapp-"):
            raise ConfigError("SLACK_APP_TOKEN must be an app-level token starting with xapp-")
        if not self.bot_token:
            raise ConfigError("SLACK_BOT_TOKEN is not set: Socket Mode needs the bot token (xoxb-...) too")


def load_settings(environ: dict[str, str] | None = None, env_file: str | Path | None = ".env") -> Settings:
    """Settings from `environ` (default: the process environment) over the values in `env_file`."""
    values: dict[str, str] = {}
    if env_file and Path(env_file).is_file():
        values.update({k: v for k, v in dotenv_values(env_file).items() if v is not None})
    values.update(os.environ if environ is None else environ)

    def get(name: str) -> str | None:
        value = values.get(name, "").strip()
        return value or None

    bot_token = get("SLACK_BOT_TOKEN")
    if bot_token and not bot_token.startswith("xoxb-"):
        raise ConfigError("SLACK_BOT_TOKEN must be a bot token starting with xoxb-")

    api_url = get("SLACK_API_URL") or SLACK_API_URL_DEFAULT
    if not api_url.startswith(("http://", "https://")):
        raise ConfigError(f"SLACK_API_URL must be an http(s) URL, not {api_url!r}")
    if not api_url.endswith("/"):
        api_url += "/"

    default_tz = get("DEFAULT_TZ") or "UTC"
    try:
        ZoneInfo(default_tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"DEFAULT_TZ must be an IANA timezone such as Europe/London, not {default_tz!r}") from None

    log_level = (get("LOG_LEVEL") or "INFO").upper()
    if log_level not in LOG_LEVELS:
        raise ConfigError(f"LOG_LEVEL must be one of {', '.join(LOG_LEVELS)}, not {log_level!r}")

    port_text = get("PORT") or "3000"
    if not is_number(port_text) or not 0 < int(port_text) < 65536:
        raise ConfigError(f"PORT must be a TCP port number, not {port_text!r}")

    admins = get("ADMIN_USER_IDS") or ""
    admin_ids = frozenset(a.strip() for a in admins.split(",") if a.strip())
    bad = [a for a in admin_ids if not a[:1].isalpha() or not a.isalnum() or a.upper() != a]
    if bad:
        raise ConfigError(f"ADMIN_USER_IDS must be comma-separated Slack user ids like U012AB3CD, not {bad[0]!r}")

    content_dir = Path(get("CONTENT_DIR") or BUILTIN_DIR)
    if not content_dir.is_dir():
        raise ConfigError(f"CONTENT_DIR {str(content_dir)!r} is not a directory of content packs")

    retention_text = get("UNINSTALL_RETENTION_DAYS") or "30"
    if not is_number(retention_text):
        raise ConfigError(f"UNINSTALL_RETENTION_DAYS must be a whole number of days (0: delete at once), "
                          f"not {retention_text!r}")

    # Slack's rotating tokens live 12 hours (https://docs.slack.dev/authentication/using-token-rotation)
    refresh_text = get("TOKEN_REFRESH_MINUTES") or "120"
    if not is_number(refresh_text) or not 0 < int(refresh_text) < 720:
        raise ConfigError(f"TOKEN_REFRESH_MINUTES must be minutes between 1 and 719 (a rotated token lives 12 "
                          f"hours), not {refresh_text!r}")

    return Settings(
        bot_token=bot_token,
        signing_secret=get("SLACK_SIGNING_SECRET"),
        app_token=get("SLACK_APP_TOKEN"),
        client_id=get("SLACK_CLIENT_ID"),
        client_secret=get("SLACK_CLIENT_SECRET"),
        slack_api_url=api_url,
        database_path=Path(get("DATABASE_PATH") or "data/bot.db"),
        default_tz=default_tz,
        content_dir=content_dir,
        admin_user_ids=admin_ids,
        log_level=log_level,
        port=int(port_text),
        uninstall_retention_days=int(retention_text),
        token_refresh_minutes=int(refresh_text),
        articles_from_private_networks=(get("ARTICLES_FROM_PRIVATE_NETWORKS") or "").lower() in ("1", "true", "yes"),
    )


LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

# Loggers that say too much at INFO: APScheduler's executor and scheduler log two lines for every run of every
# job ("Running job", "executed successfully"), that is, every second; Bolt's RequestVerification logs the
# whole body of a request that fails verification (bot/web.py refuses those before Bolt sees them, so this
# only guards a request whose 5 minutes run out between the two checks).
QUIET_LOGGERS = ("apscheduler.executors", "apscheduler.scheduler", "slack_bolt.RequestVerification")

# Characters that end a line in a file, a terminal or a log viewer, and terminal escapes: escaped in every
# message, so no text from outside (a request body, a Slack error) can start a line that looks like a record.
_LINE_BREAKING = {c: f"\\x{c:02x}" for c in [*range(0x00, 0x09), *range(0x0a, 0x20), 0x7f, 0x85]}
_LINE_BREAKING |= {0x0a: "\\n", 0x0d: "\\r", 0x2028: "\\u2028", 0x2029: "\\u2029"}


def one_line(text: str) -> str:
    """`text` with CR, LF and the other line-breaking or control characters escaped."""
    return text.translate(_LINE_BREAKING)


class OneLinePerEvent(logging.Formatter):
    """Each record is one line starting with its timestamp. A traceback follows on lines that start with
    "  | ", so a line that starts with a timestamp is always a record of its own, never forged text."""

    def formatMessage(self, record: logging.LogRecord) -> str:
        record.message = one_line(record.message)
        return super().formatMessage(record)

    def formatException(self, ei: Any) -> str:
        return _continuation(super().formatException(ei))

    def formatStack(self, stack_info: str) -> str:
        return _continuation(super().formatStack(stack_info))


def _continuation(text: str) -> str:
    return "\n".join("  | " + one_line(line) for line in text.splitlines())


def configure_logging(level: str) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(OneLinePerEvent(LOG_FORMAT))
    logging.basicConfig(level=level, handlers=[handler])
    for name in QUIET_LOGGERS:
        if logging.getLogger(name).getEffectiveLevel() < logging.WARNING:
            logging.getLogger(name).setLevel(logging.WARNING)
