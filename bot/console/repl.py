"""`python -m bot console`: try the bot in a terminal, no Slack app needed.

It is not a second implementation. It starts the same Bolt app behind the same WSGI endpoint on a
loopback port, signs each thing you type the way Slack signs requests, and draws what the app sent to a
local Web API stand-in. The clock is the console's own, so `:tick 1d` shows a day of scheduled posts.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import hmac
import itertools
import json
import re
import secrets
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from socketserver import ThreadingMixIn
from typing import Any, TextIO
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from rich.console import Console as RichConsole
from rich.text import Text
from slack_bolt.adapter.wsgi import SlackRequestHandler

from bot.app import create_app
from bot.config import Settings
from bot.console.render import Clickable, render_blocks
from bot.console.standin import Event, StandIn
from bot.domain.clock import ManualClock
from bot.domain.text import is_number
from bot.scheduler import DigestScheduler
from bot.startup import prepare
from bot.web import wsgi_app_for

TEAM, CHANNEL, USER = "T0CONSOLE", "C0CONSOLE", "U0YOU"
HELP = """Type a slash command as in Slack (/digest help, /digest next, /digest show 1, /quiz, /discuss),
a button's number to click it, `:submit <text>` to fill and submit an open form, `:tick 1d` (or 3h, 30m)
to move the clock and see scheduled posts, `:home` to open the App Home, `:help`, `:quit`."""


class _Server(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _Quiet(WSGIRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@dataclasses.dataclass
class OpenView:
    view: dict[str, Any]
    view_id: str


class Console:
    def __init__(self, settings: Settings, out: TextIO = sys.stdout, start: dt.datetime | None = None):
        self.out = out
        # rich draws Slack's formatting: colours on a terminal, plain text (no markers) into a pipe or file;
        # what the app sent is never read as rich markup, and nothing is highlighted that Slack would not
        self.screen = RichConsole(file=out, markup=False, emoji=False, highlight=False, soft_wrap=False,
                                  width=None if out.isatty() else 100)
        self.standin = StandIn(user_tz=settings.default_tz).start()
        self.secret = secrets.token_hex(16)
        self.settings = dataclasses.replace(
            settings, bot_token="xoxb-console-local", signing_secret=self.secret, app_token=None,
            client_id=None, client_secret=None, slack_api_url=self.standin.base_url,
        )
        self.clock = ManualClock(start)
        self.services = prepare(self.settings, check_token=False, clock=self.clock)
        self.scheduler = DigestScheduler(self.services)
        self.services.on_plan_change = lambda plan: None  # the console's clock drives schedules (see tick)
        app = create_app(self.services)
        self.server = make_server("127.0.0.1", 0, wsgi_app_for(SlackRequestHandler(app), self.services.acks),
                                  server_class=_Server, handler_class=_Quiet)
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_port}/slack/events"
        self.clickables: list[Clickable] = []
        self.open_view: OpenView | None = None
        self._triggers = itertools.count(1)

    def close(self) -> None:
        self.server.shutdown()
        self.scheduler.shutdown()
        self.services.stop()  # work still held for a lull runs before the stand-in goes
        self.standin.stop()
        self.services.background.shutdown(wait=True)

    # -- input ------------------------------------------------------------------------------------
    def handle(self, line: str) -> bool:
        """One line of input; False to stop."""
        line = line.strip()
        if not line:
            return True
        if line in (":quit", ":q", ":exit"):
            return False
        if line == ":help":
            self.say(HELP)
        elif line.startswith(":tick"):
            self.tick(line[5:].strip())
        elif line.startswith(":submit"):
            self.submit(line[7:].strip())
        elif line == ":home":
            self.send_event({"type": "app_home_opened", "user": USER, "channel": "D0CONSOLE", "tab": "home",
                             "event_ts": f"{time.time():.6f}"})
        elif is_number(line):
            self.click(int(line))
        elif line.startswith("/"):
            command, _, text = line.partition(" ")
            self.slash(command, text)
        else:
            self.say("Not understood. " + HELP)
        return True

    def say(self, text: str) -> None:
        self.screen.print(Text(text), soft_wrap=True)
        self.out.flush()

    # -- requests, signed as Slack signs them ------------------------------------------------------
    def post(self, body: str, content_type: str) -> tuple[int, str]:
        timestamp = str(int(time.time()))
        signature = "v0=" + hmac.new(self.secret.encode(), f"v0:{timestamp}:{body}".encode(),
                                     hashlib.sha256).hexdigest()
        request = urllib.request.Request(self.url, data=body.encode(), method="POST", headers={
            "Content-Type": content_type, "X-Slack-Request-Timestamp": timestamp, "X-Slack-Signature": signature,
        })
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def _exchange(self, body: str, content_type: str) -> dict[str, Any] | None:
        since = len(self.standin.events)
        status, text = self.post(body, content_type)
        reply = None
        if status != 200:
            self.say(f"(the app answered HTTP {status})")
        elif text:
            try:
                reply = json.loads(text)
            except ValueError:
                reply = {"text": text}
        if reply and (reply.get("blocks") or reply.get("text")):
            self.draw(Event("ephemeral", CHANNEL, reply))
        for event in self.standin.wait_quiet(since):
            self.draw(event)
        return reply

    def slash(self, command: str, text: str) -> None:
        form = {
            "token": "console", "team_id": TEAM, "team_domain": "console", "channel_id": CHANNEL,
            "channel_name": "console", "user_id": USER, "user_name": "you", "command": command, "text": text,
            "api_app_id": "A0CONSOLE", "is_enterprise_install": "false",
            "response_url": self.standin.response_url(CHANNEL), "trigger_id": self._trigger(),
        }
        self._exchange(urllib.parse.urlencode(form), "application/x-www-form-urlencoded")

    def click(self, number: int) -> None:
        target = next((c for c in self.clickables if c.number == number), None)
        if target is None:
            self.say(f"There is no button [{number}] on screen.")
            return
        action = {"type": "button", "action_id": target.action_id, "block_id": target.block_id,
                  "value": target.value, "text": {"type": "plain_text", "text": target.label},
                  "action_ts": f"{time.time():.6f}"}
        payload: dict[str, Any] = {
            "type": "block_actions", "user": {"id": USER, "username": "you", "team_id": TEAM},
            "api_app_id": "A0CONSOLE", "token": "console", "trigger_id": self._trigger(), "team": {"id": TEAM},
            "actions": [action], "response_url": self.standin.response_url(CHANNEL),
        }
        if target.message_ts:
            message = self.standin.messages.get((target.channel, target.message_ts), {})
            payload |= {
                "container": {"type": "message", "message_ts": target.message_ts, "channel_id": target.channel},
                "channel": {"id": target.channel, "name": "console"},
                "message": {"ts": target.message_ts, "text": message.get("text", ""),
                            "blocks": message.get("blocks", [])},
            }
        elif self.open_view:
            payload |= {"container": {"type": "view", "view_id": self.open_view.view_id},
                        "view": {**self.open_view.view, "id": self.open_view.view_id}}
        self._exchange("payload=" + urllib.parse.quote(json.dumps(payload)), "application/x-www-form-urlencoded")

    def submit(self, text: str) -> None:
        if self.open_view is None:
            self.say("No form is open.")
            return
        view = self.open_view.view
        values: dict[str, Any] = {}
        for block in view.get("blocks", []):
            if block.get("type") == "input":
                element = block.get("element", {})
                value = {"type": element.get("type", "plain_text_input"), "value": text}
                values[block.get("block_id", "input")] = {element.get("action_id", "value"): value}
                text = ""  # only the first input gets the text
        payload = {
            "type": "view_submission", "team": {"id": TEAM}, "user": {"id": USER, "username": "you", "team_id": TEAM},
            "api_app_id": "A0CONSOLE", "token": "console", "trigger_id": self._trigger(),
            "view": {**view, "id": self.open_view.view_id, "team_id": TEAM, "state": {"values": values},
                     "hash": "console"},
        }
        self.open_view = None
        form = "payload=" + urllib.parse.quote(json.dumps(payload))
        reply = self._exchange(form, "application/x-www-form-urlencoded")
        if reply and reply.get("response_action") == "errors":
            self.say("The form says: " + "; ".join(reply.get("errors", {}).values()))

    def send_event(self, event: dict[str, Any]) -> None:
        envelope = {"token": "console", "team_id": TEAM, "api_app_id": "A0CONSOLE", "type": "event_callback",
                    "event": event, "event_id": f"Ev{secrets.token_hex(5)}", "event_time": int(time.time()),
                    "authorizations": [{"team_id": TEAM, "user_id": "UBOT", "is_bot": True}]}
        self._exchange(json.dumps(envelope), "application/json")

    def _trigger(self) -> str:
        return f"console.{next(self._triggers)}.{secrets.token_hex(4)}"

    # -- time ---------------------------------------------------------------------------------------
    def tick(self, amount: str) -> None:
        match = re.fullmatch(r"(\d+)\s*([dhm])", amount or "1d")
        if not match:
            self.say("Use `:tick 1d`, `:tick 3h` or `:tick 30m`.")
            return
        minutes = int(match.group(1)) * {"d": 1440, "h": 60, "m": 1}[match.group(2)]
        since = len(self.standin.events)
        step = 15
        for _ in range(0, minutes, step):  # in steps, so each scheduled slot on the way is reached
            self.clock.advance(dt.timedelta(minutes=min(step, minutes)))
            self.scheduler.catch_up()
            for timer in self.services.timers:
                timer()
        self.say(f"(clock now {self.clock.now():%a %Y-%m-%d %H:%M} UTC)")
        for event in self.standin.wait_quiet(since):
            self.draw(event)

    # -- output -------------------------------------------------------------------------------------
    def draw(self, event: Event) -> None:
        payload = event.payload
        if event.kind == "view":
            self.open_view = OpenView(payload, f"V{event.seq:06d}")
            title = (payload.get("title") or {}).get("text", "")
            self.say(f"\n┌─ form: {title}")
            lines = render_blocks(payload.get("blocks", []), self.clickables)
        elif event.kind == "home":
            self.say("\n┌─ App Home")
            lines = render_blocks(payload.get("blocks", []), self.clickables)
        elif event.kind == "upload":
            self.say(f"\n┌─ file uploaded: {payload.get('files')}")
            return
        else:
            who = {"message": f"#{event.channel}", "update": f"#{event.channel} (updated)",
                   "ephemeral": "only you"}.get(event.kind, event.kind)
            self.say(f"\n┌─ {who}")
            lines = render_blocks(payload.get("blocks", []), self.clickables, event.channel, event.ts)
            if not lines and payload.get("text"):
                lines = render_blocks([{"type": "section", "text": {"type": "mrkdwn", "text": payload["text"]}}],
                                      self.clickables, event.channel, event.ts)
        for line in lines:
            self.screen.print(line)
        self.out.flush()


def run_console(settings: Settings, stdin: TextIO = sys.stdin, out: TextIO = sys.stdout) -> int:
    console = Console(settings, out=out)
    console.say("Article Circle console — no Slack needed. " + HELP)
    try:
        interactive = stdin.isatty()
        while True:
            if interactive:
                out.write("> ")
                out.flush()
            line = stdin.readline()
            if not line:  # end of input: a script has finished
                break
            if not interactive:
                console.say(f"> {line.rstrip()}")
            if not console.handle(line):
                break
    except KeyboardInterrupt:
        pass
    finally:
        console.close()
    return 0
