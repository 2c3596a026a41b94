"""Block Kit drawn as plain terminal text: what a person would see in the channel, legibly.

Buttons are numbered as they are drawn; the console keeps the list so `3` clicks the third button.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Clickable:
    number: int
    action_id: str
    value: str
    block_id: str
    channel: str
    message_ts: str
    label: str


def unescape(text: str) -> str:
    text = re.sub(r"<@(\w+)>", r"@\1", text)
    text = re.sub(r"<#(\w+)(\|[^>]*)?>", r"#\1", text)
    text = re.sub(r"<(https?://[^|>]+)\|([^>]+)>", r"\2 (\1)", text)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _text(obj: dict[str, Any] | None) -> str:
    return unescape((obj or {}).get("text", "")) if isinstance(obj, dict) else ""


def render_blocks(blocks: list[dict[str, Any]], clickables: list[Clickable], channel: str = "", ts: str = "",
                  indent: str = "  ") -> list[str]:
    lines: list[str] = []
    for block in blocks or []:
        kind = block.get("type")
        if kind == "header":
            lines.append(f"{indent}== {_text(block.get('text'))} ==")
        elif kind == "section":
            if block.get("text"):
                lines += [indent + line for line in _text(block["text"]).splitlines()]
            for f in block.get("fields", []):
                lines.append(indent + _text(f))
            accessory = block.get("accessory")
            if accessory and accessory.get("type") == "button":
                lines.append(indent + _button(accessory, block, clickables, channel, ts))
        elif kind == "context":
            lines.append(indent + "  · " + "  ".join(_text(e) for e in block.get("elements", [])))
        elif kind == "divider":
            lines.append(indent + "-" * 40)
        elif kind == "actions":
            buttons = [_button(e, block, clickables, channel, ts) for e in block.get("elements", [])
                       if e.get("type") == "button"]
            lines.append(indent + "  ".join(buttons))
        elif kind == "input":
            label = _text(block.get("label"))
            lines.append(f"{indent}[input] {label}  (type `:submit <your answer>`)")
        elif kind == "table":
            for row in block.get("rows", []):
                cells = [_cell(c) for c in row]
                lines.append(indent + " | ".join(f"{c:<14}" for c in cells))
        elif kind == "data_visualization":
            lines += [indent + line for line in _chart(block)]
        elif kind == "rich_text":
            lines.append(indent + _rich(block))
        else:
            lines.append(f"{indent}[{kind}]")
    return lines


def _button(element: dict[str, Any], block: dict[str, Any], clickables: list[Clickable], channel: str, ts: str) -> str:
    number = len(clickables) + 1
    label = _text(element.get("text"))
    clickables.append(Clickable(number, element.get("action_id", ""), element.get("value", ""),
                                block.get("block_id", ""), channel, ts, label))
    return f"[{number}] {label}"


def _cell(cell: dict[str, Any]) -> str:
    if cell.get("type") == "raw_text":
        return str(cell.get("text", ""))
    return _rich(cell)


def _rich(block: dict[str, Any]) -> str:
    out = []
    for element in block.get("elements", []):
        for inner in element.get("elements", []):
            out.append(str(inner.get("text", inner.get("user_id", ""))))
    return "".join(out)


def _chart(block: dict[str, Any]) -> list[str]:
    """A bar chart as text bars, whatever shape of series it carries."""
    lines = [f"[chart] {block.get('title', {}).get('text', '') if isinstance(block.get('title'), dict) else ''}"]
    points: list[tuple[str, float]] = []
    for key in ("data", "series", "values"):
        for item in block.get(key, []) or []:
            if isinstance(item, dict):
                label = str(item.get("label") or item.get("name") or item.get("x") or "")
                value = item.get("value", item.get("y", 0))
                if isinstance(value, (int, float)):
                    points.append((label, float(value)))
    top = max((v for _, v in points), default=0) or 1
    for label, value in points:
        lines.append(f"  {label[:24]:<24} {'█' * int(round(20 * value / top))} {value:g}")
    return lines
