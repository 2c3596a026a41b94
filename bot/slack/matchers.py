"""Bolt's listener matching without a full set of keyword arguments per question.

Bolt asks each listener in registration order whether a request is its own. Its built-in matchers (the
`/digest` of `app.command("/digest")`, an action_id, an event type) are functions of the request body only,
but each question first builds every keyword argument a listener could take (the client, `say`,
`respond`, the context's copies...) and then drops all but `body`: about 13 µs, paid once for every
listener a request passes on its way to its own. A burst of thread replies passes two (`/digest`, the
vote buttons), a `/quiz` four. `ask_bodies_directly` gives each such matcher the body itself; the
answer is the same function's.

It reaches into `App._listeners` and checks what it replaces: only Bolt's own `BuiltinListenerMatcher`
whose function takes `body` alone. A Bolt release that changes either is found by
tests/slack/test_matchers.py, and the listeners are then left as Bolt made them.
"""

from __future__ import annotations

from collections.abc import Callable

from slack_bolt import App, BoltRequest, BoltResponse
from slack_bolt.listener_matcher import ListenerMatcher
from slack_bolt.listener_matcher.builtins import BuiltinListenerMatcher


class BodyMatcher(ListenerMatcher):
    """A built-in matcher asked with the request body alone."""

    def __init__(self, func: Callable[..., object]):
        self.func = func

    def matches(self, req: BoltRequest, resp: BoltResponse) -> bool:
        return bool(self.func(body=req.body))


def ask_bodies_directly(app: App) -> None:
    """Replace every built-in matcher of the app's listeners that needs only the body."""
    for listener in getattr(app, "_listeners", []):
        listener.matchers = [BodyMatcher(m.func) if type(m) is BuiltinListenerMatcher and list(m.arg_names) == ["body"]
                             else m for m in listener.matchers]
