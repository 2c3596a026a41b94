"""The few words of the bot's own chrome, in each language a channel can read in.

Article text comes from the content pack; this is only the frame around it (button labels, context
lines). Unknown languages fall back to English.
"""

from __future__ import annotations

STRINGS: dict[str, dict[str, str]] = {
    "en": {
        "read_full": "Read the full section",
        "quick_check": "Quick check",
        "key_figures": "Key figures",
        "discuss": "Discuss",
        "section_of": "Section {number} of {total}",
        "introduction": "Introduction",
        "conclusion": "Conclusion",
        "next_on": "next on {when}",
        "full_text": "Full text",
        "continued": "(continued)",
        "close": "Close",
    },
    "zh-Hant": {
        "read_full": "閱讀全文",
        "quick_check": "小測驗",
        "key_figures": "關鍵數字",
        "discuss": "討論",
        "section_of": "第 {number} 節,共 {total} 節",
        "introduction": "引言",
        "conclusion": "結語",
        "next_on": "下一篇:{when}",
        "full_text": "全文",
        "continued": "(續)",
        "close": "關閉",
    },
}


def t(language: str, key: str, **values: object) -> str:
    table = STRINGS.get(language) or STRINGS.get(language.split("-")[0]) or STRINGS["en"]
    return (table.get(key) or STRINGS["en"][key]).format(**values)


def pick(localized: dict[str, str], language: str, fallback: str = "en") -> str:
    """A pack text in `language`, else the fallback, else any language it has."""
    return localized.get(language) or localized.get(fallback) or next(iter(localized.values()), "")
