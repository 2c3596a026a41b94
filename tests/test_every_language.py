"""Every message, modal and Home view, drawn in each language a channel can read in, speaks that language only.

The payloads are the ones tests/test_every_payload.py holds to Slack's rules (each pack, each language,
empty and full states), with the user's own text neutral here. What a person sees in them (texts, titles,
labels, placeholders, chart names, table cells) is read, and what is not the bot's own words is set aside:
mentions and links (`<...>`), code spans (commands, ids, user input echoed), emoji shortcodes, anything with
a `/` (commands, timezones), numbers. What is left must be of the language:
- in a Chinese channel no English word: no run of two or more ASCII letters beyond the names in
  `ALLOWED_IN_CHINESE` and the words of the pack's own text in that language (names like OpenAI);
- in an English channel no Chinese character outside the pack's own English text (the outlet's name).
"""

from __future__ import annotations

import json
import re
import string
from collections.abc import Iterator
from typing import Any

import pytest

from bot.blocks.polls import comment_reply
from bot.domain.i18n import STRINGS
from questions.schema import Pack
from tests.test_every_payload import (
    PACKS,
    Drawn,
    digest_messages,
    homes,
    modals,
    poll_messages,
    quiz_messages,
    replies,
)

# Names the Chinese catalogue keeps as they are: the platform, its id, file and standard names, the app's
# name, timezone abbreviations the app prints after a poll's closing time, and `HH:MM`'s letters.
ALLOWED_IN_CHINESE = {"Slack", "ID", "CSV", "IANA", "Article", "Circle", "CET", "CEST", "UTC", "GMT", "HH", "MM"}

VISIBLE_KEYS = {"text", "title", "name", "label", "placeholder", "categories", "initial_comment"}
SET_ASIDE = [
    re.compile(r"<[^<>]*>"),  # mentions, channel links, links with their labels
    re.compile(r"`[^`]*`"),  # code: commands, ids, echoed input
    re.compile(r":[a-z0-9_+\-]+:"),  # emoji shortcodes
    re.compile(r"\S*/\S*"),  # commands and timezones outside code spans
]
ENGLISH_WORD = re.compile(r"[A-Za-z]{2,}")
CUT_WORD = re.compile(r"([A-Za-z]{2,})(…?)")  # a word, and whether truncation cut it (a chart label's "Ope…")
CJK_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")


def visible_texts(payload: Any, key: str = "") -> Iterator[str]:
    """Every string a person sees in a payload (not ids, values, metadata or URLs)."""
    if isinstance(payload, dict):
        for k, v in payload.items():
            yield from visible_texts(v, k)
    elif isinstance(payload, list):
        for item in payload:
            yield from visible_texts(item, key)
    elif isinstance(payload, str) and key in VISIBLE_KEYS:
        yield payload


def pack_texts(pack: Pack, language: str) -> list[str]:
    """The pack's own text in `language`: every localized field's entry for it."""
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if isinstance(node.get(language), str):
                found.append(node[language])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(pack.model_dump())
    return found


def bot_words(text: str) -> str:
    for pattern in SET_ASIDE:
        text = pattern.sub(" ", text)
    return text


def foreign(payload: Any, language: str, pack: Pack) -> list[str]:
    """The words in `payload` that are not of `language` (nor names, numbers, commands or the pack's text)."""
    shown = [bot_words(text) for text in visible_texts(payload)]
    own = pack_texts(pack, language)
    if language.startswith("zh"):
        allowed = ALLOWED_IN_CHINESE | {w for text in own for w in ENGLISH_WORD.findall(text)}

        def fits(word: str, cut: str) -> bool:
            return word in allowed or bool(cut) and any(a.startswith(word) for a in allowed)

        return sorted({w for text in shown for w, cut in CUT_WORD.findall(text) if not fits(w, cut)})
    own_text = "\n".join(own)
    return sorted({run for text in shown for run in CJK_RUN.findall(text) if run not in own_text})


def everything(pack: Pack, language: str) -> Iterator[Drawn]:
    """Every payload of tests/test_every_payload.py in `language`, the user's own text left out."""
    for name, payload in poll_messages(pack, language):
        if "comments=5" not in name:  # hostile comments: the users' English, shown as typed
            yield name, payload
    yield from digest_messages(pack, language)
    yield from quiz_messages(pack, language)
    yield from modals(pack, language)
    yield "comment", comment_reply("+1", "U0AUTHOR", language)
    yield "comment anonymous", comment_reply("+1", None, language)
    for name, payload in replies(language):
        if "<" not in name and "@" not in name:  # errors echoing hostile input
            yield name, payload
    yield from homes(language, pack, hostile=False)


LANGUAGES = [pytest.param(pack_id, language, id=f"{pack_id}-{language}")
             for pack_id, pack in PACKS.items() for language in pack.pack.languages]


@pytest.mark.parametrize("pack_id, language", LANGUAGES)
def test_every_payload_speaks_the_channels_language_only(pack_id: str, language: str) -> None:
    pack = PACKS[pack_id]
    drawn = list(everything(pack, language))
    assert len(drawn) > 300
    leaks = {name: words for name, payload in drawn if (words := foreign(payload, language, pack))}
    assert leaks == {}, json.dumps(dict(list(leaks.items())[:15]), ensure_ascii=False, indent=1)


@pytest.mark.parametrize("language, key, planted, expected", [
    ("zh-Hant", "quiz_nobody", "Nobody answered.", "Nobody"),
    ("zh-Hant", "quiz_col_player", "Player", "Player"),
    ("en", "poll_closed", ":lock: 已結束。", "已結束"),
])
def test_a_planted_word_of_another_language_is_found(monkeypatch: pytest.MonkeyPatch, language: str, key: str,
                                                     planted: str, expected: str) -> None:
    pack = PACKS["sample"]
    monkeypatch.setitem(STRINGS[language], key, planted)
    leaks = {name: words for name, payload in everything(pack, language)
             if (words := foreign(payload, language, pack))}
    assert leaks and all(expected in words for words in leaks.values()), leaks


def test_every_language_has_every_key_with_the_same_placeholders() -> None:
    def placeholders(text: str) -> set[str]:
        return {name for _, name, _, _ in string.Formatter().parse(text) if name}

    english = STRINGS["en"]
    for language, table in STRINGS.items():
        assert set(table) == set(english), (language, set(english) ^ set(table))
        different = {key for key in english if placeholders(table[key]) != placeholders(english[key])}
        assert different == set(), (language, different)
