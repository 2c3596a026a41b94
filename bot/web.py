"""HTTP mode: the WSGI application gunicorn serves (Procfile `web:`).

`/slack/events` goes to Bolt's WSGI adapter; `/healthz` answers 200 for load balancers and for
measuring cold start.
"""

from __future__ import annotations

import logging
import sys

from slack_bolt.adapter.wsgi import SlackRequestHandler

from bot.config import ConfigError, configure_logging, load_settings
from bot.runtime import prepare, start

log = logging.getLogger(__name__)


def wsgi_app_for(bolt_handler: SlackRequestHandler):
    def application(environ, start_response):
        if environ.get("PATH_INFO") == "/healthz":
            start_response("200 OK", [("Content-Type", "text/plain")])
            return [b"ok"]
        return bolt_handler(environ, start_response)

    return application


def create_wsgi_app(check_token: bool = True):
    """Gunicorn's entry point (`bot.web:create_wsgi_app()`): settings, services, scheduler, WSGI app."""
    try:
        settings = load_settings()
        configure_logging(settings.log_level)
        settings.require_http()
        services = prepare(settings, check_token=check_token)
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
    app, _scheduler = start(services)
    return wsgi_app_for(SlackRequestHandler(app))
