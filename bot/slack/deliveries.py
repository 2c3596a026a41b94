"""Naming a Slack delivery, so the work it starts happens once however often it arrives.

Slack re-sends an event it did not see acknowledged in time (`X-Slack-Retry-Num`), and a proxy or a
double submit can repeat a slash command. Listeners pass `delivery_of(...)` to `Services.after_ack`,
which claims the delivery in the database when the work starts, off the acknowledgement path: the copy
is acknowledged again (Slack needs that) but changes nothing twice. Button clicks need no claim: what they
write is keyed by the clicker (one vote per person per poll, one answer per person per question).

A form submission that adds a row (a poll comment) does: Slack never retries an interaction, but a proxy,
a double submit or a replay of the signed request can deliver it again. Its key comes from the payload
(`submission_of`), and it is claimed in the same transaction as the row it adds, before the
acknowledgement: a copy finds it claimed and is only acknowledged.
"""

from __future__ import annotations

from typing import Any

from slack_bolt import BoltContext


def delivery_of(body: dict[str, Any], context: BoltContext) -> tuple[str, str] | None:
    """(team, key) for an event or a slash command; None for anything else."""
    team = context.team_id or context.enterprise_id or ""
    if body.get("event_id"):
        return team, f"event:{body['event_id']}"
    if body.get("command") and body.get("trigger_id"):
        return team, f"trigger:{body['trigger_id']}"
    return None


def submission_of(body: dict[str, Any], context: BoltContext) -> tuple[str, str] | None:
    """(team, key) for a view submission: the view's id and hash. Each opened modal has its own id, and its
    hash changes whenever the view is updated, so two genuine submissions never share both
    (https://docs.slack.dev/reference/interaction-payloads/view-interactions-payload); None without them."""
    view = body.get("view") or {}
    view_id, view_hash = view.get("id"), view.get("hash")
    if not (isinstance(view_id, str) and view_id and isinstance(view_hash, str) and view_hash):
        return None
    return context.team_id or context.enterprise_id or "", f"view:{view_id}:{view_hash}"
