"""Pure Block Kit builders: data in, JSON-ready dicts out. No Slack calls, no database.

The primitives here enforce Slack's size limits at the point of construction (by truncating), so no
builder can produce a message Slack would reject for length.
"""

from __future__ import annotations

from typing import Any

from bot.domain.text import truncate

SECTION_TEXT_LIMIT = 3000
HEADER_LIMIT = 150
BUTTON_TEXT_LIMIT = 75
CONTEXT_TEXT_LIMIT = 2000
MODAL_TITLE_LIMIT = 24
VIEW_BLOCK_LIMIT = 100


def plain(text: str, limit: int = SECTION_TEXT_LIMIT) -> dict[str, Any]:
    return {"type": "plain_text", "text": truncate(text, limit) or " ", "emoji": True}


def mrkdwn(text: str, limit: int = SECTION_TEXT_LIMIT) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": truncate(text, limit) or " "}


def header(text: str) -> dict[str, Any]:
    return {"type": "header", "text": plain(text, HEADER_LIMIT)}


def section(text: str, accessory: dict[str, Any] | None = None, block_id: str | None = None) -> dict[str, Any]:
    block: dict[str, Any] = {"type": "section", "text": mrkdwn(text)}
    if accessory:
        block["accessory"] = accessory
    if block_id:
        block["block_id"] = block_id
    return block


def context(*texts: str) -> dict[str, Any]:
    return {"type": "context", "elements": [mrkdwn(t, CONTEXT_TEXT_LIMIT) for t in texts if t][:10]}


def divider() -> dict[str, Any]:
    return {"type": "divider"}


def button(text: str, action_id: str, value: str = "", style: str | None = None,
           url: str | None = None) -> dict[str, Any]:
    element: dict[str, Any] = {"type": "button", "text": plain(text, BUTTON_TEXT_LIMIT), "action_id": action_id}
    if value:
        element["value"] = value[:2000]
    if style:
        element["style"] = style
    if url:
        element["url"] = url
    return element


def actions(*elements: dict[str, Any], block_id: str | None = None) -> dict[str, Any]:
    block: dict[str, Any] = {"type": "actions", "elements": list(elements)[:25]}
    if block_id:
        block["block_id"] = block_id
    return block


def modal(title: str, blocks: list[dict[str, Any]], *, callback_id: str, close: str = "Close",
          submit: str | None = None, private_metadata: str = "") -> dict[str, Any]:
    view: dict[str, Any] = {
        "type": "modal",
        "callback_id": callback_id,
        "title": plain(title, MODAL_TITLE_LIMIT),
        "close": plain(close, MODAL_TITLE_LIMIT),
        "blocks": blocks[:VIEW_BLOCK_LIMIT],
    }
    if submit:
        view["submit"] = plain(submit, MODAL_TITLE_LIMIT)
    if private_metadata:
        view["private_metadata"] = private_metadata[:3000]
    return view


def split_text(text: str, limit: int = SECTION_TEXT_LIMIT) -> list[str]:
    """Cut long text into chunks of at most `limit` characters, at paragraphs, then lines, then anywhere."""
    pieces = []
    for paragraph in text.split("\n\n"):
        if len(paragraph) <= limit:
            pieces.append(paragraph)
        else:
            lines = [line[i:i + limit] for line in paragraph.split("\n") for i in range(0, max(len(line), 1), limit)]
            pieces += _pack(lines, "\n", limit)
    return _pack(pieces, "\n\n", limit)


def _pack(pieces: list[str], separator: str, limit: int) -> list[str]:
    """Join consecutive pieces (each at most `limit` long) while the result stays within `limit`."""
    chunks: list[str] = []
    current = ""
    for piece in pieces:
        candidate = f"{current}{separator}{piece}" if current else piece
        if len(candidate) <= limit:
            current = candidate
        else:
            chunks.append(current)
            current = piece
    if current:
        chunks.append(current)
    return chunks
