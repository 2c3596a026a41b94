"""Naming a Slack delivery, so the work it starts happens once however often it arrives.

Slack re-sends an event it did not see acknowledged in time (`X-Slack-Retry-Num`), and a proxy or a
double submit can repeat a slash command. Listeners pass `delivery_of(...)` to `Services.after_ack`,
which claims the delivery in the database when the work starts, off the acknowledgement path: the copy
is acknowledged again (Slack needs that) but changes nothing twice. Button clicks and form submissions
need no claim: what they write is keyed by the clicker (one vote per person per poll, one answer per
person per question).
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
