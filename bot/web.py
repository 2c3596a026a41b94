"""HTTP mode: the WSGI application bot/server.py serves with waitress (Procfile `web:`).

`/slack/events` goes to Bolt's WSGI adapter; `/healthz` answers 200 for load balancers and for
measuring cold start. A body over `MAX_BODY_BYTES` is refused with 413 before it is read, and a body
without a valid Slack signature with 401 before anything parses or logs it.
"""

from __future__ import annotations

import io
import json
import logging
import sys
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, parse_qsl
from wsgiref.types import StartResponse, WSGIApplication, WSGIEnvironment

from slack_bolt import BoltContext, BoltRequest, BoltResponse
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_bolt.adapter.wsgi.http_request import WsgiHttpRequest
from slack_bolt.request.internals import build_context
from slack_sdk.signature import SignatureVerifier

from bot.config import ConfigError, configure_logging, load_settings
from bot.ingest.ack_first import AckFirst
from bot.startup import prepare, start

if TYPE_CHECKING:
    from _typeshed import OptExcInfo

    from bot.context import Services
    from bot.scheduler import DigestScheduler

log = logging.getLogger(__name__)

# The largest request Slack sends us is an interaction from a modal: it carries the whole view (at most 100
# blocks, https://docs.slack.dev/reference/block-kit/blocks) and its state. 100 input blocks, each with a
# 2,000-character label and a plain_text_input filled to its 3,000 characters
# (https://docs.slack.dev/reference/block-kit/blocks/input-block, .../block-elements/plain-text-input-element),
# form-encoded, come to about 0.6 MB (tests/test_hostile_requests.py builds it); our own modals hold one input
# of at most 1,000 characters. 1 MiB takes all of that, and refuses a 100 MB body before a byte of it is read.
MAX_BODY_BYTES = 1 << 20


class _TooLarge(Exception):
    """The body is over MAX_BODY_BYTES (or says it is)."""


class _BadLength(Exception):
    """Content-Length is not a number of bytes."""


def read_body(environ: WSGIEnvironment) -> bytes:
    """The request body, read only if it fits: Content-Length is checked before reading; a body of unknown
    length (chunked, on a server that ends the input for us: `wsgi.input_terminated`) is read up to the cap."""
    declared = environ.get("CONTENT_LENGTH") or ""
    if declared.strip():
        if not declared.strip().isdigit():
            raise _BadLength(declared)
        length = int(declared)
        if length > MAX_BODY_BYTES:
            raise _TooLarge()
        return environ["wsgi.input"].read(length) if length else b""
    if environ.get("wsgi.input_terminated") or "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower():
        raw = environ["wsgi.input"].read(MAX_BODY_BYTES + 1)
        if len(raw) > MAX_BODY_BYTES:
            raise _TooLarge()
        return raw
    return b""  # no length and no chunking: HTTP/1.1 says the body is empty


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
            payload = parse_qs(text, keep_blank_values=True).get("payload")
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


# -- what the listeners read of a payload, checked on the body Bolt parsed, before any listener runs -----------
# Slack's payload references: https://docs.slack.dev/reference/interaction-payloads/block_actions-payload,
# https://docs.slack.dev/reference/interaction-payloads/view-interactions-payload,
# https://docs.slack.dev/reference/events/app_home_opened
_INTERACTIONS = ("block_actions", "view_submission", "view_closed", "shortcut", "message_action")


def _is_str(value: object) -> bool:
    return isinstance(value, str)


def _has_id(value: object) -> bool:
    return isinstance(value, dict) and _is_str(value.get("id"))


def _optional(body: dict[str, Any], key: str, check: Callable[[Any], bool]) -> bool:
    return key not in body or body[key] is None or check(body[key])


def _view_problem(view: object) -> str | None:
    if not isinstance(view, dict):
        return "view is not an object"
    if not all(_optional(view, k, _is_str) for k in ("id", "hash", "callback_id", "private_metadata")):
        return "a view field is not a string"
    state = view.get("state")
    values = state.get("values") if isinstance(state, dict) else None
    if not isinstance(values, dict) or not all(isinstance(block, dict) for block in values.values()):
        return "view.state.values is not an object of blocks"
    for block in values.values():
        for element in block.values():
            if not isinstance(element, dict) or not _optional(element, "value", _is_str):
                return "an input's state is not an object with a string value"
    return None


def shape_problem(body: object) -> str | None:
    """What makes a parsed body unfit for the listeners (each indexes into it as Slack shapes it), or None.

    A few dictionary lookups per request, on the body Bolt has already parsed: no second parse.
    """
    if not isinstance(body, dict):
        return "not an object"
    kind = body.get("type")
    if "command" in body:
        return None if all(_is_str(body.get(k)) for k in ("command", "user_id", "channel_id")) else \
            "a slash command without its user or channel"
    if not _is_str(kind):
        return "no type"
    if kind == "event_callback":
        event = body.get("event")
        if not isinstance(event, dict) or not _is_str(event.get("type")):
            return "event is not an object with a type"
        if event["type"] == "app_home_opened" and not (
                _is_str(event.get("user")) and _optional(event, "view", lambda v: isinstance(v, dict))):
            return "app_home_opened without a user, or with a view that is not an object"
        return None
    if kind not in _INTERACTIONS:
        return None  # url_verification and the like: Bolt answers them
    if not _has_id(body.get("user")):
        return "no user id"
    if not (_optional(body, "team", _has_id) and _optional(body, "channel", _has_id)
            and _optional(body, "container", lambda c: isinstance(c, dict))
            and _optional(body, "message", lambda m: isinstance(m, dict))
            and all(_optional(body, k, _is_str) for k in ("trigger_id", "response_url"))):
        return "team, channel, container, message, trigger_id or response_url of the wrong type"
    if kind != "view_closed" and kind != "message_action" and not _is_str(body.get("trigger_id")):
        return "no trigger_id"
    if "view" in body or kind == "view_submission":
        problem = _view_problem(body.get("view"))
        if problem:
            return problem
    if kind == "block_actions":
        actions = body.get("actions")
        if not isinstance(actions, list) or not actions:
            return "no actions"
        for action in actions:
            if not isinstance(action, dict) or not _is_str(action.get("action_id")):
                return "an action without an action_id"
            if not all(_optional(action, k, _is_str) for k in ("block_id", "value")):
                return "an action's block_id or value is not a string"
    return None


class CheckedRequestHandler(SlackRequestHandler):
    """Bolt's WSGI adapter, refusing a payload the listeners could not read (400) before dispatching it."""

    def dispatch(self, request: WsgiHttpRequest) -> BoltResponse:
        raw = request.get_body()
        bolt_request = BoltRequest(body=raw, query=request.query_string, headers=request.get_headers())
        if not bolt_request.body and raw and not raw.startswith("{"):
            _read_as_form(bolt_request, raw)
        problem = shape_problem(bolt_request.body) if raw else None
        if problem is not None:
            log.info("malformed request refused: %s", problem)
            return BoltResponse(status=400, body="malformed request")
        return self.app.dispatch(bolt_request)


def _read_as_form(bolt_request: BoltRequest, raw: str) -> None:
    """Bolt takes any form body with the word "payload" in it for an interaction (`"payload" in body`, in
    slack_bolt.request.internals.parse_body) and, finding no `payload=` field, reads it as empty: a slash
    command whose text says "payload" would be answered 404. Such a body is read as the form it is."""
    form = dict(parse_qsl(raw, keep_blank_values=True))
    if form and "payload" not in form:
        bolt_request.body = form
        bolt_request.context = build_context(BoltContext({}), form)


def signed_by_slack(verifier: SignatureVerifier, raw: bytes, environ: WSGIEnvironment) -> bool:
    """Whether the body carries Slack's signature, made within the last 5 minutes
    (https://docs.slack.dev/authentication/verifying-requests-from-slack).

    Checked here, before Bolt: Bolt parses a body before verifying it, logs the whole body of a request that
    fails (user text, live response_urls, and any newline in it), and a timestamp that is not a number makes
    slack_sdk raise (a 500 with a traceback). Here a failure is a 401 and one log line with neither.
    """
    timestamp = environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP", "")
    signature = environ.get("HTTP_X_SLACK_SIGNATURE", "")
    if not (timestamp.isascii() and timestamp.isdigit() and len(timestamp) < 16 and signature):
        return False
    return verifier.is_valid(raw, timestamp, signature)


def _ssl_check(raw: bytes) -> bool:
    """Slack's SSL certificate check (`ssl_check=1`), which Bolt answers before verifying anything."""
    return len(raw) < 1024 and parse_qs(raw.decode("utf-8", "replace")).get("ssl_check") == ["1"]


def wsgi_app_for(bolt_handler: SlackRequestHandler, acks: AckFirst,
                 signing_secret: str | None = None) -> WSGIApplication:
    """The WSGI app: /healthz, and Bolt at /slack/events; 413 for a body over the limit, 401 for one Slack did
    not sign, 400 for a malformed one, never a 500 for what a request holds.

    `acks` counts the requests being handled, so the work after acknowledgements waits for a gap.

    A body that parses is checked for the shape the listeners read on the body Bolt parsed
    (`CheckedRequestHandler`), so the common path parses once. A body Bolt cannot parse at all makes it
    answer 500 (or raise); only then is it parsed again here (`well_formed`) to tell that from a bug.

    `signing_secret` defaults to the one the Bolt app was built with.
    """
    verifier = SignatureVerifier(signing_secret or bolt_handler.app._signing_secret)
    if not isinstance(bolt_handler, CheckedRequestHandler):
        bolt_handler = CheckedRequestHandler(bolt_handler.app, bolt_handler.path)

    def application(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == "/healthz":
            start_response("200 OK", [("Content-Type", "text/plain")])
            return [b"ok"]
        raw = b""
        if environ.get("REQUEST_METHOD") == "POST":
            try:
                raw = read_body(environ)
            except _TooLarge:
                start_response("413 Content Too Large", [("Content-Type", "text/plain")])
                return [b"request body too large"]
            except _BadLength:
                start_response("400 Bad Request", [("Content-Type", "text/plain")])
                return [b"bad Content-Length"]
            if not signed_by_slack(verifier, raw, environ) and not _ssl_check(raw):
                log.info("request without a valid Slack signature refused (%d bytes)", len(raw))
                start_response("401 Unauthorized", [("Content-Type", "application/json")])
                return [b'{"error":"invalid request"}']
            environ["wsgi.input"] = io.BytesIO(raw)
            environ["CONTENT_LENGTH"] = str(len(raw))  # what Bolt's adapter reads
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
    return wsgi_app_for(SlackRequestHandler(app), services.acks, settings.signing_secret)


# the services and scheduler this worker started, for `shutdown`
_running: list[tuple[Services, DigestScheduler | None]] = []


def shutdown(timeout: float = 20.0) -> None:
    """On a graceful stop (bot/server.py, on SIGTERM): no new timers, then let queued Slack work finish."""
    for services, scheduler in _running:
        if scheduler is not None:
            scheduler.shutdown()
        services.stop(timeout)
