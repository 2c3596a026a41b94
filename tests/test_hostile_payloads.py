"""Signed but malformed payloads: a 4xx or a private reply, never a 500, never a traceback in the log.

Slack signs what it sends, so these come only from a bug on Slack's side, a proxy, or someone holding the
signing secret; the app should still answer each with a clear refusal and go on serving.
"""

from __future__ import annotations

import copy
import json
import logging
from collections.abc import Callable
from urllib.parse import quote, urlencode

import pytest

from store import polls
from tests.conftest import TEAM
from tests.support.signing import block_actions_payload, slash_command_params, view_submission_payload

BIG = "1" * 30  # a 30-digit id: a Python int, not an SQLite one


def form(payload: object) -> str:
    return "payload=" + quote(json.dumps(payload) if not isinstance(payload, str) else payload)


def click(action_id: str, value: str | None = "1|yes", **kw) -> dict:
    return block_actions_payload(action_id, value, user_id="U1", channel_id="C0CHAN", team_id=TEAM, **kw)


def comment(values: object = None, metadata: object = "1") -> dict:
    payload = view_submission_payload("poll.comment_view", {"comment": {"comment_text": "a fine comment"}},
                                      user_id="U1", team_id=TEAM, private_metadata="1")
    if values is not None:
        payload["view"]["state"]["values"] = values
    payload["view"]["private_metadata"] = metadata
    return payload


def estimate(metadata: object = "1|1", value: object = "42") -> dict:
    payload = view_submission_payload("quiz.numeric_view", {"estimate": {"estimate_value": "42"}}, user_id="U1",
                                      team_id=TEAM)
    payload["view"]["private_metadata"] = metadata
    payload["view"]["state"]["values"]["estimate"]["estimate_value"]["value"] = value
    return payload


def without(payload: dict, *path: str) -> dict:
    changed = copy.deepcopy(payload)
    target = changed
    for key in path[:-1]:
        target = target[key]
    target.pop(path[-1])
    return changed


def with_(payload: dict, value: object, *path: str) -> dict:
    changed = copy.deepcopy(payload)
    target = changed
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return changed


def command(**changes: object) -> str:
    params = slash_command_params("/digest", "help", user_id="U1", channel_id="C0CHAN", team_id=TEAM)
    params.update(changes)
    return urlencode({k: v for k, v in params.items() if v is not None})


SHAPES: dict[str, Callable[[], str]] = {
    "empty payload=": lambda: "payload=",
    "payload null": lambda: form("null"),
    "payload a string": lambda: form('"block_actions"'),
    "payload a number": lambda: form("42"),
    "only a type": lambda: form({"type": "block_actions"}),
    "actions empty": lambda: form(with_(click("poll.vote.0"), [], "actions")),
    "actions [null]": lambda: form(with_(click("poll.vote.0"), [None], "actions")),
    "actions [string]": lambda: form(with_(click("poll.vote.0"), ["poll.vote.0"], "actions")),
    "action without action_id": lambda: form(without(click("poll.vote.0"), "actions", 0, "action_id")),
    "action_id a number": lambda: form(with_(click("poll.vote.0"), 7, "actions", 0, "action_id")),
    "vote value a number": lambda: form(with_(click("poll.vote.0"), 17, "actions", 0, "value")),
    "vote value an object": lambda: form(with_(click("poll.vote.0"), {"a": 1}, "actions", 0, "value")),
    "vote on a 30-digit poll": lambda: form(click("poll.vote.0", f"{BIG}|yes")),
    "vote without user": lambda: form(without(click("poll.vote.0"), "user")),
    "vote with user a string": lambda: form(with_(click("poll.vote.0"), "U1", "user")),
    "vote with user {}": lambda: form(with_(click("poll.vote.0"), {}, "user")),
    "vote with user id a number": lambda: form(with_(click("poll.vote.0"), 123, "user", "id")),
    "team null": lambda: form(with_(click("poll.vote.0"), None, "team")),
    "channel a number": lambda: form(with_(click("poll.vote.0"), 5, "channel")),
    "container a string": lambda: form(with_(click("poll.vote.0"), "x", "container")),
    "answer on a 30-digit quiz": lambda: form(click("quiz.choice.0", f"{BIG}|1|0")),
    "comment button without trigger_id": lambda: form(without(click("poll.comment", "1"), "trigger_id")),
    "comment button, trigger_id a number": lambda: form(with_(click("poll.comment", "1"), 9, "trigger_id")),
    "comment button on a 30-digit poll": lambda: form(click("poll.comment", BIG)),
    "read-full button without trigger_id": lambda: form(without(click("digest.read_full", "1"), "trigger_id")),
    "quick check on a 30-digit section": lambda: form(click("quiz.quick_check", BIG)),
    "home post-next without user": lambda: form(without(click("home.post_next", "C0CHAN"), "user")),
    "view missing": lambda: form(without(comment(), "view")),
    "view without state": lambda: form(without(comment(), "view", "state")),
    "state values a string": lambda: form(comment(values="x")),
    "comment input a string": lambda: form(comment(values={"comment": {"comment_text": "raw"}})),
    "comment value a number": lambda: form(comment(values={"comment": {"comment_text": {"value": 5}}})),
    "comment on a 30-digit poll": lambda: form(comment(metadata=BIG)),
    "comment metadata a number": lambda: form(comment(metadata=1)),
    "comment without user": lambda: form(without(comment(), "user")),
    "estimate on a 30-digit quiz": lambda: form(estimate(metadata=f"{BIG}|1")),
    "estimate value a number": lambda: form(estimate(value=42)),
    "callback_id a number": lambda: form(with_(comment(), 3, "view", "callback_id")),
    "command without user_id": lambda: command(user_id=None),
    "command without channel_id": lambda: command(channel_id=None),
    "command without text": lambda: command(text=None),
    "event a string": lambda: json.dumps({"type": "event_callback", "team_id": TEAM, "event": "x",
                                          "event_id": "Ev1"}),
    "event without a type": lambda: json.dumps({"type": "event_callback", "team_id": TEAM, "event": {},
                                                "event_id": "Ev2"}),
    "home opened without user": lambda: json.dumps({"type": "event_callback", "team_id": TEAM, "event_id": "Ev3",
                                                    "event": {"type": "app_home_opened", "tab": "home"}}),
    "home opened with a view that is a string": lambda: json.dumps({
        "type": "event_callback", "team_id": TEAM, "event_id": "Ev4",
        "event": {"type": "app_home_opened", "tab": "home", "user": "U1", "view": "x"}}),
}


@pytest.fixture
def open_poll(http_app, stub, services):
    http_app.command("/discuss", "1", user_id="UHOST")
    stub.wait_for("chat.postMessage")
    services.wait_idle()
    return polls.latest_post(services.store, TEAM, "C0CHAN", 1)


@pytest.mark.parametrize("shape", list(SHAPES))
def test_a_signed_malformed_payload_gets_a_4xx_or_a_reply_and_no_traceback(http_app, services, open_poll, caplog,
                                                                           shape):
    caplog.set_level(logging.INFO)
    response = http_app.post(SHAPES[shape]())
    services.wait_idle()
    assert response.status < 500 and response.status != 0, (response.status, response.body)
    assert [r.getMessage() for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR] == []
    assert http_app.command("/digest", "help").status == 200  # and it goes on serving


# -- a replayed submission has one effect ---------------------------------------------------------------------
def test_the_same_comment_submission_five_times_stores_and_posts_one_comment(http_app, stub, services, open_poll):
    body = form(view_submission_payload("poll.comment_view", {"comment": {"comment_text": "said once"}},
                                        user_id="U1", team_id=TEAM, private_metadata=str(open_poll.id),
                                        view_id="VREPLAY01"))
    threads_before = len([c for c in stub.calls("chat.postMessage") if c.params.get("thread_ts")])
    statuses = [http_app.post(body).status for _ in range(5)]
    services.wait_idle()
    assert statuses == [200] * 5
    assert [c["text"] for c in polls.comments(services.store, TEAM, open_poll.id)] == ["said once"]
    thread_posts = [c for c in stub.calls("chat.postMessage") if c.params.get("thread_ts")]
    assert len(thread_posts) - threads_before == 1


def test_a_corrected_submission_of_the_same_form_is_stored(http_app, services, open_poll):
    """A submission refused in the form (too long) claims nothing: the fixed one from the same modal counts."""
    def submit(text: str):
        return http_app.submit_view("poll.comment_view", {"comment": {"comment_text": text}}, user_id="U1",
                                    private_metadata=str(open_poll.id), view_id="VFIXED01")

    assert submit("x" * 5000).json()["response_action"] == "errors"
    assert submit("shorter now").status == 200
    assert submit("from the same form again").status == 200  # same view id and hash: a copy, not stored
    assert [c["text"] for c in polls.comments(services.store, TEAM, open_poll.id)] == ["shorter now"]
