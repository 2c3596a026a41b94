"""The built-in article drawn in both languages shows its own text (that Slack takes every message and view
of every pack is tests/test_every_payload.py)."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from bot.blocks.digest import format_when, full_text_view
from bot.blocks.quiz import question_message, reveal_message
from questions import load_pack
from tests.conftest import ROOT

PACK = load_pack(ROOT / "questions" / "altman-2025-12.yaml")


@pytest.mark.parametrize("language", PACK.pack.languages)
def test_full_text_modals_show_the_section_text_escaped(language):
    for sec in PACK.sections:
        view = full_text_view(PACK, sec, language)
        shown = "".join(b["text"]["text"] for b in view["blocks"] if b["type"] == "section")
        first_paragraph = sec.text[language].split("\n\n")[0]
        assert first_paragraph.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")[:200] in shown


def test_a_chinese_channel_reads_its_quiz_in_chinese():
    question = PACK.quiz[0]
    asked = question_message(PACK, question, quiz_id=1, position=0, total=5, language="zh-Hant", answered=2,
                             timer_s=45)
    text = str(asked["blocks"])
    assert "第 1 題,共 5 題" in text and "已有 *2* 人作答" in text and "Question" not in text
    revealed = reveal_message(PACK, question, position=0, total=5, language="zh-Hant",
                              stats={"answered": 2, "correct": 1, "fastest": None})
    assert "答案" in revealed["text"] and "answered" not in str(revealed["blocks"])


def test_the_next_post_reads_in_each_channels_own_timezone_even_when_the_instant_is_the_same():
    """Labels are kept by local wall-clock time (bot/blocks/digest.py `_when`): London's 09:00 and Berlin's
    10:00 are one instant, and each channel sees its own."""
    london = dt.datetime(2026, 6, 2, 9, 0, tzinfo=ZoneInfo("Europe/London"))
    berlin = london.astimezone(ZoneInfo("Europe/Berlin"))
    assert london == berlin
    now = london - dt.timedelta(hours=20)
    assert format_when(london, now.astimezone(london.tzinfo), "en") == "Tue 09:00"
    assert format_when(berlin, now.astimezone(berlin.tzinfo), "en") == "Tue 10:00"
    assert format_when(berlin, now - dt.timedelta(days=9), "en") != "Tue 10:00"  # beyond the coming week: dated
