"""Fixtures: a real SQLite file, a local Slack Web API stand-in, and the app's real HTTP endpoint.

`http_app` serves the same WSGI application gunicorn serves (bot.web), on a loopback port in a thread,
with its WebClient pointed at the stand-in. Requests are signed exactly as Slack signs them.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest
from slack_bolt.adapter.wsgi import SlackRequestHandler

from bot.app import build_services, create_app
from bot.config import Settings
from bot.live_updates import LiveUpdates
from bot.posting import ChannelPacer
from bot.web import wsgi_app_for
from tests.support.clock import FakeClock
from tests.support.signing import block_actions_body, sign, slash_command_body, view_submission_body
from tests.support.slack_stub import SlackStub

ROOT = Path(__file__).resolve().parents[1]
SAMPLE_PACKS = ROOT / "tests" / "packs"
SIGNING_SECRET = "test-signing-secret"
TEAM = "T0001"


@pytest.fixture
def stub():
    with SlackStub() as server:
        yield server


@pytest.fixture
def clock():
    return FakeClock(dt.datetime(2026, 6, 1, 12, 0, tzinfo=dt.timezone.utc))  # a Monday


@pytest.fixture
def settings(tmp_path, stub):
    return Settings(
        bot_token="xoxb-test-token",
        signing_secret=SIGNING_SECRET,
        slack_api_url=stub.base_url,
        database_path=tmp_path / "bot.db",
        content_dir=SAMPLE_PACKS,
        default_tz="UTC",
        admin_user_ids=frozenset({"UADMIN"}),
    )


@pytest.fixture
def services(settings, clock):
    """The app's services on the fixture clock; live updates are flushed by the tests (`flush_live`)."""
    live = LiveUpdates(background=False, monotonic=lambda: clock.now().timestamp())
    waits: list[float] = []  # the pacer's waits are recorded, not slept (tests/test_scheduler checks spacing)
    services = build_services(settings, clock=clock, live=live, pacer=ChannelPacer(sleep=waits.append))
    services.pacer_waits = waits
    yield services
    services.background.shutdown(wait=True)
    services.store.close()



class _ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True
    request_queue_size = 256  # bursts of concurrent clients, as gunicorn's backlog would take them


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, *args):
        pass


@dataclass
class Response:
    status: int
    body: str
    headers: dict

    def json(self):
        return json.loads(self.body) if self.body else None


class HttpApp:
    """The app's real endpoint, and helpers that send it correctly signed Slack requests."""

    def __init__(self, services, stub):
        self.services, self.stub = services, stub
        self.app = create_app(services)
        # as bot.web.create_wsgi_app serves it: requests counted, so work after acknowledgements waits for a gap
        self.server = make_server("127.0.0.1", 0, wsgi_app_for(SlackRequestHandler(self.app), services.acks),
                                  server_class=_ThreadingWSGIServer, handler_class=_QuietHandler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/slack/events"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()

    def post(self, body: str, headers: dict | None = None, *, secret: str = SIGNING_SECRET,
             timestamp: int | None = None, path: str = "/slack/events") -> Response:
        all_headers = {**sign(body, secret, timestamp=timestamp), **(headers or {})}
        url = self.url.replace("/slack/events", path)
        request = urllib.request.Request(url, data=body.encode(), headers=all_headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return Response(response.status, response.read().decode(), dict(response.headers))
        except urllib.error.HTTPError as error:
            return Response(error.code, error.read().decode(), dict(error.headers))

    def command(self, command: str, text: str = "", *, user_id: str = "U0USER", channel_id: str = "C0CHAN",
                trigger_id: str | None = None, headers: dict | None = None) -> Response:
        body = slash_command_body(command, text, user_id=user_id, channel_id=channel_id, team_id=TEAM,
                                  trigger_id=trigger_id or f"trig-{uuid.uuid4().hex[:12]}",
                                  response_url=self.stub.response_url())
        return self.post(body, headers)

    def action(self, action_id: str, value: str = "", *, user_id: str = "U0USER", channel_id: str = "C0CHAN",
               **kw) -> Response:
        body = block_actions_body(action_id, value, user_id=user_id, channel_id=channel_id, team_id=TEAM,
                                  trigger_id=kw.pop("trigger_id", f"trig-{uuid.uuid4().hex[:12]}"), **kw)
        return self.post(body)

    def submit_view(self, callback_id: str, values: dict, *, user_id: str = "U0USER", **kw) -> Response:
        return self.post(view_submission_body(callback_id, values, user_id=user_id, team_id=TEAM, **kw))


@pytest.fixture
def http_app(services, stub):
    app = HttpApp(services, stub)
    yield app
    app.close()
