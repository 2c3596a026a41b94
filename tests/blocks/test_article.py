"""Every message and view drawn from the built-in article, in both languages, is valid Block Kit."""

import pytest

from bot.blocks.digest import digest_message, full_text_view, quick_check_button
from bot.blocks.polls import comment_modal, poll_message, results_message
from bot.blocks.quiz import numeric_modal, question_message, reveal_message
from bot.domain.polls import tally
from questions import load_pack
from tests.conftest import ROOT
from tests.support.schemas import assert_valid_blocks, assert_valid_modal

PACK = load_pack(ROOT / "questions" / "altman-2025-12.yaml")


@pytest.mark.parametrize("language", PACK.pack.languages)
def test_digests_and_full_text_modals(language):
    for sec in PACK.sections:
        message = digest_message(PACK, sec, language, next_post="Tue 09:30",
                                 extra_buttons=(quick_check_button(sec.id, language),))
        assert_valid_blocks(message["blocks"])
        view = full_text_view(PACK, sec, language)
        assert_valid_modal(view)
        shown = "".join(b["text"]["text"] for b in view["blocks"] if b["type"] == "section")
        first_paragraph = sec.text[language].split("\n\n")[0]
        assert first_paragraph.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")[:200] in shown


@pytest.mark.parametrize("language", PACK.pack.languages)
def test_polls_with_and_without_charts(language):
    for number, poll in enumerate(PACK.polls, 1):
        counts = tally([o.id for o in poll.options], {o.id: i * 3 for i, o in enumerate(poll.options)})
        for charts in (True, False):
            for closed in (False, True):
                message = poll_message(PACK, poll, number, 1, language, counts, anonymous=True, results_hidden=False,
                                       closes="Tue 18:00 (UTC)", closed=closed, charts=charts)
                assert_valid_blocks(message["blocks"])
        comments = [{"user_id": "U1", "text": "<!channel> & more"}]
        assert_valid_blocks(results_message(PACK, poll, number, language, counts, comments, anonymous=False)["blocks"])
        assert_valid_modal(comment_modal(poll, 1, language))


@pytest.mark.parametrize("language", PACK.pack.languages)
def test_every_quiz_question_and_its_reveal(language):
    stats = {"answered": 12, "correct": 5, "fastest": {"user_id": "U1", "elapsed": 3.2}}
    for position, question in enumerate(PACK.quiz):
        asked = question_message(PACK, question, quiz_id=1, position=position, total=len(PACK.quiz),
                                 language=language, answered=3, timer_s=45)
        assert_valid_blocks(asked["blocks"])
        assert_valid_blocks(reveal_message(PACK, question, position=position, total=len(PACK.quiz),
                                           language=language, stats=stats)["blocks"])
        if question.kind == "numeric":
            assert_valid_modal(numeric_modal(question, 1, position, language))


def test_a_chinese_channel_reads_its_quiz_in_chinese():
    question = PACK.quiz[0]
    asked = question_message(PACK, question, quiz_id=1, position=0, total=5, language="zh-Hant", answered=2,
                             timer_s=45)
    text = str(asked["blocks"])
    assert "第 1 題,共 5 題" in text and "已有 *2* 人作答" in text and "Question" not in text
    revealed = reveal_message(PACK, question, position=0, total=5, language="zh-Hant",
                              stats={"answered": 2, "correct": 1, "fastest": None})
    assert "答案" in revealed["text"] and "answered" not in str(revealed["blocks"])
