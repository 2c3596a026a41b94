"""Chinese script conversion (OpenCC), shared by the pack loader, the script checks and the bot's own words.

One converter per OpenCC configuration, built once: building one reads its dictionaries from disk, and the
loader converts every text of a pack with the same few. The configurations are OpenCC's own names:
`tw2s` (Traditional with Taiwan character forms → Simplified), `s2tw` (the reverse), `t2s`, `s2t`, … —
character forms only; the `…p` configurations that also rewrite regional vocabulary (`s2twp`, `tw2sp`) are
left out on purpose: a pack keeps its author's words.
"""

from __future__ import annotations

from functools import cache
from typing import Literal

import opencc

Conversion = Literal["t2s", "s2t", "tw2s", "s2tw", "hk2s", "s2hk", "t2tw", "tw2t", "t2hk", "hk2t"]

# The round trip that finds non-standard Traditional: text that is standard Traditional (Taiwan forms) comes
# back unchanged from Simplified and back; a simplified-only character (里, 后) or a wrong conversion (關系,
# 沖擊) does not.
TO_SIMPLIFIED: Conversion = "tw2s"
TO_TRADITIONAL: Conversion = "s2tw"


@cache
def _converter(conversion: str) -> opencc.OpenCC:
    return opencc.OpenCC(conversion)


def convert(text: str, conversion: str) -> str:
    return str(_converter(conversion).convert(text))


def standard_traditional(text: str) -> str:
    """What `text` should read as in standard Traditional characters (the round trip through Simplified)."""
    return convert(convert(text, TO_SIMPLIFIED), TO_TRADITIONAL)


def nonstandard_traditional(text: str) -> list[tuple[str, str]]:
    """(as written, standard form) for each spot where `text` is not standard Traditional, in order.

    Each spot is shown with a character of context either side, e.g. ('發布后', '發佈後').
    """
    fixed = standard_traditional(text)
    if fixed == text:
        return []
    if len(fixed) != len(text):  # a phrase of another length: report the whole text once
        return [(text, fixed)]
    spots: list[tuple[str, str]] = []
    i = 0
    while i < len(text):
        if text[i] == fixed[i]:
            i += 1
            continue
        end = i
        while end < len(text) and text[end] != fixed[end]:
            end += 1
        start, stop = max(0, i - 1), min(len(text), end + 1)
        spots.append((text[start:stop], fixed[start:stop]))
        i = end
    return spots
