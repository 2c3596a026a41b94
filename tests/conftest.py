"""Fixtures: a real SQLite file, a local Slack Web API stand-in, and the app's real HTTP endpoint.

`http_app` serves the same WSGI application the Procfile's waitress serves (bot.web), on a loopback port in a thread,
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
from bot.slack.live_updates import LiveUpdates
from bot.slack.posting import ChannelPacer
from bot.web import wsgi_app_for
from tests.support import slack_rules
from tests.support.clock import FakeClock
from tests.support.signing import block_actions_body, sign, slash_command_body, view_submission_body
from tests.support.slack_stub import SlackStub

ROOT = Path(__file__).resolve().parents[1]
SAMPLE_PACKS = ROOT / "tests" / "packs"
SIGNING_SECRET = "test-signing-secret"
TEAM = "T0001"
SERVER_POLL_S = 0.02  # how often the test servers check for shutdown (see HttpApp)


@pytest.fixture(autouse=True)
def state_home(tmp_path_factory, monkeypatch):
    """Where serving starts note their databases (store/identity.py): per test, never the real home."""
    path = tmp_path_factory.mktemp("state")
    monkeypatch.setenv("XDG_STATE_HOME", str(path))
    return path


@pytest.fixture
def stub():
    """The Web API stand-in, as strict as Slack: a test fails if the app sent anything Slack would refuse
    (unless the test calls `stub.expect_refusals()`)."""
    with SlackStub() as server:
        yield server
        server.assert_nothing_refused()


@pytest.fixture
def clock():
    return FakeClock(dt.datetime(2026, 6, 1, 12, 0, tzinfo=dt.UTC))  # a Monday


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


class RecordedPacer(ChannelPacer):
    """The app's one pacer, on the fixture clock: each post's turn is recorded, never slept until.

    `turns` holds (channel, when the post may go, on the fixture clock) for every post, in booking order.
    """

    def __init__(self, clock: FakeClock):
        self._clock = clock
        self._slept = threading.local()
        self.turns: list[tuple[str, float]] = []
        super().__init__(monotonic=lambda: clock.now().timestamp(), sleep=self._note_wait)

    def _note_wait(self, seconds: float) -> None:
        self._slept.seconds = seconds

    def wait_turn(self, channel: str) -> None:
        self._slept.seconds = 0.0
        now = self._clock.now().timestamp()
        super().wait_turn(channel)
        self.turns.append((channel, now + self._slept.seconds))

    def hand_over(self, channel, start, work) -> None:
        """At once: the turn is recorded by the work's own `wait_turn` (the pacing that holds no thread is
        tested on its own, tests/slack/test_pacing_threads.py)."""
        start(work)

    def turns_in(self, channel: str) -> list[float]:
        return sorted(at for c, at in self.turns if c == channel)


@pytest.fixture
def services(settings, clock):
    """The app's services on the fixture clock; live updates are flushed by the tests (`flush_live`)."""
    live = LiveUpdates(background=False, monotonic=lambda: clock.now().timestamp())
    services = build_services(settings, clock=clock, live=live, pacer=RecordedPacer(clock))
    yield services
    services.background.shutdown(wait=True)
    services.store.close()



class _ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True
    request_queue_size = 256  # bursts of concurrent clients, as the server's backlog would take them


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


def _slack_would_take(answer: Response) -> None:
    """An acknowledgement that carries a message (a slash command's private reply) or a view (`response_action`
    update/push) meets Slack's rules too, as it never reaches the Web API stand-in."""
    if answer.status != 200 or not answer.body.startswith("{"):
        return
    payload = answer.json()
    if not isinstance(payload, dict):
        return
    if payload.get("response_action") in ("update", "push"):
        problem = slack_rules.check_view(payload.get("view"), slack_rules.MODAL)
        assert problem is None, f"Slack would refuse this view: {problem}"
    elif any(k in payload for k in ("text", "blocks", "attachments")):
        slack_rules.assert_slack_accepts_message(payload)


def button_with_value(stub, value: str):
    """(block_id, button) of the newest message in the stand-in whose button carries `value`, else None."""
    for message in reversed(list(stub.messages.values())):
        for block in message.get("blocks") or []:
            for element in block.get("elements") or [] if block.get("type") == "actions" else []:
                if element.get("value") == value:
                    return block.get("block_id"), element
    return None


class HttpApp:
    """The app's real endpoint, and helpers that send it correctly signed Slack requests."""

    def __init__(self, services, stub):
        self.services, self.stub = services, stub
        self.app = create_app(services)
        # as bot.web.create_wsgi_app serves it: requests counted, so work after acknowledgements waits for a gap
        self.server = make_server("127.0.0.1", 0, wsgi_app_for(SlackRequestHandler(self.app), services.acks),
                                  server_class=_ThreadingWSGIServer, handler_class=_QuietHandler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/slack/events"
        # serve_forever looks for shutdown() every poll_interval: at its default 0.5 s every test using
        # this fixture would wait that long in its teardown
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": SERVER_POLL_S},
                                       daemon=True)
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
                answer = Response(response.status, response.read().decode(), dict(response.headers))
        except urllib.error.HTTPError as error:
            return Response(error.code, error.read().decode(), dict(error.headers))
        _slack_would_take(answer)
        return answer

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

    def click(self, value: str, *, fallback_action_id: str | None = None, **kw) -> Response:
        """Click the button carrying `value` in a message the app posted, sending the action_id and block_id
        that button has, as Slack does. A value no message carries (a forged click) needs `fallback_action_id`."""
        found = button_with_value(self.stub, value)
        if found is None:
            assert fallback_action_id is not None, f"no posted button carries the value {value!r}"
            return self.action(fallback_action_id, value, **kw)
        block_id, button = found
        return self.action(button["action_id"], value, block_id=block_id, **kw)

    def submit_view(self, callback_id: str, values: dict, *, user_id: str = "U0USER", **kw) -> Response:
        # each submission from a modal of its own, as in Slack
        kw.setdefault("view_id", f"V{uuid.uuid4().hex[:10].upper()}")
        return self.post(view_submission_body(callback_id, values, user_id=user_id, team_id=TEAM, **kw))


@pytest.fixture
def http_app(services, stub):
    app = HttpApp(services, stub)
    yield app
    app.close()
