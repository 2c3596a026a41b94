"""Coalesced live updates: at most one `chat.update` per message per interval, and the last state always shown.

`chat.update` is Tier 3 (about 50 a minute per workspace), so a burst of votes must not become a burst of
updates. The interval is 1.1 s rather than 1 s so that network jitter can never put two updates of one
message inside the same second at Slack's end. The first change to a quiet message is drawn at once; changes
that arrive within the interval mark the message dirty and are drawn together when the interval has passed.
Each update reads the state at the moment it is drawn, so the final state is always what the channel ends up
seeing.

`Coalescer` (bot/slack/coalesce.py) is the pure rule, time passed in; `LiveUpdates` runs it: on a daemon thread in
the app, or by `flush(now)` calls in tests and the console. In the app `changed()` never draws on the
caller's thread (draws go to the after-ack pool, `bot.runtime`; on their own, to four threads of their
own), so a listener can report a change before it acknowledges at the cost of a dictionary write.
`exclusive(key)` lets the code that replaces a live message for good (a quiz reveal) wait for a draw in
flight, so a late count can never land on top of it.

A draw that fails (Slack refuses the `chat.update`, or does not answer) is not left for "the next change",
which may never come: the message is marked dirty again and redrawn after a backoff, out of the same
budget (`Coalescer.failed`), so the final tally of a burst reaches the channel even if Slack refused the
last few updates. Errors Slack will repeat for this message end that after a few tries.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Hashable
from concurrent.futures import ThreadPoolExecutor

from slack_sdk.errors import SlackApiError

from bot.slack.coalesce import Coalescer
from bot.slack.keyed_locks import KeyedLock, KeyedLocks
from bot.slack.posting import error_code

log = logging.getLogger(__name__)

# Slack's Tier 3 (chat.update): "50+ per minute" per workspace. Live redraws average at most 50 a minute
# per workspace in this process (55 in any one minute, with the burst); a poll's closing edit and a
# quiz's reveal are not counted.
UPDATES_PER_WORKSPACE_PER_MINUTE = 50

# chat.update errors that pass: tried again for about an hour (bot/slack/coalesce.py). Any other error Slack
# names (message_not_found, cant_update_message, channel_not_found, edit_window_closed, invalid_auth,
# token_revoked, msg_too_long, ...: https://api.slack.com/methods/chat.update#errors) is about this
# message or this install and would repeat: tried a few times, then the message is left as it is.
TRANSIENT_ERRORS = frozenset({"ratelimited", "rate_limited", "request_timeout", "fatal_error", "internal_error",
                              "service_unavailable"})


class LiveUpdates:
    """Runs a Coalescer: `changed(key, draw)` whenever state behind a message changes."""

    def __init__(self, interval: float = 1.1, monotonic: Callable[[], float] = time.monotonic,
                 run: Callable[[Callable[[], None]], object] | None = None, background: bool = True,
                 per_workspace_per_minute: float | None = UPDATES_PER_WORKSPACE_PER_MINUTE):
        """Draws go to `run(draw)` (the app's after-ack pool; it raises RuntimeError once shut down), else to
        draw threads of its own when `background`, else run on the thread that calls `flush`. With
        `background`, a timer thread hands out the draws that come due."""
        self.coalescer = Coalescer(interval, per_minute=per_workspace_per_minute)
        self._monotonic = monotonic
        self._draw: dict[Hashable, Callable[[], None]] = {}  # only keys the coalescer knows: dropped with them
        self._draws_lock = threading.Lock()  # a key's draw is set and offered, or dropped, as one step
        self._pool = (ThreadPoolExecutor(max_workers=4, thread_name_prefix="live-draw")
                      if background and run is None else None)
        self._run: Callable[[Callable[[], None]], object] = (
            run or (self._pool.submit if self._pool is not None else _draw_here))
        self._stop = threading.Event()
        self._locks = KeyedLocks(threading.RLock)  # a key's lock lasts while a draw or a reveal holds it
        if background:
            threading.Thread(target=self._loop, name="live-updates", daemon=True).start()

    def changed(self, key: Hashable, draw: Callable[[], None], workspace: str | None = None) -> None:
        """The state behind message `key` (in `workspace`, whose `chat.update` budget it shares) changed."""
        with self._draws_lock:
            self._draw[key] = draw
            start = self.coalescer.offer(key, self._monotonic(), workspace)
        if start:
            self._start(key)

    def flush(self, now: float | None = None) -> int:
        """Draw every queued message whose interval (or retry time) has passed, and forget the messages
        that are drawn and idle; returns how many were drawn."""
        moment = self._monotonic() if now is None else now
        keys = self.coalescer.due(moment)
        with self._draws_lock:
            for key in self.coalescer.prune(moment):
                self._draw.pop(key, None)
        for key in keys:
            self._start(key)
        return len(keys)

    def _start(self, key: Hashable) -> None:
        if not self._stop.is_set():
            try:
                self._run(lambda: self._draw_once(key))
                return
            except RuntimeError:  # the draw threads stopped between the check and the hand-over
                pass
        self.coalescer.done(key)  # shutting down: the state is stored, and the next change redraws it

    def exclusive(self, key: Hashable) -> KeyedLock:
        """The lock every draw of `key` holds: `with live.exclusive(key):` waits for a draw in flight and
        keeps the next one out, so a final version drawn inside it is the last thing Slack receives."""
        return self._locks(key)

    def _draw_once(self, key: Hashable) -> None:
        try:
            with self.exclusive(key):
                self._draw[key]()
        except Exception as exc:  # noqa: BLE001 - a failed update is retried (`_failed`); never crash the loop
            self._failed(key, exc)
        else:
            self.coalescer.done(key)

    def _failed(self, key: Hashable, exc: Exception) -> None:
        """Mark the message dirty again, to be redrawn after a backoff; or, tried enough, forget it."""
        permanent, retry_after, reason = False, 0.0, type(exc).__name__
        if isinstance(exc, SlackApiError):
            reason = error_code(exc) or f"HTTP {getattr(exc.response, 'status_code', '?')}"
            permanent = bool(error_code(exc)) and error_code(exc) not in TRANSIENT_ERRORS
            retry_after = _retry_after(exc)
        with self._draws_lock:
            retry_at = self.coalescer.failed(key, self._monotonic(), permanent=permanent, retry_after=retry_after)
            if retry_at is None:
                self._draw.pop(key, None)
        if retry_at is None:
            log.warning("live update of %s failed (%s); tried enough, the message is left as it is", key, reason)
        else:
            log.warning("live update of %s failed (%s); trying again in %.0f s", key, reason,
                        retry_at - self._monotonic(), exc_info=not isinstance(exc, SlackApiError))

    def _loop(self) -> None:
        while not self._stop.wait(0.1):
            self.flush()

    def sizes(self) -> dict[str, int]:
        """How many messages each map holds (the coalescer's, and the draws): nothing grows for ever."""
        with self._draws_lock:
            draws = len(self._draw)
        return {**self.coalescer.sizes(), "draws": draws, "locks": len(self._locks)}

    def stop(self) -> None:
        """No more draws are queued; the ones in flight finish (waited for here on draw threads of its own;
        on a `run` given to it, by whoever owns that, `bot.runtime.Runtime.stop`)."""
        self._stop.set()
        if self._pool is not None:
            self._pool.shutdown(wait=True)


def _draw_here(draw: Callable[[], None]) -> None:
    draw()


def _retry_after(exc: SlackApiError) -> float:
    """Slack's Retry-After (seconds) on a 429 that outlasted slack_sdk's own retries; 0 without one."""
    headers = getattr(exc.response, "headers", None) or {}
    value = next((v for k, v in headers.items() if k.lower() == "retry-after"), None)
    if isinstance(value, list):
        value = value[0] if value else None
    try:
        return max(0.0, float(value)) if value is not None else 0.0
    except (TypeError, ValueError):
        return 0.0
