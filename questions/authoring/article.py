"""An article as the authoring code sees it, whatever it was written in: metadata and a flat run of blocks.

Every reader (Markdown, HTML, plain text) produces the same `Article`, so structuring, digests, figures
and quizzes are written once. Block texts are the article's own words with markup already removed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

BlockKind = Literal["heading", "paragraph", "code"]


@dataclass(frozen=True)
class Block:
    kind: BlockKind
    text: str
    level: int = 0  # headings: 1 (top) to 6
    line: int = 0  # 1-based line in the source, where the reader knows it


@dataclass
class Article:
    blocks: list[Block]
    title: str | None = None
    author: str | None = None
    date: str | None = None
    url: str | None = None
    outlet: str | None = None
    language: str | None = None  # declared by the source (front matter `lang`), if it says
    licence: str | None = None
    extra: dict[str, str] = field(default_factory=dict)


_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_LATIN = re.compile(r"[A-Za-z]")
# Characters common in running text whose form differs between the scripts: a count of each side tells
# Simplified from Traditional without a dictionary.
_SIMPLIFIED = set("这为们说时会个来对发过还问么开关门学习进动种长图书车东见经现点体样当实后里国战让从应该认识")
_TRADITIONAL = set("這為們說時會個來對發過還問麼開關門學習進動種長圖書車東見經現點體樣當實後裏國戰讓從應該認識")


def detect_language(text: str) -> str:
    """`en`, `zh-Hans` or `zh-Hant`: CJK characters outnumbering a fifth of the letters make it Chinese."""
    cjk = len(_CJK.findall(text))
    latin = len(_LATIN.findall(text))
    if cjk == 0 or cjk < (cjk + latin) / 5:
        return "en"
    simplified = sum(ch in _SIMPLIFIED for ch in text)
    traditional = sum(ch in _TRADITIONAL for ch in text)
    return "zh-Hant" if traditional > simplified else "zh-Hans"


def is_chinese(language: str) -> bool:
    return language.lower().startswith("zh")
