"""Block Kit drawn in the terminal the way Slack shows it, with `rich`: mrkdwn's bold, italics, strikes, code and
links as styles, emoji shortcodes as emoji, table blocks as tables, headers, context lines and dividers.

Slack's mrkdwn (https://api.slack.com/reference/surfaces/formatting#basic-formatting): `*bold*`, `_italic_`,
`~strike~`, `` `code` ``, ```` ```block``` ````, `<url|label>`, `<@U123>`, `<#C123>`, `<!here>`, `:emoji:`,
and `&amp;`, `&lt;`, `&gt;` for the three characters it escapes. A marker only formats when it stands at a word's
edge, as in Slack (`snake_case_name` stays as it is).

Buttons are numbered as they are drawn; the console keeps the list so `3` clicks the third button.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from rich import box
from rich.console import Group, RenderableType
from rich.emoji import Emoji, NoEmoji
from rich.padding import Padding
from rich.table import Table
from rich.text import Text


@dataclass(frozen=True)
class Clickable:
    number: int
    action_id: str
    value: str
    block_id: str
    channel: str
    message_ts: str
    label: str


# Slack's names for the few emoji whose name differs in rich's table (rich.emoji)
SLACK_EMOJI_NAMES = {"first_place_medal": "1st_place_medal", "second_place_medal": "2nd_place_medal",
                     "third_place_medal": "3rd_place_medal"}

MRKDWN = re.compile(
    r"```(?P<pre>.+?)```"
    r"|`(?P<code>[^`\n]+)`"
    r"|<(?P<target>[^<>|\n]+)(?:\|(?P<label>[^<>\n]*))?>"
    r"|(?<![\w*])\*(?P<bold>[^*\n]+?)\*(?![\w*])"
    r"|(?<![\w_])_(?P<italic>[^_\n]+?)_(?![\w_])"
    r"|(?<![\w~])~(?P<strike>[^~\n]+?)~(?![\w~])"
    r"|:(?P<emoji>[a-z0-9_+\-]+):",
    re.S,
)
STYLES = {"bold": "bold", "italic": "italic", "strike": "strike"}
DIVIDER = "─" * 40


def unescape(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def emoji(name: str) -> str | None:
    """The emoji a shortcode stands for, or None for a name neither Slack's list here nor rich knows."""
    try:
        return str(Emoji(SLACK_EMOJI_NAMES.get(name, name)))
    except NoEmoji:
        return None


def mrkdwn(text: str, style: str = "") -> Text:
    """Slack mrkdwn as styled rich text: what the person sees, with none of the markers."""
    out = Text(style=style)
    _append(out, text, "")
    return out


def _append(out: Text, text: str, style: str) -> None:
    at = 0
    for match in MRKDWN.finditer(text):
        out.append(unescape(text[at:match.start()]), style or None)
        at = match.end()
        kind = "target" if match.group("target") is not None else match.lastgroup  # lastgroup: its label
        if kind in ("pre", "code"):
            out.append(unescape(match.group(kind)), f"{style} bold cyan".strip())
        elif kind == "target":
            _link(out, match.group("target"), match.group("label"), style)
        elif kind == "emoji":
            shown = emoji(match.group("emoji"))
            out.append(shown if shown is not None else match.group(0), style or None)
        elif kind in STYLES:  # formats nest: *bold with <links> and _italics_*
            _append(out, match.group(kind), f"{style} {STYLES[kind]}".strip())
    out.append(unescape(text[at:]), style or None)


def _link(out: Text, target: str, label: str | None, style: str) -> None:
    """<@U1> → @U1, <#C1|name> → #name, <!here> → @here, <url|label> → label, linked."""
    if target.startswith("@"):
        out.append(f"@{label or target[1:]}", f"{style} bold blue".strip())
    elif target.startswith("#"):
        out.append(f"#{label or target[1:]}", f"{style} bold blue".strip())
    elif target.startswith("!"):
        name = target[1:].split("^")[0]
        out.append(label or f"@{name}", f"{style} bold yellow".strip())
    else:
        out.append(unescape(label or target), f"{style} underline link {unescape(target)}".strip())


def _text(obj: dict[str, Any] | None, style: str = "") -> Text:
    """A text object: mrkdwn drawn as Slack draws it; plain_text as it is (its emoji codes shown as emoji)."""
    if not isinstance(obj, dict):
        return Text()
    if obj.get("type") == "plain_text":
        return Text(MRKDWN_EMOJI.sub(_emoji_or_code, str(obj.get("text", ""))), style=style)
    return mrkdwn(str(obj.get("text", "")), style)


MRKDWN_EMOJI = re.compile(r":([a-z0-9_+\-]+):")


def _emoji_or_code(match: re.Match[str]) -> str:
    return emoji(match.group(1)) or match.group(0)


def render_blocks(blocks: list[dict[str, Any]], clickables: list[Clickable], channel: str = "", ts: str = "",
                  indent: int = 2) -> list[RenderableType]:
    """What each block shows, in order, as rich renderables (print them with a rich Console)."""
    drawn: list[RenderableType] = []
    for block in blocks or []:
        kind = block.get("type")
        if kind == "header":
            drawn.append(_text(block.get("text"), "bold underline"))
        elif kind == "section":
            parts: list[RenderableType] = []
            if block.get("text"):
                parts.append(_text(block["text"]))
            parts += [_text(f) for f in block.get("fields", [])]
            accessory = block.get("accessory")
            if accessory and accessory.get("type") == "button":
                parts.append(_button(accessory, block, clickables, channel, ts))
            drawn.append(Group(*parts))
        elif kind == "context":
            line = Text("· ", style="dim")
            for i, element in enumerate(block.get("elements", [])):
                line.append_text(Text("  ") if i else Text())
                line.append_text(_text(element, "dim"))
            drawn.append(line)
        elif kind == "divider":
            drawn.append(Text(DIVIDER, style="dim"))
        elif kind == "actions":
            buttons = Text()
            for element in block.get("elements", []):
                if element.get("type") == "button":
                    if buttons:
                        buttons.append("  ")
                    buttons.append_text(_button(element, block, clickables, channel, ts))
            drawn.append(buttons)
        elif kind == "input":
            label = _text(block.get("label"), "bold")
            drawn.append(Text.assemble("[input] ", label, ("  (type `:submit <your answer>`)", "dim")))
        elif kind == "table":
            drawn.append(_table(block))
        elif kind == "data_visualization":
            drawn.append(_chart(block))
        elif kind == "rich_text":
            drawn.append(Text(_rich(block)))
        else:
            drawn.append(Text(f"[{kind}]", style="dim"))
    return [Padding(item, (0, 0, 0, indent), expand=False) for item in drawn]


def _button(element: dict[str, Any], block: dict[str, Any], clickables: list[Clickable], channel: str,
            ts: str) -> Text:
    number = len(clickables) + 1
    label = _text(element.get("text"))
    clickables.append(Clickable(number, element.get("action_id", ""), element.get("value", ""),
                                block.get("block_id", ""), channel, ts, label.plain))
    style = "bold green" if element.get("style") == "primary" else "bold"
    return Text.assemble((f"[{number}] ", "dim"), (label.plain, style))


def _table(block: dict[str, Any]) -> Table:
    """Slack's table block as a table: the first row is its header, alignment from column_settings."""
    rows = block.get("rows", [])
    settings = block.get("column_settings") or []
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    for i, cell in enumerate(rows[0] if rows else []):
        setting = settings[i] if i < len(settings) and isinstance(settings[i], dict) else {}
        table.add_column(_cell(cell), justify=setting.get("align", "left"))
    for row in rows[1:]:
        table.add_row(*[_cell(c) for c in row])
    return table


def _cell(cell: dict[str, Any]) -> str:
    if cell.get("type") == "raw_text":
        return str(cell.get("text", ""))
    return _rich(cell)


def _rich(block: dict[str, Any]) -> str:
    out = []
    for element in block.get("elements", []):
        for inner in element.get("elements", []):
            if inner.get("type") == "user":
                out.append(f"@{inner.get('user_id', '')}")
            elif inner.get("type") == "emoji":
                out.append(emoji(str(inner.get("name", ""))) or f":{inner.get('name', '')}:")
            else:
                out.append(str(inner.get("text", "")))
    return "".join(out)


def _chart(block: dict[str, Any]) -> Table:
    """A bar chart as a table of bars: one row per category of its (first) series."""
    title = block.get("title")
    title_text = title.get("text", "") if isinstance(title, dict) else str(title or "")
    chart = block.get("chart") or {}
    points: list[tuple[str, float]] = []
    for series in (chart.get("series") or [])[:1]:
        for item in series.get("data", []) or []:
            value = item.get("value", 0)
            if isinstance(value, (int, float)):
                points.append((str(item.get("label", "")), float(value)))
    top = max((v for _, v in points), default=0) or 1
    table = Table(title=title_text, box=None, show_header=False, title_justify="left", title_style="bold")
    table.add_column()
    table.add_column(style="cyan")
    table.add_column(justify="right")
    for label, value in points:
        table.add_row(label, "█" * int(round(20 * value / top)), f"{value:g}")
    return table
