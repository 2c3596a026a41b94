"""Signed requests as Slack sends them to an app, with bodies built from Slack's own payload samples.

``sign()`` produces the headers Slack adds (``v0=`` HMAC-SHA256 over ``v0:{timestamp}:{body}``). The
``*_body`` builders load the java-slack-sdk ``json-logs/samples/app-backend`` (and ``events``) files, keep
the keys that payload kind carries, and fill them with realistic values, so the key names stay Slack's.

Those samples are the union of every key ever seen, including Enterprise Grid-only ones. For an ordinary
(non-Grid) workspace Slack omits ``enterprise_id``/``enterprise_name`` and sends ``"enterprise": null``;
the builders do the same unless ``enterprise_id=`` is given, in which case every Grid key is filled.

Every URL a builder invents points at 127.0.0.1 (``response_url`` defaults to port 9, which refuses
connections), so an app that follows it cannot reach the internet; pass ``stub.response_url()`` to capture
what the app sends there.
"""

from __future__ import annotations

import copy
import hashlib
import hmac
import itertools
import json
import time
import urllib.error
import urllib.request
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlencode

from .paths import JAVA_SAMPLES, load_json

TEAM_DOMAIN = "test-team"
APP_ID = "A0001"
BOT_USER_ID = "UBOT"
BOT_ID = "B0001"
VERIFICATION_TOKEN = "verification-token-test"  # deprecated field Slack still sends
UNROUTABLE_RESPONSE_BASE = "http://127.0.0.1:9/hooks"

_seq = itertools.count(1)


def sign(body: str | bytes, secret: str, timestamp: int | None = None) -> dict[str, str]:
    """Headers Slack sends with ``body``: timestamp, ``v0=`` signature and a sniffed Content-Type."""
    raw = body.encode("utf-8") if isinstance(body, str) else body
    ts = int(time.time()) if timestamp is None else int(timestamp)
    base = b"v0:" + str(ts).encode() + b":" + raw
    digest = hmac.new(secret.encode("utf-8"), base, hashlib.sha256).hexdigest()
    ctype = "application/json" if raw.lstrip()[:1] in (b"{", b"[") else "application/x-www-form-urlencoded"
    return {"X-Slack-Request-Timestamp": str(ts), "X-Slack-Signature": f"v0={digest}", "Content-Type": ctype}


def post(url: str, body: str | bytes, secret: str, *, timestamp: int | None = None,
         timeout: float = 5.0, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    """POST a signed body to a locally running app; return (status, headers, body) even for 4xx/5xx."""
    raw = body.encode("utf-8") if isinstance(body, str) else body
    req = urllib.request.Request(url, data=raw, method="POST",
                                 headers={**sign(raw, secret, timestamp), **(headers or {})})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.status, dict(resp.headers), resp.read()
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers), err.read()


# --------------------------------------------------------------------------- helpers
def _sample(*parts: str) -> dict[str, Any]:
    return load_json(*JAVA_SAMPLES, *parts)


def _keep(sample: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    """``values`` ordered like ``sample``; every key must exist in the sample (keeps key names Slack's)."""
    unknown = set(values) - set(sample)
    if unknown:
        raise KeyError(f"keys not in Slack's sample: {sorted(unknown)}")
    return {k: values[k] for k in sample if k in values}


def _trigger_id() -> str:
    n = next(_seq)
    return f"{1700000000 + n}.{4000000000 + n}.{hashlib.sha1(str(n).encode()).hexdigest()[:32]}"


def _next_ts() -> str:
    return f"{1700000000 + next(_seq)}.000200"


def _response_url(kind: str, team_id: str) -> str:
    n = next(_seq)
    return f"{UNROUTABLE_RESPONSE_BASE}/{kind}/{team_id}/{4000000000 + n}/{hashlib.md5(str(n).encode()).hexdigest()}"


def _team(sample: dict[str, Any], team_id: str, enterprise_id: str | None) -> dict[str, Any]:
    vals: dict[str, Any] = {"id": team_id, "domain": TEAM_DOMAIN}
    if enterprise_id:
        vals.update(enterprise_id=enterprise_id, enterprise_name="Test Org")
    return _keep(sample["team"], vals)


def _user(sample: dict[str, Any], user_id: str, team_id: str) -> dict[str, Any]:
    name = f"user{user_id.lower()}"
    return _keep(sample["user"], {"id": user_id, "username": name, "name": name, "team_id": team_id})


def _enterprise(enterprise_id: str | None) -> dict[str, str] | None:
    return {"id": enterprise_id, "name": "Test Org"} if enterprise_id else None


def _form_payload(payload: dict[str, Any]) -> str:
    return urlencode({"payload": json.dumps(payload, separators=(",", ":"))})


def plain_text(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text, "emoji": True}


# --------------------------------------------------------------------------- slash commands
def slash_command_params(command: str, text: str, *, user_id: str, channel_id: str, team_id: str = "T0001",
                         trigger_id: str | None = None, response_url: str | None = None,
                         enterprise_id: str | None = None, channel_name: str | None = None,
                         api_app_id: str = APP_ID) -> dict[str, str]:
    """The slash-command fields as a dict of strings (what ``slash_command_body`` encodes)."""
    sample = _sample("app-backend", "slash-commands", "SlashCommandPayload.json")
    vals: dict[str, Any] = {
        "token": VERIFICATION_TOKEN,
        "api_app_id": api_app_id,
        "team_id": team_id,
        "team_domain": TEAM_DOMAIN,
        "channel_id": channel_id,
        "channel_name": channel_name
        or ("directmessage" if channel_id.startswith("D") else f"channel-{channel_id.lower()}"),
        "user_id": user_id,
        "user_name": f"user{user_id.lower()}",
        "command": command if command.startswith("/") else "/" + command,
        "text": text,
        "response_url": response_url or _response_url("commands", team_id),
        "trigger_id": trigger_id or _trigger_id(),
        "is_enterprise_install": "false",
    }
    if enterprise_id:
        vals.update(enterprise_id=enterprise_id, enterprise_name="Test Org")
    return _keep(sample, vals)


def slash_command_body(command: str, text: str, *, user_id: str, channel_id: str, team_id: str = "T0001",
                       trigger_id: str | None = None, response_url: str | None = None,
                       enterprise_id: str | None = None, channel_name: str | None = None) -> str:
    """Form-encoded slash command, keyed like SlashCommandPayload.json."""
    return urlencode(slash_command_params(command, text, user_id=user_id, channel_id=channel_id, team_id=team_id,
                                          trigger_id=trigger_id, response_url=response_url,
                                          enterprise_id=enterprise_id, channel_name=channel_name))


# --------------------------------------------------------------------------- block_actions
def block_actions_payload(action_id: str, value: str | None, *, user_id: str, channel_id: str | None,
                          team_id: str = "T0001", message_ts: str | None = None, block_id: str | None = None,
                          trigger_id: str | None = None, message: dict[str, Any] | None = None,
                          extra_action: dict[str, Any] | None = None, view: dict[str, Any] | None = None,
                          response_url: str | None = None, enterprise_id: str | None = None,
                          state_values: dict[str, Any] | None = None) -> dict[str, Any]:
    """A block_actions payload dict shaped like BlockActionPayload.json.

    A button click in a channel message by default. ``extra_action`` is merged into the action (a key set to
    None is removed), e.g. ``{"type": "static_select", "selected_option": {...}, "text": None, "value": None}``.
    With ``view=`` (and ``channel_id=None``) the click comes from a modal / App Home view instead.
    """
    sample = _sample("app-backend", "interactive-components", "BlockActionPayload.json")
    block_id = block_id or f"b-{action_id}"[:255]
    action = {"action_id": action_id, "block_id": block_id, "text": plain_text("Click"), "value": value,
              "type": "button", "action_ts": f"{time.time():.6f}"}
    if value is None:
        action.pop("value")
    for k, v in (extra_action or {}).items():
        if v is None:
            action.pop(k, None)
        else:
            action[k] = v
    action = _keep(sample["actions"][0], action)

    vals: dict[str, Any] = {
        "type": "block_actions",
        "user": _user(sample, user_id, team_id),
        "api_app_id": APP_ID,
        "token": VERIFICATION_TOKEN,
        "trigger_id": trigger_id or _trigger_id(),
        "team": _team(sample, team_id, enterprise_id),
        "enterprise": _enterprise(enterprise_id),
        "is_enterprise_install": False,
        "state": {"values": state_values or {}},
        "actions": [action],
    }
    if view is not None:
        full_view = dict(view)
        full_view.setdefault("id", "V1")
        full_view.setdefault("team_id", team_id)
        full_view.setdefault("state", {"values": state_values or {}})
        full_view.setdefault("hash", "1700000000.abcdef")
        full_view.setdefault("app_id", APP_ID)
        full_view.setdefault("bot_id", BOT_ID)
        vals["container"] = _keep(sample["container"], {"type": "view", "view_id": full_view["id"]})
        vals["view"] = full_view
    if channel_id is not None:
        ts = message_ts or (message or {}).get("ts") or _next_ts()
        if message is None:
            element = {"type": "button", "action_id": action_id, "text": action.get("text", plain_text("Click"))}
            if value is not None:
                element["value"] = value
            message = {"type": "message", "user": BOT_USER_ID, "bot_id": BOT_ID, "app_id": APP_ID, "team": team_id,
                       "text": "", "ts": ts,
                       "blocks": [{"type": "actions", "block_id": block_id, "elements": [element]}]}
        vals["container"] = _keep(sample["container"], {"type": "message", "message_ts": ts, "channel_id": channel_id,
                                                         "is_ephemeral": False})
        vals["channel"] = _keep(sample["channel"], {"id": channel_id, "name": f"channel-{channel_id.lower()}"})
        vals["message"] = message
        vals["response_url"] = response_url or _response_url("actions", team_id)
    if "container" not in vals:
        raise ValueError("block_actions needs channel_id (message click) or view (view click)")
    return _keep(sample, vals)


def block_actions_body(action_id: str, value: str | None, *, user_id: str, channel_id: str | None,
                       team_id: str = "T0001", message_ts: str | None = None, block_id: str | None = None,
                       trigger_id: str | None = None, message: dict[str, Any] | None = None,
                       extra_action: dict[str, Any] | None = None, **more: Any) -> str:
    """Form-encoded ``payload=<json>`` block_actions request (see ``block_actions_payload``)."""
    return _form_payload(block_actions_payload(action_id, value, user_id=user_id, channel_id=channel_id,
                                               team_id=team_id, message_ts=message_ts, block_id=block_id,
                                               trigger_id=trigger_id, message=message, extra_action=extra_action,
                                               **more))


# --------------------------------------------------------------------------- view_submission
def _state_values(values: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for block_id, actions in values.items():
        out[block_id] = {}
        for action_id, v in actions.items():
            out[block_id][action_id] = v if isinstance(v, dict) else {"type": "plain_text_input", "value": v}
    return out


def view_submission_payload(callback_id: str, values: dict[str, dict[str, Any]], *, user_id: str,
                            team_id: str = "T0001", private_metadata: str = "", view_id: str = "V1",
                            title: str = "Form", blocks: Iterable[dict[str, Any]] | None = None,
                            enterprise_id: str | None = None, external_id: str = "") -> dict[str, Any]:
    """A view_submission payload shaped like ViewSubmissionPayload.json.

    ``values`` is ``{block_id: {action_id: value}}``: a plain string becomes a ``plain_text_input`` state,
    a dict is used as the element state verbatim (e.g. ``{"type": "static_select", "selected_option": ...}``).
    Without ``blocks`` an input block per value is generated so the view looks like what was submitted.
    """
    sample = _sample("app-backend", "views", "ViewSubmissionPayload.json")
    state = _state_values(values)
    if blocks is None:
        blocks = [{"type": "input", "block_id": b, "label": plain_text(a),
                   "element": {"type": st.get("type", "plain_text_input"), "action_id": a}}
                  for b, acts in state.items() for a, st in acts.items()]
    view_vals = {
        "id": view_id, "team_id": team_id, "type": "modal", "title": plain_text(title),
        "submit": plain_text("Submit"), "close": plain_text("Cancel"), "private_metadata": private_metadata,
        "callback_id": callback_id, "external_id": external_id, "state": {"values": state},
        "hash": "1700000000.abcdef12", "clear_on_close": False, "notify_on_close": False,
        "root_view_id": view_id, "previous_view_id": None, "app_id": APP_ID, "app_installed_team_id": team_id,
        "bot_id": BOT_ID,
    }
    view = _keep(sample["view"], view_vals)
    view["blocks"] = list(blocks)  # real views carry blocks; the sample's view stub omits them
    vals = {
        "type": "view_submission",
        "team": _team(sample, team_id, enterprise_id),
        "enterprise": _enterprise(enterprise_id),
        "user": _user(sample, user_id, team_id),
        "api_app_id": APP_ID,
        "token": VERIFICATION_TOKEN,
        "trigger_id": _trigger_id(),
        "view": view,
        "is_enterprise_install": False,
    }
    return _keep(sample, vals)


def view_submission_body(callback_id: str, values: dict[str, dict[str, Any]], *, user_id: str,
                         team_id: str = "T0001", private_metadata: str = "", view_id: str = "V1",
                         **more: Any) -> str:
    """Form-encoded ``payload=<json>`` view_submission request (see ``view_submission_payload``)."""
    return _form_payload(view_submission_payload(callback_id, values, user_id=user_id, team_id=team_id,
                                                 private_metadata=private_metadata, view_id=view_id, **more))


# --------------------------------------------------------------------------- Events API
def event_envelope(event: dict[str, Any], *, team_id: str = "T0001", event_id: str | None = None,
                   enterprise_id: str | None = None, event_time: int | None = None) -> dict[str, Any]:
    """An ``event_callback`` envelope keyed like the events samples (AppHomeOpenedPayload.json).

    ``authed_users``/``authed_teams`` are left out: Slack has replaced them with ``authorizations``.
    """
    sample = _sample("events", "AppHomeOpenedPayload.json")
    n = next(_seq)
    ev = dict(event)
    ev.setdefault("event_ts", f"{1700000000 + n}.000300")
    vals: dict[str, Any] = {
        "token": VERIFICATION_TOKEN,
        "team_id": team_id,
        "api_app_id": APP_ID,
        "event": ev,
        "type": "event_callback",
        "event_id": event_id or f"Ev{n:08d}",
        "event_time": int(time.time()) if event_time is None else event_time,
        "authorizations": [_keep(sample["authorizations"][0], {
            "enterprise_id": enterprise_id, "team_id": team_id, "user_id": BOT_USER_ID, "is_bot": True,
            "is_enterprise_install": False})],
        "is_ext_shared_channel": False,
        "event_context": f"4-{hashlib.sha1(str(n).encode()).hexdigest()}",
    }
    if enterprise_id:
        vals["enterprise_id"] = enterprise_id
    return _keep(sample, vals)


def event_body(event: dict[str, Any], *, team_id: str = "T0001", event_id: str | None = None, **more: Any) -> str:
    """JSON ``event_callback`` request body (see ``event_envelope``)."""
    return json.dumps(event_envelope(event, team_id=team_id, event_id=event_id, **more))


def app_home_opened_event(user_id: str, *, channel_id: str = "D0001", tab: str = "home",
                          view: dict[str, Any] | None = None) -> dict[str, Any]:
    """The ``event`` of AppHomeOpenedPayload.json. ``view`` is absent until a Home view was published."""
    sample = _sample("events", "AppHomeOpenedPayload.json")["event"]
    vals: dict[str, Any] = {"type": "app_home_opened", "user": user_id, "channel": channel_id, "tab": tab,
                            "event_ts": _next_ts()}
    if view is not None:
        vals["view"] = view
    return _keep(sample, vals)


def message_event(text: str, *, user_id: str, channel_id: str, ts: str | None = None,
                  thread_ts: str | None = None, channel_type: str = "channel") -> dict[str, Any]:
    """The ``event`` of MessagePayload.json for a plain user message."""
    sample = _sample("events", "MessagePayload.json")["event"]
    ts = ts or _next_ts()
    vals: dict[str, Any] = {"type": "message", "user": user_id, "text": text, "ts": ts, "channel": channel_id,
                            "event_ts": ts, "channel_type": channel_type, "team": "T0001"}
    if thread_ts:
        vals["thread_ts"] = thread_ts
    return _keep(sample, {k: v for k, v in vals.items() if k in sample})


def url_verification_body(challenge: str = "valid_challenge_token") -> str:
    """Slack's URL verification request (python-slack-events-api tests/data/url_challenge.json)."""
    d = copy.deepcopy(load_json("slackapi", "python-slack-events-api", "tests", "data", "url_challenge.json"))
    d["challenge"] = challenge
    return json.dumps(d)


def message_changed_event(text: str, *, user_id: str, channel_id: str, ts: str, thread_ts: str,
                          edited_ts: str | None = None) -> dict[str, Any]:
    """The ``event`` of MessageChangedPayload.json: a reply edited, its new version in ``message``."""
    sample = _sample("events", "MessageChangedPayload.json")["event"]
    edited = edited_ts or _next_ts()
    message = _keep(sample["message"], {"type": "message", "user": user_id, "text": text, "ts": ts,
                                        "thread_ts": thread_ts, "team": "T0001",
                                        "edited": {"user": user_id, "ts": edited}})
    previous = {"type": "message", "user": user_id, "text": "(before)", "ts": ts, "thread_ts": thread_ts}
    vals = {"type": "message", "subtype": "message_changed", "channel": channel_id, "hidden": True,
            "message": message, "previous_message": previous, "ts": edited, "event_ts": edited,
            "channel_type": "channel"}
    return _keep(sample, vals)


def message_deleted_event(*, user_id: str, channel_id: str, ts: str, thread_ts: str) -> dict[str, Any]:
    """The ``event`` of MessageDeletedPayload.json: ``deleted_ts`` and the ``previous_message``."""
    sample = _sample("events", "MessageDeletedPayload.json")["event"]
    now = _next_ts()
    previous = {"type": "message", "user": user_id, "text": "(gone)", "ts": ts, "thread_ts": thread_ts}
    vals = {"type": "message", "subtype": "message_deleted", "channel": channel_id, "hidden": True,
            "deleted_ts": ts, "previous_message": previous, "ts": now, "event_ts": now, "channel_type": "channel"}
    return _keep(sample, vals)


def reaction_event(reaction: str, *, user_id: str, channel_id: str, ts: str, item_user: str = "",
                   added: bool = True) -> dict[str, Any]:
    """The ``event`` of ReactionAddedPayload.json / ReactionRemovedPayload.json, on a message."""
    name = "ReactionAddedPayload.json" if added else "ReactionRemovedPayload.json"
    sample = _sample("events", name)["event"]
    vals = {"type": "reaction_added" if added else "reaction_removed", "user": user_id, "reaction": reaction,
            "item_user": item_user or "U0AUTHOR", "item": {"type": "message", "channel": channel_id, "ts": ts},
            "event_ts": _next_ts()}
    return _keep(sample, vals)
