"""The bot's own words follow the channel's language, over the app's real endpoint: a Chinese channel's
`/quiz`, `/discuss`, errors and help answer in Chinese, an English one's in English."""

from __future__ import annotations

import json
import re

import pytest

from store import plans
from tests.conftest import TEAM

ENGLISH = re.compile(r"\b(Quiz on|Posted poll|questions|Try|Player|Points|Right|don't)\b")


def read_in(services, language: str) -> None:
    plans.ensure(services.store, TEAM, "C0CHAN", pack_id="sample", language=language, days="", post_time="09:30",
                 timezone="UTC", created_by="UHOST")


def ack_text(response) -> str:
    """What the acknowledgement's reply shows (its blocks' texts), as one string."""
    return json.dumps(response.json(), ensure_ascii=False)


def later_reply(http_app, stub, command: str, text: str) -> str:
    before = len(stub.response_posts)
    http_app.command(command, text, user_id="UHOST")
    return stub.wait_for_response(count=before + 1)[before].params["text"]


def test_a_chinese_channel_hears_quiz_and_discuss_in_chinese(http_app, stub, services):
    read_in(services, "zh-Hant")
    assert later_reply(http_app, stub, "/quiz", "2 timer 45") == "小測驗開始:共 2 題,每題 45 秒。"
    assert later_reply(http_app, stub, "/discuss", "1") == "已發布投票 1。"
    for command, text in (("/quiz", "eleven"), ("/discuss", "sideways"), ("/digest", "frobnicate"),
                          ("/quiz", "help"), ("/discuss", "help"), ("/digest", "help")):
        shown = ack_text(http_app.command(command, text, user_id="UHOST"))
        assert re.search(r"[\u4e00-\u9fff]", shown) and not ENGLISH.search(shown), (command, text, shown[:300])


@pytest.mark.parametrize("language, says", [("en", "Quiz on: 2 questions, 45s each."),
                                            ("zh-Hant", "小測驗開始:共 2 題,每題 45 秒。")])
def test_the_quiz_receipt_is_in_the_plans_language(http_app, stub, services, language, says):
    read_in(services, language)
    assert later_reply(http_app, stub, "/quiz", "2") == says
