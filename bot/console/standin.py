"""A local stand-in for the part of Slack's Web API the bot calls, for the console.

It keeps what the app sent (messages per channel, updates, ephemeral replies, views, uploads) so the
console can draw it. It answers on 127.0.0.1 only; nothing leaves the machine.
"""

from __future__ import annotations

import itertools
import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

JSON_FIELDS = ("blocks", "attachments", "view")


@dataclass
class Event:
    """Something the app did that a person in Slack would see."""

    kind: str  # message | update | ephemeral | view | home | upload
    channel: str
    payload: dict[str, Any]
    ts: str = ""
    seq: int = 0


@dataclass
class StandIn:
    user_tz: str = "UTC"
    events: list[Event] = field(default_factory=list)
    messages: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    _ts: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _lock: threading.Condition = field(default_factory=threading.Condition)

    def start(self) -> StandIn:
        standin = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: object) -> None:
                pass

            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                path = urlsplit(self.path).path
                params = _parse(raw, self.headers.get("Content-Type", ""))
                body = standin.handle(path, params)
                data = json.dumps(body).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST  # noqa: N815

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True).start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}/api/"

    def response_url(self, channel: str) -> str:
        return f"http://127.0.0.1:{self.server.server_port}/response/{channel}"

    def _record(self, event: Event) -> None:
        with self._lock:
            event.seq = len(self.events)
            self.events.append(event)
            self._lock.notify_all()

    def handle(self, path: str, p: dict[str, Any]) -> dict[str, Any]:
        if path.startswith("/response/"):
            channel = path.rsplit("/", 1)[-1]
            if p.get("replace_original") and p.get("response_type") != "ephemeral":
                return {"ok": True}
            self._record(Event("ephemeral", channel, p))
            return {"ok": True}
        method = path.removeprefix("/api/")
        if method == "auth.test":
            return {"ok": True, "team_id": "T0CONSOLE", "user_id": "UBOT", "bot_id": "B0CONSOLE", "team": "Console"}
        if method == "users.info":
            uid = p.get("user", "U0YOU")
            return {"ok": True, "user": {"id": uid, "name": "you", "tz": self.user_tz, "is_admin": True}}
        if method == "chat.postMessage":
            ts = f"{1700000000 + next(self._ts)}.000100"
            self.messages[(p.get("channel", ""), ts)] = p
            self._record(Event("message", p.get("channel", ""), p, ts))
            return {"ok": True, "channel": p.get("channel"), "ts": ts, "message": {"text": p.get("text", "")}}
        if method == "chat.update":
            key = (p.get("channel", ""), p.get("ts", ""))
            self.messages[key] = {**self.messages.get(key, {}), **p}
            self._record(Event("update", key[0], p, key[1]))
            return {"ok": True, "channel": key[0], "ts": key[1]}
        if method == "chat.postEphemeral":
            self._record(Event("ephemeral", p.get("channel", ""), p))
            return {"ok": True, "message_ts": f"{1700000000 + next(self._ts)}.000200"}
        if method in ("views.open", "views.push", "views.update"):
            self._record(Event("view", "", p.get("view") or {}))
            return {"ok": True, "view": {**(p.get("view") or {}), "id": f"V{next(self._ts):06d}"}}
        if method == "views.publish":
            self._record(Event("home", p.get("user_id", ""), p.get("view") or {}))
            return {"ok": True, "view": {**(p.get("view") or {}), "id": "VHOME"}}
        if method == "chat.getPermalink":
            return {"ok": True, "permalink": f"https://console.invalid/archives/{p.get('channel')}/p{p.get('message_ts')}"}
        if method == "files.getUploadURLExternal":
            return {"ok": True, "upload_url": f"http://127.0.0.1:{self.server.server_port}/upload/F1", "file_id": "F1"}
        if method == "files.completeUploadExternal":
            self._record(Event("upload", p.get("channel_id", ""), p))
            return {"ok": True, "files": [{"id": "F1", "title": "upload"}]}
        return {"ok": True}

    def wait_quiet(self, since: int, quiet: float = 0.25, limit: float = 5.0) -> list[Event]:
        """Events after `since`, once nothing new has arrived for `quiet` seconds (the app's work settled)."""
        with self._lock:
            waited = 0.0
            seen = len(self.events)
            while waited < limit:
                self._lock.wait(quiet)
                waited += quiet
                if len(self.events) == seen:
                    break
                seen = len(self.events)
            return self.events[since:]


def _parse(raw: bytes, content_type: str) -> dict[str, Any]:
    if not raw:
        return {}
    if "json" in content_type:
        try:
            return json.loads(raw)
        except ValueError:
            return {}
    if "form" not in content_type:
        return {}
    params = {k: v[0] for k, v in parse_qs(raw.decode("utf-8", "replace")).items()}
    for name in JSON_FIELDS:
        if isinstance(params.get(name), str):
            try:
                params[name] = json.loads(params[name])
            except ValueError:
                pass
    return params
