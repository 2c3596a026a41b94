"""A Web API client that keeps its connection to Slack open between calls.

slack_sdk's `WebClient` sends each call through `urllib.request.urlopen`, which opens a new connection
(TCP, and to slack.com a TLS handshake) and closes it after the answer. At 09:00 a thousand channels due
at once cost a thousand handshakes, each more CPU than everything else the post needs.
`KeepAliveWebClient` changes only how a request travels: each thread keeps one HTTP/1.1 connection and
sends its calls over it. The request slack_sdk builds, its retry handlers and its response parsing are
unchanged, and the errors are the ones urllib raises (`HTTPError` for an answer outside 2xx, `URLError`
when the request could not be sent), so the retry handlers see what they always saw.

A connection is reused only while it is fresh: not after `max_idle` seconds unused (a NAT or load
balancer may have dropped it without a word, and a dead connection would cost a whole timeout), and not
once the server has closed it (an idle socket that reads as ready has been closed by the other end).
"""

from __future__ import annotations

import http.client
import io
import os
import select
import threading
import time
import urllib.parse
from collections.abc import Callable
from typing import Any
from urllib.error import HTTPError, URLError
from urllib.request import Request

from slack_sdk import WebClient

MAX_IDLE_SECONDS = 30.0


class _Held:
    """One thread's connection. Closed when dropped, and when its thread ends."""

    def __init__(self, key: tuple[str, str, int], conn: http.client.HTTPConnection):
        self.key = key
        self.conn = conn
        self.last_used = 0.0

    def close(self) -> None:
        self.conn.close()

    __del__ = close


_local = threading.local()  # .held: this thread's _Held, shared by every client (tokens travel per request)


def _forget_inherited() -> None:
    """A forked child must not talk over its parent's socket: gunicorn's master checks the token (a call
    to Slack) and then forks the worker from the same thread. The child's copy is closed; the parent's
    connection stays open, as the parent still holds it."""
    _local.held = None


os.register_at_fork(after_in_child=_forget_inherited)


def _closed_by_server(conn: http.client.HTTPConnection) -> bool:
    """Between calls nothing is due from the server: a socket with something to read has been closed."""
    if conn.sock is None:
        return False  # not connected: http.client connects on the next request
    try:
        poller = select.poll()
        poller.register(conn.sock, select.POLLIN)
        return bool(poller.poll(0))
    except (OSError, ValueError):
        return True


class KeepAliveWebClient(WebClient):
    def __init__(self, *args: Any, max_idle: float = MAX_IDLE_SECONDS,
                 monotonic: Callable[[], float] = time.monotonic, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.max_idle = max_idle
        self._monotonic = monotonic

    def _perform_urllib_http_request_internal(self, url: str, req: Request) -> dict[str, Any]:
        parts = urllib.parse.urlsplit(url)
        if self.proxy is not None or parts.scheme not in ("http", "https"):
            return super()._perform_urllib_http_request_internal(url, req)
        held = self._connection(parts)
        conn = held.conn
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        try:
            conn.request(req.get_method(), path, body=req.data, headers=dict(req.header_items()))
        except OSError as exc:  # as urlopen: a request that could not be sent is a URLError
            self._drop()
            raise URLError(exc) from exc
        try:
            response = conn.getresponse()
            body = response.read()
        except BaseException:  # a timeout or a reset mid-answer leaves the connection unusable
            self._drop()
            raise
        held.last_used = self._monotonic()
        if 300 <= response.status < 400:  # Slack's API does not redirect; urllib knows how to follow one
            return super()._perform_urllib_http_request_internal(url, req)
        if response.status >= 400:
            raise HTTPError(url, response.status, response.reason, response.headers, io.BytesIO(body))
        if response.headers.get_content_type() == "application/gzip":  # as slack_sdk: admin.analytics.getFile
            return {"status": response.status, "headers": response.headers, "body": body}
        charset = response.headers.get_content_charset() or "utf-8"
        return {"status": response.status, "headers": response.headers, "body": body.decode(charset)}

    def _connection(self, parts: urllib.parse.SplitResult) -> _Held:
        key = (parts.scheme, parts.netloc, id(self.ssl))
        held: _Held | None = getattr(_local, "held", None)
        if held is not None and (held.key != key or self._monotonic() - held.last_used > self.max_idle
                                 or _closed_by_server(held.conn)):
            self._drop()
            held = None
        if held is None:
            if parts.scheme == "https":
                conn: http.client.HTTPConnection = http.client.HTTPSConnection(
                    parts.netloc, timeout=self.timeout, context=self.ssl)
            else:
                conn = http.client.HTTPConnection(parts.netloc, timeout=self.timeout)
            held = _local.held = _Held(key, conn)
        # clients share the connection, and a client's timeout may have been changed since it was made
        # (set only when it differs: `settimeout` costs two system calls on every Slack call otherwise)
        if held.conn.timeout != self.timeout:
            held.conn.timeout = self.timeout
            if held.conn.sock is not None:
                held.conn.sock.settimeout(self.timeout)
        return held

    @staticmethod
    def _drop() -> None:
        held = getattr(_local, "held", None)
        if held is not None:
            _local.held = None
            held.close()
