"""Exporting the team's responses (votes, comments, quiz answers, thread replies) as CSV or JSON.

Each row names the question and the section it belongs to, in the pack's default language. CSV cells a
spreadsheet would run as a formula (starting with = + - @, or a tab or carriage return) get a leading
apostrophe, so opening the file can never execute anything a participant typed.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import logging
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.blocks.replies import notice
from bot.context import Services
from bot.domain.i18n import pick
from bot.domain.text import is_number
from bot.slack.posting import error_code
from store import exports

log = logging.getLogger(__name__)

COLUMNS = ["kind", "team_id", "channel_id", "at", "user_id", "item_id", "question", "section", "answer",
           "answer_label", "previous_answer", "score", "text"]
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: object) -> object:
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def rows(services: Services, team_id: str | None = None, channel_id: str | None = None) -> list[dict[str, Any]]:
    out = []
    for row in exports.response_rows(services.store, team_id, channel_id):
        out.append({**{c: row.get(c, "") for c in COLUMNS}, **describe(services, row)})
    return out


def describe(services: Services, row: dict[str, Any]) -> dict[str, Any]:
    """The question text, section and option label behind a row's ids."""
    pack = services.packs.get(row["pack_id"])
    at = dt.datetime.fromtimestamp(row["at"], dt.UTC).isoformat(timespec="seconds")
    described = {"at": at, "question": "", "section": "", "answer_label": ""}
    if pack is None:
        return described
    language = pack.pack.default_language
    if row["kind"] == "reply":  # a reply in a digest's thread (its section) or a poll's (the poll's question)
        if any(s.id == row["item_id"] for s in pack.sections):
            described["section"] = row["item_id"]
            described["question"] = pick(pack.section(row["item_id"]).prompt, language)
            return described
    if row["kind"] in ("vote", "comment", "reply"):
        try:
            poll = pack.poll(row["item_id"])
        except KeyError:
            return described
        described["question"] = pick(poll.question, language)
        described["section"] = poll.section or ""
        described["answer_label"] = next((pick(o.label, language) for o in poll.options if o.id == row["answer"]), "")
    else:
        try:
            question = pack.question(row["item_id"])
        except KeyError:
            return described
        described["question"] = pick(question.question, language)
        described["section"] = question.section
        if question.kind == "choice" and is_number(str(row["answer"])) and int(row["answer"]) < len(question.options):
            described["answer_label"] = pick(question.options[int(row["answer"])], language)
    return described


def to_csv(records: list[dict[str, Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, extrasaction="ignore")
    writer.writeheader()
    for record in records:
        writer.writerow({k: neutralise("" if v is None else v) for k, v in record.items()})
    return buffer.getvalue()


def to_json(records: list[dict[str, Any]]) -> str:
    return json.dumps(records, ensure_ascii=False, indent=2)


def send_export(services: Services, client: WebClient, team_id: str, user_id: str) -> dict[str, Any]:
    """`/discuss export`: the workspace's responses as a CSV file in the requester's direct messages."""
    records = rows(services, team_id=team_id)
    stamp = services.clock.now().strftime("%Y%m%d-%H%M")
    try:
        dm = client.conversations_open(users=user_id)["channel"]["id"]
        client.files_upload_v2(channel=dm, content=to_csv(records), filename=f"responses-{stamp}.csv",
                               title=f"Team responses ({len(records)} rows)",
                               initial_comment="Votes, comments, quiz answers and thread replies, one row each.")
    except SlackApiError as exc:
        log.warning("export upload failed: %s", error_code(exc))
        return notice(f"I couldn't send the file (`{error_code(exc)}`). `python -m bot export` works on the server.")
    return notice(f"Sent {len(records)} rows to your direct messages.")
