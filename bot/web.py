"""HTTP mode: the WSGI application gunicorn serves (Procfile `web:`).

`/slack/events` goes to Bolt's WSGI adapter; `/healthz` answers 200 for load balancers and for
measuring cold start.
"""

from __future__ import annotations

import io
import json
import logging
import sys
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs
from wsgiref.types import StartResponse, WSGIApplication, WSGIEnvironment

from slack_bolt.adapter.wsgi import SlackRequestHandler

from bot.config import ConfigError, configure_logging, load_settings
from bot.ingest.ack_first import AckFirst
from bot.startup import prepare, start

if TYPE_CHECKING:
    from _typeshed import OptExcInfo

    from bot.context import Services
    from bot.scheduler import DigestScheduler

log = logging.getLogger(__name__)


# Fields that, when present, Bolt indexes into without checking their type.
_SHAPES: dict[str, type | tuple[type, ...]] = {
    "actions": list, "event": dict, "view": dict, "container": dict, "team": (dict, str, type(None)),
    "user": (dict, str), "channel": (dict, str, type(None)), "message": dict}


def well_formed(raw: bytes, content_type: str) -> bool:
    """Whether a body has the shape every Slack request has, so Bolt can never crash parsing it."""
    if not raw:
        return True  # Bolt answers an empty body itself (404)
    try:
        text = raw.decode("utf-8")
        if "json" in content_type:
            data = json.loads(text)
        else:
            payload = parse_qs(text).get("payload")
            if payload is None:
                return True  # a slash command: plain form fields
            data = json.loads(payload[0])
    except (UnicodeDecodeError, ValueError):
        return False
    if not isinstance(data, dict):
        return False
    if not all(isinstance(data[k], t) for k, t in _SHAPES.items() if k in data):
        return False
    return all(isinstance(a, dict) for a in data.get("actions", []))


def wsgi_app_for(bolt_handler: SlackRequestHandler, acks: AckFirst) -> WSGIApplication:
    """The WSGI app: /healthz, and Bolt at /slack/events with malformed bodies answered 400, not 500.

    `acks` counts the requests being handled, so the work after acknowledgements waits for a gap.

    Bolt parses a body before checking it, and a body of the wrong shape makes it answer 500 (or raise).
    Checking every body up front would cost each request a second parse, so the shape is only checked
    when Bolt failed: the common path pays nothing.
    """

    def application(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == "/healthz":
            start_response("200 OK", [("Content-Type", "text/plain")])
            return [b"ok"]
        raw = b""
        if environ.get("REQUEST_METHOD") == "POST":
            length = int(environ.get("CONTENT_LENGTH") or 0)
            raw = environ["wsgi.input"].read(length) if length else b""
            environ["wsgi.input"] = io.BytesIO(raw)
        seen: list[Any] = []  # [status, headers] once Bolt has started its response

        def capture(status: str, headers: list[tuple[str, str]],
                    exc_info: OptExcInfo | None = None) -> Callable[[bytes], object]:
            seen[:] = [status, headers]
            return _no_write

        acks.arrived()
        try:
            body = bolt_handler(environ, capture)
        except (ValueError, TypeError, AttributeError, KeyError):
            body, seen[:] = None, ["500 Internal Server Error", []]
        finally:
            acks.left()
        if seen[0].startswith("500") and not well_formed(raw, environ.get("CONTENT_TYPE", "")):
            log.info("malformed request body refused")
            start_response("400 Bad Request", [("Content-Type", "text/plain")])
            return [b"malformed request"]
        if body is None:
            raise RuntimeError("Bolt failed on a well-formed request")
        start_response(*seen)
        return body

    return application


def _no_write(data: bytes) -> None:
    raise RuntimeError("Bolt's WSGI adapter returns its body; it never writes through start_response")


def create_wsgi_app(check_token: bool = True) -> WSGIApplication:
    """Gunicorn's entry point (`bot.web:create_wsgi_app()`): settings, services, scheduler, WSGI app."""
    try:
        settings = load_settings()
        configure_logging(settings.log_level)
        settings.require_http()
        services = prepare(settings, check_token=check_token)
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
    app, scheduler = start(services, freeze=True)
    _running.append((services, scheduler))
    return wsgi_app_for(SlackRequestHandler(app), services.acks)


# the services and scheduler this worker started, for `shutdown`
_running: list[tuple[Services, DigestScheduler | None]] = []


def shutdown(timeout: float = 20.0) -> None:
    """On a graceful stop (gunicorn's worker_exit): no new timers, then let queued Slack work finish."""
    for services, scheduler in _running:
        if scheduler is not None:
            scheduler.shutdown()
        services.stop(timeout)
