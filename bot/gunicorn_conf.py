"""gunicorn settings for HTTP mode (Procfile `web:`): one worker with threads, on $PORT.

One worker because the scheduler lives in the process and SQLite prefers one writer process; threads
because listeners spend their time waiting on Slack. `on_starting` runs the start-up checks in the
master, so a bad setting stops gunicorn with exit status 2 and one line, before any worker boots.
"""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from gunicorn.arbiter import Arbiter
    from gunicorn.workers.base import Worker


def _port() -> int:
    """PORT as the settings read it ($PORT, else .env); a bad value is reported by `on_starting`."""
    from bot.config import ConfigError, load_settings

    try:
        return load_settings().port
    except ConfigError:
        return 3000


bind = f"0.0.0.0:{_port()}"
workers = 1
threads = int(os.environ.get("WEB_THREADS", "8"))
timeout = 30
accesslog = None


def on_starting(server: Arbiter) -> None:
    from bot.config import ConfigError, load_settings
    from bot.startup import check

    try:
        settings = load_settings()
        settings.require_http()
        check(settings)  # token, database and packs; no threads are started in the master
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(2)


def worker_exit(server: Arbiter, worker: Worker) -> None:
    from bot.web import shutdown

    shutdown()
