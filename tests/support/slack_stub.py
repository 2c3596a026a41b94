"""A local stand-in for Slack's Web API (``https://slack.com/api/``).

Point a real ``slack_sdk.WebClient(base_url=stub.base_url, token=...)`` at it. It records each call,
answers with realistic responses shaped after Slack's own samples (java-slack-sdk json-logs), checks
method names and required parameters against Slack's OpenAPI spec, and lets a test override any
method's answer (errors, HTTP 429/500, slow replies).

    with SlackStub() as stub:
        client = WebClient(base_url=stub.base_url, token="xoxb-test")
        client.chat_postMessage(channel="C1", text="hi")
        [call] = stub.wait_for("chat.postMessage")
        assert call.params["text"] == "hi"

Everything runs on 127.0.0.1 with an ephemeral port; nothing reaches the internet.
"""

from __future__ import annotations

import email.parser
import email.policy
import functools
import itertools
import json
import socket
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

from . import slack_rules
from .paths import JAVA_SAMPLES, WEB_API_SPEC, load_json, sample_path

TEAM_ID = "T0001"
TEAM_NAME = "Test Team"
TEAM_DOMAIN = "test-team"
BOT_USER_ID = "UBOT"
BOT_ID = "B0001"
APP_ID = "A0001"
DEFAULT_TZ = "America/New_York"

# Form fields that carry JSON text; decoded into Python objects in Call.params (raw kept in raw_params).
JSON_FIELDS = frozenset(
    {"blocks", "attachments", "view", "files", "metadata", "unfurls", "user_auth_blocks", "prompts", "chunks"}
)

# Methods newer than the 2020 OpenAPI spec, each with the java-slack-sdk sample that shows Slack serves it.
NEWER_METHODS_EVIDENCE: dict[str, tuple[str, ...]] = {
    m: JAVA_SAMPLES + ("api", f"{m}.json")
    for m in (
        "files.getUploadURLExternal",
        "files.completeUploadExternal",
        "apps.connections.open",
        "assistant.threads.setStatus",
        "assistant.threads.setSuggestedPrompts",
        "assistant.threads.setTitle",
        "chat.startStream",
        "chat.appendStream",
        "chat.stopStream",
    )
}

# Methods whose required parameters (per the spec) are checked on every call.
REQUIRED_PARAM_CHECKED = ("chat.postMessage", "chat.update", "views.open", "views.publish", "chat.postEphemeral",
                          "chat.getPermalink")

# Methods whose message or view Slack checks before taking it (tests/support/slack_rules.py), by surface.
MESSAGE_METHODS = frozenset({"chat.postMessage", "chat.update", "chat.postEphemeral", "chat.scheduleMessage"})
VIEW_METHODS = {"views.open": slack_rules.MODAL, "views.push": slack_rules.MODAL, "views.update": slack_rules.MODAL,
                "views.publish": slack_rules.HOME}

# Methods that authenticate with client credentials rather than a token.
NO_TOKEN_METHODS = frozenset({"oauth.v2.access", "oauth.access", "oauth.v2.exchange", "api.test"})


@dataclass
class Call:
    """One request the stub received. ``headers`` keys are lower-cased."""

    method: str
    params: dict[str, Any]
    headers: dict[str, str]
    at: float  # time.monotonic() on arrival
    http_method: str = "POST"
    raw_params: dict[str, Any] = field(default_factory=dict)
    body: bytes = b""
    status: int | None = None  # HTTP status answered (None while the answer is pending)
    response: dict[str, Any] | None = None

    @property
    def token(self) -> str | None:
        auth = self.headers.get("authorization", "")
        if auth.lower().startswith("bearer "):
            return auth[7:].strip()
        tok = self.params.get("token")
        return tok if isinstance(tok, str) else None


Responder = Callable[[Call], tuple[int, dict[str, str], dict[str, Any]]]


@dataclass
class _Override:
    responder: Responder
    remaining: int | None


@functools.lru_cache(maxsize=1)
def _spec_paths() -> dict[str, dict[str, Any]]:
    return load_json(*WEB_API_SPEC)["paths"]


def spec_methods() -> frozenset:
    return frozenset(p.lstrip("/") for p in _spec_paths())


def required_params(method: str) -> list[str]:
    """Parameters the OpenAPI spec marks ``required: true`` for ``method`` (token excluded)."""
    op = _spec_paths().get("/" + method) or {}
    names: list[str] = []
    for verb in op.values():
        for p in verb.get("parameters", []):
            if p.get("required") and p["name"] != "token" and p["name"] not in names:
                names.append(p["name"])
    return names


def delayed(seconds: float, body: dict[str, Any] | None = None, *, release: threading.Event | None = None,
            status: int = 200, headers: dict[str, str] | None = None,
            then: Callable[[Call], dict[str, Any]] | None = None) -> Responder:
    """A responder that simulates network latency: waits ``seconds`` (or until ``release`` is set) then answers.

    ``then(call)`` computes the body instead of a fixed ``body`` (e.g. ``stub.default_response``).
    """
    gate = release or threading.Event()

    def responder(call: Call):
        gate.wait(seconds)
        payload = then(call) if then else (body if body is not None else {"ok": True})
        return status, dict(headers or {}), payload

    return responder


class SlackStub:
    """Threaded HTTP server standing in for Slack's Web API. See module docstring."""

    def __init__(self, *, clock: Callable[[], float] = time.monotonic, require_token: bool = True):
        self.clock = clock
        self.require_token = require_token
        self._cond = threading.Condition()
        self._calls: list[Call] = []
        self._overrides: dict[str, list[_Override]] = {}
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.unknown_methods: list[str] = []
        self.spec_violations: list[str] = []
        self.users: dict[str, dict[str, Any]] = {}
        # users.conversations: the channels each user is in (a user not listed is in none)
        self.memberships: dict[str, list[str]] = {}
        self.channels: dict[str, dict[str, Any]] = {}
        self.auth: dict[str, Any] = {}  # merged into auth.test answers
        self.oauth_scope = "chat:write,commands,users:read,channels:read,channels:join,files:write"
        self.uploads: dict[str, dict[str, Any]] = {}  # file_id -> {filename, length, content, ...}
        self.messages: dict[tuple[str, str], dict[str, Any]] = {}  # (channel, ts) -> message as posted/updated
        self.views: dict[str, dict[str, Any]] = {}  # view id -> last view answered
        self.home_views: dict[str, dict[str, Any]] = {}  # user id -> last published home view
        self._ts_counter = itertools.count(1)
        self._view_counter = itertools.count(1)
        self._file_counter = itertools.count(1)
        self._token_counter = itertools.count(1)
        self.response_posts: list[Call] = []  # POSTs to URLs from response_url(); method = the URL's name
        self._response_counter = itertools.count(1)
        self._rate_limit: tuple[float, int] | None = None
        self._last_post: dict[str, float] = {}
        # Payloads refused as Slack refuses them (tests/support/slack_rules.py): (call, answer). A test that
        # means to send one says so with `expect_refusals()`; otherwise the `stub` fixture fails the test.
        self.refused: list[tuple[Call, dict[str, Any]]] = []
        self.refusals_expected = False
        # Block types this workspace's Slack does not know yet (a feature still rolling out): refused as an
        # unknown type, with the pointer, as Slack answers any block type it does not support.
        self.unsupported_blocks: set = set()
        # Slack's clock for new message ts (epoch s): None keeps the fixed 1700000000.000100, ... series;
        # set it (e.g. to time.time) where the app reads history with `oldest` relative to the real time
        self.ts_clock: Callable[[], float] | None = None
        self.dropped: list[Call] = []  # calls whose connection accept_then_drop closed instead of answering

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> SlackStub:
        if self._server is not None:
            return self
        stub = self

        class Handler(_Handler):
            pass

        Handler.stub = stub
        server = _Server(("127.0.0.1", 0), Handler)
        self._server = server
        # serve_forever notices shutdown() only every poll_interval: each stop (each test's teardown) waits that long
        self._thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02},
                                        name="slack-stub", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        self._server.close_connections()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None
        self._thread = None

    @property
    def connections_opened(self) -> int:
        """Connections clients have opened so far (calls over a kept-alive connection share one)."""
        return self._server.opened if self._server is not None else 0

    def drop_connections(self) -> None:
        """Close the connections clients keep open, as Slack's servers do to idle ones."""
        if self._server is not None:
            self._server.close_connections()

    def __enter__(self) -> SlackStub:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("SlackStub is not started")
        return self._server.server_address[1]

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def base_url(self) -> str:
        return f"{self.origin}/api/"

    # ------------------------------------------------------------------ configuration
    def respond(self, method: str, body_or_callable: dict[str, Any] | Responder, status: int = 200,
                headers: dict[str, str] | None = None, times: int | None = None) -> None:
        """Override answers for ``method``.

        A dict is sent as the JSON body with ``status``/``headers``; a callable gets the ``Call`` and returns
        ``(status, headers, body_dict)``. ``times=N`` applies to the next N calls only, then earlier overrides
        (or the default) apply again; ``times=None`` applies until ``reset()``/``clear_overrides()``.
        """
        if callable(body_or_callable):
            responder = body_or_callable
        else:
            fixed = dict(body_or_callable)

            fixed_headers = dict(headers or {})

            def responder(call: Call, _b: dict = fixed, _s: int = status, _h: dict = fixed_headers):
                return _s, dict(_h), json.loads(json.dumps(_b))

        with self._cond:
            self._overrides.setdefault(method, []).append(_Override(responder, times))

    def respond_error(self, method: str, error: str, *, times: int | None = None, **extra: Any) -> None:
        self.respond(method, {"ok": False, "error": error, **extra}, times=times)

    def respond_rate_limited(self, method: str, retry_after: int = 1, *, times: int | None = 1) -> None:
        self.respond(method, {"ok": False, "error": "ratelimited"}, status=429,
                     headers={"Retry-After": str(retry_after)}, times=times)

    def answer_first_late(self, method: str, seconds: float) -> None:
        """Slack slow over the first ``method`` call: it is answered after ``seconds``, or as soon as a later
        call has been answered. A later post that did not wait for the first then overtakes it, which the
        answers' order (and their ``ts``) shows."""
        overtaken = threading.Event()

        def answer_later_calls(call: Call):
            body = self.default_response(call)
            overtaken.set()
            return 200, {}, body

        self.respond(method, answer_later_calls)
        self.respond(method, delayed(seconds, release=overtaken, then=self.default_response), times=1)

    def expect_refusals(self) -> None:
        """This test sends payloads Slack refuses on purpose (the fixture then does not fail it for them)."""
        self.refusals_expected = True

    def assert_nothing_refused(self) -> None:
        """Fail if the app sent anything real Slack would have refused."""
        if self.refused and not self.refusals_expected:
            lines = [f"{call.method}: {answer.get('error')} {answer.get('errors') or answer['response_metadata']}"
                     for call, answer in self.refused]
            raise AssertionError("Slack would have refused what the app sent:\n  " + "\n  ".join(lines))
    def accept_then_drop(self, method: str, *, times: int | None = 1, taken: bool = True,
                         channel: str | None = None) -> None:
        """Slack's answer lost: the next ``times`` calls of ``method`` are carried out (a post is stored in
        ``messages``) and then their connection is closed with no answer, so the client sees the server
        hang up (``RemoteDisconnected``) at once. ``taken=False``: closed before anything is stored,
        as when the connection drops on the way in. Each such call is listed in ``dropped``.
        ``channel``: only calls to that channel are dropped (the others are answered, and count toward
        ``times`` too)."""

        def carry_out_and_hang_up(call: Call):
            if channel is not None and call.params.get("channel") != channel:
                return 200, {}, self.default_response(call)
            body = self.default_response(call) if taken else {"ok": False, "error": "connection_dropped"}
            with self._cond:
                self.dropped.append(call)
            connection = _current_connection()
            if connection is not None:
                try:
                    connection.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
            return 200, {}, body  # written to a closed socket: never arrives

        self.respond(method, carry_out_and_hang_up, times=times)

    def clear_overrides(self, method: str | None = None) -> None:
        with self._cond:
            if method is None:
                self._overrides.clear()
            else:
                self._overrides.pop(method, None)

    def response_url(self, name: str | None = None) -> str:
        """A ``response_url`` that records what the app POSTs to it (see ``wait_for_response``)."""
        name = name or f"r{next(self._response_counter)}"
        return f"{self.origin}/response/{name}"

    def wait_for_response(self, count: int = 1, timeout: float = 5.0, name: str | None = None) -> list[Call]:
        """Block until ``count`` POSTs reached response URLs (optionally only the one called ``name``)."""

        def matching():
            return [c for c in self.response_posts if name is None or c.method == name]

        with self._cond:
            if not self._cond.wait_for(lambda: len(matching()) >= count, timeout=timeout):
                raise AssertionError(f"timed out after {timeout}s waiting for {count} response_url POST(s)"
                                     f"{' to ' + name if name else ''}; got {len(matching())}")
            return matching()

    def rate_limit_per_channel(self, per_seconds: float = 1.0, retry_after: int = 1,
                               clock: Callable[[], float] | None = None) -> None:
        """chat.postMessage to a channel that had a post less than ``per_seconds`` ago gets HTTP 429."""
        if clock is not None:
            self.clock = clock
        with self._cond:
            self._rate_limit = (per_seconds, retry_after)
            self._last_post.clear()

    def reset(self) -> None:
        """Forget calls, overrides, rate limits, recorded problems and stored state (users/channels kept)."""
        with self._cond:
            self._calls.clear()
            self._overrides.clear()
            self._rate_limit = None
            self._last_post.clear()
            self.unknown_methods.clear()
            self.spec_violations.clear()
            self.uploads.clear()
            self.messages.clear()
            self.views.clear()
            self.home_views.clear()
            self.response_posts.clear()
            self.refused.clear()
            self.dropped.clear()

    # ------------------------------------------------------------------ queries
    def calls(self, method: str | None = None) -> list[Call]:
        with self._cond:
            return [c for c in self._calls if method is None or c.method == method]

    def last(self, method: str) -> Call:
        found = self.calls(method)
        if not found:
            raise AssertionError(f"no {method} call; calls so far: {self._summary()}")
        return found[-1]

    def wait_for(self, method: str, count: int = 1, timeout: float = 5.0,
                 where: Callable[[Call], bool] | None = None) -> list[Call]:
        """Block until at least ``count`` calls of ``method`` (matching ``where``) arrived; return them all."""

        def matching():
            return [c for c in self._calls if c.method == method and (where is None or where(c))]

        with self._cond:
            ok = self._cond.wait_for(lambda: len(matching()) >= count, timeout=timeout)
            found = matching()
            if not ok:
                raise AssertionError(
                    f"timed out after {timeout}s waiting for {count} {method} call(s)"
                    f"{' matching the filter' if where else ''}; got {len(found)}. Calls so far: {self._summary()}"
                )
            return found

    def assert_clean(self) -> None:
        """Fail if any call used a method Slack lacks or missed a parameter the spec requires."""
        problems = list(self.unknown_methods) + list(self.spec_violations)
        if problems:
            raise AssertionError("Slack stub saw problems:\n  " + "\n  ".join(problems))

    def _summary(self) -> str:
        if not self._calls:
            return "(none)"
        return ", ".join(f"{c.method}[{c.status}]" for c in self._calls)

    # ------------------------------------------------------------------ request handling
    def _record(self, call: Call) -> None:
        problems = self._validate(call)
        with self._cond:
            self.unknown_methods.extend(problems[0])
            self.spec_violations.extend(problems[1])
            self._calls.append(call)
            self._cond.notify_all()

    def _validate(self, call: Call) -> tuple[list[str], list[str]]:
        unknown: list[str] = []
        violations: list[str] = []
        m = call.method
        if m not in spec_methods() and m not in NEWER_METHODS_EVIDENCE:
            unknown.append(f"{m}: not a Slack Web API method (not in the OpenAPI spec nor the newer-methods list)")
        if m in REQUIRED_PARAM_CHECKED:
            for name in required_params(m):
                if call.params.get(name) in (None, "", [], {}):
                    violations.append(f"{m}: missing required param {name!r} (params: {sorted(call.params)})")
        if m in ("chat.postMessage", "chat.postEphemeral") and not any(
            call.params.get(k) for k in ("text", "blocks", "attachments")
        ):
            violations.append(f"{m}: needs text, blocks or attachments (Slack answers no_text)")
        return unknown, violations

    def _refusal(self, call: Call) -> dict[str, Any] | None:
        """Slack's answer if it would refuse this call's message or view (checked before anything else, as
        Slack checks the payload before it posts, stores or rate-limits anything)."""
        if call.method in MESSAGE_METHODS:
            message = {k: call.params[k] for k in ("text", "blocks", "attachments") if k in call.params}
            blocks = message.get("blocks") if isinstance(message.get("blocks"), list) else []
            unknown = [slack_rules.Problem("invalid_blocks", f"/blocks/{i}/type", f"unsupported type: {b.get('type')}")
                       for i, b in enumerate(blocks)
                       if isinstance(b, dict) and b.get("type") in self.unsupported_blocks]
            return slack_rules.refusal_body(unknown) if unknown else slack_rules.check_message(message)
        if call.method in VIEW_METHODS:
            return slack_rules.check_view(call.params.get("view"), VIEW_METHODS[call.method])
        return None

    def _answer(self, call: Call) -> tuple[int, dict[str, str], dict[str, Any]]:
        refusal = self._refusal(call)
        if refusal is not None:
            with self._cond:
                self.refused.append((call, refusal))
            return 200, {}, refusal
        with self._cond:
            responder = None
            stack = self._overrides.get(call.method, [])
            for ov in reversed(stack):
                if ov.remaining is None or ov.remaining > 0:
                    if ov.remaining is not None:
                        ov.remaining -= 1
                    responder = ov.responder
                    break
            self._overrides[call.method] = [o for o in stack if o.remaining is None or o.remaining > 0]
            if not self._overrides[call.method]:
                del self._overrides[call.method]
        if responder is not None:
            return responder(call)
        if self.require_token and call.method not in NO_TOKEN_METHODS and not call.token:
            return 200, {}, {"ok": False, "error": "not_authed"}
        if call.method == "chat.postMessage" and self._rate_limit is not None:
            limited = self._check_rate_limit(call)
            if limited is not None:
                return limited
        return 200, {}, self.default_response(call)

    def _check_rate_limit(self, call: Call):
        per_seconds, retry_after = self._rate_limit  # type: ignore[misc]
        channel = str(call.params.get("channel"))
        now = self.clock()
        with self._cond:
            last = self._last_post.get(channel)
            if last is not None and now - last < per_seconds:
                return 429, {"Retry-After": str(retry_after)}, {"ok": False, "error": "ratelimited"}
            self._last_post[channel] = now
        return None

    # ------------------------------------------------------------------ default answers
    def next_ts(self) -> str:
        micro = 100 * next(self._ts_counter)
        if self.ts_clock is not None:  # Slack's time, still unique: the counter's 100 µs steps on top
            micro += int(self.ts_clock() * 1_000_000)
            return f"{micro // 1_000_000}.{micro % 1_000_000:06d}"
        return f"{1700000000 + micro // 1_000_000}.{micro % 1_000_000:06d}"

    def default_response(self, call: Call) -> dict[str, Any]:
        handler = getattr(self, "_r_" + call.method.replace(".", "_"), None)
        return handler(call) if handler else {"ok": True}

    def _bot_message(self, p: dict[str, Any], ts: str) -> dict[str, Any]:
        msg: dict[str, Any] = {
            "type": "message",
            "user": BOT_USER_ID,
            "bot_id": BOT_ID,
            "app_id": APP_ID,
            "team": TEAM_ID,
            "text": p.get("text") or "",
            "ts": ts,
            "bot_profile": {"id": BOT_ID, "app_id": APP_ID, "name": "testbot", "deleted": False,
                            "team_id": TEAM_ID, "updated": 1700000000,
                            "icons": {"image_36": "https://a.slack-edge.com/bot_36.png",
                                      "image_48": "https://a.slack-edge.com/bot_48.png",
                                      "image_72": "https://a.slack-edge.com/bot_72.png"}},
        }
        for k in ("blocks", "attachments", "metadata", "thread_ts"):
            if p.get(k):
                msg[k] = p[k]
        return msg

    def _r_auth_test(self, call):
        return {"ok": True, "url": f"https://{TEAM_DOMAIN}.slack.com/", "team": TEAM_NAME, "user": "testbot",
                "team_id": TEAM_ID, "user_id": BOT_USER_ID, "bot_id": BOT_ID, "is_enterprise_install": False,
                **self.auth}

    def _r_chat_postMessage(self, call):
        p = call.params
        channel = p.get("channel")
        ts = self.next_ts()
        msg = self._bot_message(p, ts)
        with self._cond:
            self.messages[(str(channel), ts)] = msg
        return {"ok": True, "channel": channel, "ts": ts, "message": msg}

    def _r_chat_update(self, call):
        p = call.params
        channel, ts = p.get("channel"), p.get("ts")
        msg = self._bot_message(p, ts)
        del msg["ts"]  # chat.update's message carries no ts (see the java-slack-sdk sample)
        msg["edited"] = {"user": BOT_ID, "ts": self.next_ts()}
        with self._cond:
            self.messages[(str(channel), str(ts))] = msg
        return {"ok": True, "channel": channel, "ts": ts, "text": p.get("text") or "", "message": msg}

    def _r_chat_postEphemeral(self, call):
        return {"ok": True, "message_ts": self.next_ts()}

    def _r_chat_delete(self, call):
        p = call.params
        with self._cond:
            self.messages.pop((str(p.get("channel")), str(p.get("ts"))), None)
        return {"ok": True, "channel": p.get("channel"), "ts": p.get("ts")}

    def _r_chat_getPermalink(self, call):
        p = call.params
        ch, ts = p.get("channel"), str(p.get("message_ts", ""))
        return {"ok": True, "channel": ch,
                "permalink": f"https://{TEAM_DOMAIN}.slack.com/archives/{ch}/p{ts.replace('.', '')}"}

    def _view_answer(self, call, view_id: str | None = None) -> dict[str, Any]:
        req = call.params.get("view")
        req = dict(req) if isinstance(req, dict) else {}
        vid = view_id or f"V{next(self._view_counter):06d}"
        view = {
            "id": vid, "team_id": TEAM_ID, "type": req.get("type", "modal"),
            "blocks": req.get("blocks", []), "private_metadata": req.get("private_metadata", ""),
            "callback_id": req.get("callback_id", ""), "state": {"values": {}}, "hash": f"1700000000.{vid}",
            "title": req.get("title"), "clear_on_close": req.get("clear_on_close", False),
            "notify_on_close": req.get("notify_on_close", False), "close": req.get("close"),
            "submit": req.get("submit"), "previous_view_id": None, "root_view_id": vid,
            "app_id": APP_ID, "external_id": req.get("external_id", ""),
            "app_installed_team_id": TEAM_ID, "bot_id": BOT_ID,
        }
        with self._cond:
            self.views[vid] = view
        return {"ok": True, "view": view}

    def _r_views_open(self, call):
        return self._view_answer(call)

    def _r_views_push(self, call):
        return self._view_answer(call)

    def _r_views_update(self, call):
        vid = call.params.get("view_id")
        if not vid and call.params.get("external_id"):
            vid = next((k for k, v in self.views.items() if v.get("external_id") == call.params["external_id"]),
                       None)
        return self._view_answer(call, view_id=vid or None)

    def _r_views_publish(self, call):
        uid = str(call.params.get("user_id"))
        existing = self.home_views.get(uid)
        answer = self._view_answer(call, view_id=existing["id"] if existing else None)
        with self._cond:
            self.home_views[uid] = answer["view"]
        return answer

    def _r_users_conversations(self, call):
        """The user's channels, two to a page, so callers must follow `response_metadata.next_cursor`."""
        channels = self.memberships.get(str(call.params.get("user", "")), [])
        start = int(call.params.get("cursor") or 0)
        page = channels[start:start + 2]
        more = start + 2 < len(channels)
        return {"ok": True, "channels": [{"id": c, "is_private": False} for c in page],
                "response_metadata": {"next_cursor": str(start + 2) if more else ""}}

    def _r_users_info(self, call):
        uid = str(call.params.get("user", ""))
        conf = dict(self.users.get(uid, {}))
        tz = conf.get("tz", DEFAULT_TZ)
        now = datetime.now(ZoneInfo(tz))
        name = conf.get("name", f"user{uid.lower()}")
        real = conf.get("real_name", f"User {uid}")
        profile = {"real_name": real, "real_name_normalized": real, "display_name": name,
                   "display_name_normalized": name, "title": "", "status_text": "", "status_emoji": "",
                   "team": TEAM_ID, "email": f"{name}@example.com", "image_48": "https://a.slack-edge.com/u_48.png"}
        profile.update(conf.pop("profile", {}))
        user = {"id": uid, "team_id": TEAM_ID, "name": name, "deleted": False, "color": "9f69e7",
                "real_name": real, "tz": tz, "tz_label": now.tzname(),
                "tz_offset": int(now.utcoffset().total_seconds()), "profile": profile,
                "is_admin": False, "is_owner": False, "is_primary_owner": False, "is_restricted": False,
                "is_ultra_restricted": False, "is_bot": False, "is_app_user": False, "updated": 1700000000,
                "is_email_confirmed": True, "has_2fa": False}
        user.update(conf)
        if str(call.params.get("include_locale", "")).lower() in ("1", "true"):
            user.setdefault("locale", "en-US")
        return {"ok": True, "user": user}

    def _channel(self, cid: str, **extra) -> dict[str, Any]:
        ch = {"id": cid, "name": f"channel-{cid.lower()}", "is_channel": True, "is_group": False, "is_im": False,
              "is_mpim": False, "is_private": False, "created": 1690000000, "is_archived": False,
              "is_general": False, "unlinked": 0, "name_normalized": f"channel-{cid.lower()}", "is_shared": False,
              "is_org_shared": False, "is_ext_shared": False, "is_pending_ext_shared": False, "is_member": True,
              "creator": "U0001", "topic": {"value": "", "creator": "", "last_set": 0},
              "purpose": {"value": "", "creator": "", "last_set": 0}, "previous_names": [],
              "context_team_id": TEAM_ID, "updated": 1700000000}
        ch.update(extra)
        ch.update(self.channels.get(cid, {}))
        return ch

    def _r_conversations_history(self, call):
        """The channel's stored messages, newest first, shaped like Slack's answer (java-slack-sdk json-logs
        ``samples/api/conversations.history.json``: ok, messages, has_more, pin_count, response_metadata).

        Honours ``oldest``/``latest`` (exclusive unless ``inclusive``), ``limit`` (Slack's default and, for
        apps outside the Marketplace, maximum: 15) and ``cursor``; a message's ``metadata`` is returned only
        with ``include_all_metadata`` (https://docs.slack.dev/reference/methods/conversations.history).
        """
        p = call.params
        channel = str(p.get("channel", ""))
        truthy = ("1", "true", "True")
        inclusive = str(p.get("inclusive", "")) in truthy or p.get("inclusive") is True
        with_metadata = str(p.get("include_all_metadata", "")) in truthy or p.get("include_all_metadata") is True
        oldest = float(p["oldest"]) if p.get("oldest") not in (None, "") else None
        latest = float(p["latest"]) if p.get("latest") not in (None, "") else None
        limit = max(1, min(int(p.get("limit") or 15), 999))
        start = int(p.get("cursor") or 0)

        def in_window(ts: float) -> bool:
            if oldest is not None and (ts < oldest or (ts == oldest and not inclusive)):
                return False
            return latest is None or ts < latest or (ts == latest and inclusive)

        with self._cond:
            found = [json.loads(json.dumps({**m, "ts": ts})) for (ch, ts), m in self.messages.items()
                     if ch == channel and not m.get("thread_ts") and in_window(float(ts))]
        found.sort(key=lambda m: float(m["ts"]), reverse=True)
        page = found[start:start + limit]
        for message in page:
            if not with_metadata:
                message.pop("metadata", None)
        more = start + limit < len(found)
        return {"ok": True, "messages": page, "has_more": more, "pin_count": 0,
                "response_metadata": {"next_cursor": str(start + limit) if more else ""}}

    def _r_conversations_info(self, call):
        return {"ok": True, "channel": self._channel(str(call.params.get("channel", "")), num_members=3)}

    def _r_conversations_join(self, call):
        cid = str(call.params.get("channel", ""))
        with self._cond:
            self.channels.setdefault(cid, {})["is_member"] = True
        return {"ok": True, "channel": self._channel(cid)}

    def _r_conversations_open(self, call):
        """A direct message with the first user named: D + their id, as stable as Slack's own."""
        users = str(call.params.get("users", "")).split(",")
        return {"ok": True, "channel": {"id": "D" + users[0].lstrip("U")}}

    def _r_files_getUploadURLExternal(self, call):
        fid = f"F{next(self._file_counter):08d}"
        with self._cond:
            self.uploads[fid] = {"filename": call.params.get("filename"), "length": call.params.get("length"),
                                 "content": None, "completed": False}
        return {"ok": True, "upload_url": f"{self.origin}/upload/v1/{fid}", "file_id": fid}

    def _r_files_completeUploadExternal(self, call):
        files = call.params.get("files") or []
        if isinstance(files, str):
            files = json.loads(files)
        out = []
        for f in files:
            fid = f.get("id")
            up = self.uploads.get(fid)
            if up is None or up.get("content") is None:
                return {"ok": False, "error": "file_not_found" if up is None else "file_upload_not_completed"}
            up["completed"] = True
            up["title"] = f.get("title")
            name = up.get("filename") or fid
            entry = {"id": fid, "title": f.get("title") or name, "name": name, "created": 1700000000,
                     "timestamp": 1700000000, "mimetype": "text/plain", "filetype": "text", "pretty_type": "Plain Text",
                     "user": BOT_USER_ID, "user_team": TEAM_ID, "size": len(up["content"]), "is_external": False,
                     "is_public": True, "display_as_bot": False, "url_private": f"{self.origin}/files/{fid}/{name}",
                     "permalink": f"https://{TEAM_DOMAIN}.slack.com/files/{BOT_USER_ID}/{fid}/{name}"}
            ch = call.params.get("channel_id")
            if ch:
                entry["channels"] = [ch]
                entry["shares"] = {"public": {ch: [{"ts": self.next_ts(), "channel_name": f"channel-{ch.lower()}",
                                                    "team_id": TEAM_ID, "share_user_id": BOT_USER_ID}]}}
            out.append(entry)
        return {"ok": True, "files": out}

    def _r_oauth_v2_access(self, call):
        n = next(self._token_counter)
        return {"ok": True, "app_id": APP_ID, "authed_user": {"id": "U0001"}, "scope": self.oauth_scope,
                "token_type": "bot", "access_token": f"xoxb-test-{TEAM_ID}-{n:04d}", "bot_user_id": BOT_USER_ID,
                "team": {"id": TEAM_ID, "name": TEAM_NAME}, "enterprise": None, "is_enterprise_install": False}

    def _r_apps_connections_open(self, call):
        return {"ok": True, "url": f"ws://127.0.0.1:{self.port}/link/?ticket=test-ticket&app_id={APP_ID}"}

    # upload target (not an API method): POST /upload/v1/<file_id>
    def _accept_upload(self, fid: str, body: bytes, headers: dict[str, str]) -> tuple[int, str]:
        with self._cond:
            up = self.uploads.get(fid)
            if up is None:
                return 404, "unknown upload"
            up["content"] = body
            up["content_type"] = headers.get("content-type")
            self._cond.notify_all()
        return 200, f"OK - {len(body)}"


def _decode_form(raw: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in raw.items():
        if k in JSON_FIELDS and isinstance(v, str) and v[:1] in ("[", "{"):
            try:
                v = json.loads(v)
            except ValueError:
                pass
        out[k] = v
    return out


def _parse_multipart(content_type: str, body: bytes) -> dict[str, Any]:
    msg = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + body
    )
    fields: dict[str, Any] = {}
    for part in msg.iter_parts():
        name = part.get_param("name", header="content-disposition")
        filename = part.get_filename()
        payload = part.get_payload(decode=True) or b""
        if filename is not None:
            fields[name] = {"filename": filename, "content_type": part.get_content_type(), "content": payload,
                            "size": len(payload)}
        else:
            fields[name] = payload.decode(part.get_content_charset() or "utf-8", errors="replace")
    return fields


_connection_of_thread = threading.local()


def _current_connection() -> socket.socket | None:
    """The client connection the calling handler thread serves (a responder uses it to hang up)."""
    return getattr(_connection_of_thread, "socket", None)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # Slack does not refuse connections: a burst of calls must not overflow the backlog

    def __init__(self, *args, **kwargs):
        self.opened = 0  # connections accepted so far
        self.open_connections: set = set()
        self._connections_lock = threading.Lock()
        super().__init__(*args, **kwargs)

    def process_request(self, request, client_address):
        with self._connections_lock:
            self.opened += 1
            self.open_connections.add(request)
        super().process_request(request, client_address)

    def finish_request(self, request, client_address):
        _connection_of_thread.socket = request  # on the connection's own thread: see `_current_connection`
        super().finish_request(request, client_address)

    def shutdown_request(self, request):
        with self._connections_lock:
            self.open_connections.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        """Close every kept-alive connection, as a server does to idle ones (their handlers then end)."""
        with self._connections_lock:
            connections = list(self.open_connections)
        for request in connections:
            try:
                request.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


class _Handler(BaseHTTPRequestHandler):
    stub: SlackStub
    protocol_version = "HTTP/1.1"  # connections are kept alive between calls, as Slack's are
    # Headers and body leave at once, as a real server's do: with Nagle's algorithm a kept-alive
    # connection would hold the body back until the client's delayed ACK (40 ms) on every answer.
    disable_nagle_algorithm = True

    def log_message(self, format, *args):  # keep test output quiet
        pass

    def do_GET(self):
        self._handle()

    def do_POST(self):
        self._handle()

    def _handle(self):
        stub = self.stub
        url = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        headers = {k.lower(): v for k, v in self.headers.items()}

        if url.path.startswith("/upload/v1/") and self.command == "POST":
            status, text = stub._accept_upload(url.path.rsplit("/", 1)[-1], body, headers)
            return self._send(status, {"Content-Type": "text/plain"}, text.encode())
        if url.path.startswith("/response/") and self.command == "POST":
            try:
                params = json.loads(body.decode("utf-8")) if body[:1] == b"{" else {
                    k: v[0] for k, v in parse_qs(body.decode("utf-8"), keep_blank_values=True).items()}
            except ValueError:
                params = {}
            call = Call(method=url.path[len("/response/"):], params=_decode_form(params), headers=headers,
                        at=stub.clock(), http_method="POST", raw_params=params, body=body, status=200,
                        response={"ok": True})
            # a response_url answers like an incoming webhook: HTTP 400 and the error as plain text
            # (https://docs.slack.dev/messaging/sending-messages-using-incoming-webhooks, "Handling errors")
            refusal = None if call.params.get("delete_original") else slack_rules.check_message(
                {k: call.params[k] for k in ("text", "blocks", "attachments") if k in call.params})
            if refusal is not None:
                call.status, call.response = 400, refusal
                with stub._cond:
                    stub.refused.append((call, refusal))
                return self._send(400, {"Content-Type": "text/plain"}, str(refusal["error"]).encode())
            with stub._cond:
                stub.response_posts.append(call)
                stub._cond.notify_all()
            return self._send_json(200, {}, {"ok": True})
        if not url.path.startswith("/api/"):
            return self._send(404, {"Content-Type": "text/plain"}, b"not found")

        method = url.path[len("/api/"):].strip("/")
        raw: dict[str, Any] = {k: v[0] if len(v) == 1 else v
                               for k, v in parse_qs(url.query, keep_blank_values=True).items()}
        ctype = headers.get("content-type", "")
        try:
            if body:
                if ctype.startswith("application/json"):
                    parsed = json.loads(body.decode("utf-8"))
                    if isinstance(parsed, dict):
                        raw.update(parsed)
                elif ctype.startswith("multipart/form-data"):
                    raw.update(_parse_multipart(ctype, body))
                else:
                    raw.update({k: v[0] if len(v) == 1 else v
                                for k, v in parse_qs(body.decode("utf-8"), keep_blank_values=True).items()})
        except ValueError:
            return self._send_json(200, {}, {"ok": False, "error": "invalid_json"})
        call = Call(method=method, params=_decode_form(raw), headers=headers, at=stub.clock(),
                    http_method=self.command, raw_params=raw, body=body)
        stub._record(call)
        try:
            status, extra_headers, payload = stub._answer(call)
        except Exception as exc:  # a broken responder must not hang the client
            status, extra_headers, payload = 500, {}, {"ok": False, "error": f"stub_error: {exc!r}"}
        with stub._cond:
            call.status = status
            call.response = payload
            stub._cond.notify_all()
        self._send_json(status, extra_headers, payload)

    def _send_json(self, status: int, headers: dict[str, str], payload: dict[str, Any]):
        data = json.dumps(payload).encode("utf-8")
        self._send(status, {"Content-Type": "application/json; charset=utf-8", **headers}, data)

    def _send(self, status: int, headers: dict[str, str], data: bytes):
        try:
            self.send_response(status)
            for k, v in headers.items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):  # client gave up (e.g. its timeout fired)
            pass


def evidence_paths() -> Iterable[str]:
    """Paths of the samples that justify each allowed post-2020 method (raises if one is missing)."""
    return [str(sample_path(*p)) for p in NEWER_METHODS_EVIDENCE.values()]
