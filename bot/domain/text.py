"""Making user-supplied text safe to show in Slack.

Slack's mrkdwn treats `<...>` as links and mentions (`<!channel>`, `<@U123>`, `<!subteam^S1>`), and `&`
starts an entity. Escaping those three characters, as Slack's docs prescribe, means text someone typed can
never ping a channel or a person; the bare words @channel/@here/@everyone get a zero-width space too, so
even a client that links names cannot turn them into a mention.
"""

from __future__ import annotations

import re

_BROADCAST = re.compile(r"@(channel|here|everyone)\b", re.IGNORECASE)


def escape(text: str) -> str:
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _BROADCAST.sub(lambda m: "@\u200b" + m.group(1), text)


def truncate(text: str, limit: int, ellipsis: str = "…") -> str:
    """`text` cut to at most `limit` characters, ending in an ellipsis when it was cut."""
    return text if len(text) <= limit else text[: max(0, limit - len(ellipsis))] + ellipsis


def is_number(text: str) -> bool:
    """ASCII digits only (`str.isdigit` also accepts '²' and other digits `int()` refuses), and at most 18 of
    them: a number that fits SQLite's 64-bit integers (a longer id in a payload would make SQLite raise)."""
    return bool(text) and len(text) <= 18 and text.isascii() and text.isdigit()
