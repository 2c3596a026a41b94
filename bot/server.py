"""The HTTP server (Procfile `web:`): waitress, one process, a pool of worker threads, on $PORT.

`python -m bot.server bot.web:create_wsgi_app` serves the WSGI app the factory returns.

Why waitress: it reads every request, body included, on its one I/O thread (non-blocking sockets) and
hands it to a worker thread only once it is complete, so a client that sends headers and stalls mid-body
holds a socket, never a thread (gunicorn's threads read the body themselves: 16 stalled clients held all
8 and a real `/digest help` timed out, faults.md D3). A body declared over `MAX_BODY_BYTES` is refused
with 413 by the server before it is read, and the app checks again (bot/web.py). A connection that
sends nothing for `channel_timeout` seconds is closed. One process because the scheduler lives in it
and SQLite prefers one writer process; threads because listeners spend their time waiting on Slack.
SIGTERM stops accepting, lets queued Slack work and journaled clicks finish (`bot.web.shutdown`).
"""

from __future__ import annotations

import importlib
import os
import signal
import sys
from types import FrameType
from wsgiref.types import WSGIApplication

from waitress import create_server

from bot.web import MAX_BODY_BYTES, shutdown

THREADS = int(os.environ.get("WEB_THREADS", "8"))
STALLED_CONNECTION_S = 30  # a client silent this long mid-request is dropped


def load(target: str) -> WSGIApplication:
    """`module:factory` or `module:factory(args)`: the factory's WSGI app (as gunicorn reads its target)."""
    module_name, _, expression = target.partition(":")
    module = importlib.import_module(module_name)
    if "(" not in expression:
        expression += "()"
    app: WSGIApplication = eval(expression, vars(module))  # noqa: S307 - the operator's own command line
    return app


def main(argv: list[str]) -> int:
    target = argv[0] if argv else "bot.web:create_wsgi_app"
    port = int(os.environ.get("PORT") or 3000)
    app = load(target)
    server = create_server(app, host=os.environ.get("HOST", "0.0.0.0"), port=port, threads=THREADS,
                           max_request_body_size=MAX_BODY_BYTES, channel_timeout=STALLED_CONNECTION_S,
                           connection_limit=1000, backlog=1024, ident="", expose_tracebacks=False,
                           clear_untrusted_proxy_headers=True)

    def stop(signum: int, frame: FrameType | None) -> None:
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)
    try:
        server.run()
    except (SystemExit, KeyboardInterrupt):
        pass
    finally:
        server.close()
        shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
