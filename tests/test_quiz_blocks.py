"""Every quiz message and modal, for every question of the sample and the article packs, against Block Kit."""

import json

import pytest

from bot.blocks.quiz import (
    answer_receipt,
    leaderboard_text,
    numeric_modal,
    question_message,
    results_message,
    reveal_message,
    scores_reply,
)
from bot.listeners.quiz import HELP
from questions import load_pack, load_packs
from tests.conftest import ROOT, SAMPLE_PACKS
from tests.support.schemas import assert_valid_blocks, assert_valid_message, assert_valid_modal

PACKS = [load_pack(SAMPLE_PACKS / "sample.yaml"), *load_packs(ROOT / "questions").values()]
CASES = [(pack, question, language) for pack in PACKS for question in pack.quiz for language in pack.pack.languages]
IDS = [f"{pack.pack.id}:{q.id}:{lang}" for pack, q, lang in CASES]
ROWS = [{"user_id": f"U{n:03d}", "score": 1000 - n, "correct": 5, "answered": 5} for n in range(40)]


@pytest.mark.parametrize("pack, question, language", CASES, ids=IDS)
def test_question_reveal_and_modal_are_valid_in_every_language(pack, question, language):
    asked = question_message(pack, question, quiz_id=7, position=9, total=10, language=language, answered=300,
                             timer_s=45)
    assert_valid_message(asked)
    elements = [e for b in asked["blocks"] if b["type"] == "actions" for e in b["elements"]]
    if question.kind == "choice":
        assert [e["value"] for e in elements] == [f"7|9|{i}" for i in range(len(question.options))]
    else:
        assert [e["value"] for e in elements] == ["7|9"]
        assert_valid_modal(numeric_modal(question, 7, 9, language))
    for fastest in (None, {"user_id": "UFAST", "elapsed": 2.25}):
        revealed = reveal_message(pack, question, position=9, total=10, language=language,
                                  stats={"answered": 300, "correct": 120, "fastest": fastest})
        assert_valid_message(revealed)
        assert not any(b["type"] == "actions" for b in revealed["blocks"])  # no buttons left to click


def test_the_reveal_shows_answer_explanation_section_counts_and_fastest():
    pack = PACKS[0]
    question = pack.question("q-weekly-users")
    text = json.dumps(reveal_message(pack, question, position=0, total=1, language="en",
                                     stats={"answered": 12, "correct": 5, "fastest": {"user_id": "UF", "elapsed": 3.04}}),
                      ensure_ascii=False)
    for part in ("800 million (±100)", "12 answered", "5 right", "fastest: <@UF> in 3.0s", "§2"):
        assert part in text


def test_a_question_never_shows_its_answer():
    pack = PACKS[0]
    question = pack.question("q-weekly-users")
    text = json.dumps(question_message(pack, question, quiz_id=1, position=0, total=1, language="en", answered=0,
                                       timer_s=45))
    assert "800" not in text and "explanation" not in text.lower()


@pytest.mark.parametrize("pack", PACKS, ids=[p.pack.id for p in PACKS])
@pytest.mark.parametrize("table", [True, False])
@pytest.mark.parametrize("state", ["finished", "stopped", "interrupted"])
def test_results_with_table_or_text_and_reread_buttons_are_valid(pack, table, state):
    questions = pack.quiz[:10]
    message = results_message(pack, questions, ROWS, pack.pack.default_language, table=table, state=state)
    assert_valid_message(message)
    kinds = [b["type"] for b in message["blocks"]]
    assert ("table" in kinds) == table
    reread = [e for b in message["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert {e["value"].split("|")[1] for e in reread} == {q.section for q in questions}
    assert all(e["action_id"] == "digest.read_full" for e in reread)


def test_results_of_a_quiz_nobody_answered_say_so():
    pack = PACKS[0]
    message = results_message(pack, pack.quiz[:1], [], "en")
    assert_valid_message(message)
    assert "Nobody answered." in json.dumps(message)


def test_the_table_ranks_players_and_the_text_fallback_matches():
    table = next(b for b in results_message(PACKS[0], PACKS[0].quiz, ROWS, "en")["blocks"] if b["type"] == "table")
    assert len(table["rows"]) == 21  # a header and the top 20
    assert [c["text"] for c in table["rows"][1] if c["type"] == "raw_text"] == ["1", "1000", "5"]
    assert leaderboard_text(ROWS).splitlines()[0].startswith(":first_place_medal: <@U000> · *1000* points")


@pytest.mark.parametrize("status", ["locked", "already", "closed", "unknown"])
def test_receipts_are_valid_and_never_give_the_answer_away(status):
    pack = PACKS[0]
    question = pack.question("q-code-red-weeks")  # B is right
    for pick in ("0", "1"):
        receipt = answer_receipt(status, question, pick, "en")
        assert_valid_message({**receipt, "response_type": "ephemeral"})
        assert "right" not in receipt["text"].lower() and "correct" not in receipt["text"].lower()
    assert "Locked in: *A. 1–2 weeks*" in answer_receipt("locked", question, "0", "en")["text"]


def test_a_typed_estimate_is_echoed_escaped():
    question = PACKS[0].question("q-weekly-users")
    assert "Locked in: *780 million*" in answer_receipt("locked", question, "780", "en")["text"]
    assert "<!channel>" not in answer_receipt("locked", question, "<!channel>", "en")["text"]


def test_help_and_scores_replies_are_valid():
    assert_valid_message({"response_type": "ephemeral", "text": "help",
                          "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": HELP}}]})
    assert len(HELP) < 3000
    for rows in ([], ROWS):
        assert_valid_message(scores_reply(rows))


def test_help_documents_every_form_and_the_scoring_formula():
    from bot.quiz import USAGE

    for form in ("/quiz", "/quiz 3", "/quiz section 4", "timer 30", "/quiz scores", "/quiz stop"):
        assert form in HELP
    assert set(USAGE) == {"start", "section", "scores", "stop", "help"}
    for rule in ("worth 100", "50 + 50 × closeness", "1 − |error| ÷ tolerance", "1 + speed ÷ 2",
                 "1 − seconds taken ÷ timer", "150", "score 0", "final"):
        assert rule in HELP


def test_a_chinese_channel_gets_its_quiz_in_chinese():
    pack = PACKS[0]
    question = pack.question("q-weekly-users")
    asked = json.dumps(question_message(pack, question, quiz_id=1, position=0, total=3, language="zh-Hant",
                                        answered=4, timer_s=45), ensure_ascii=False)
    assert "第 1 題,共 3 題" in asked and "已有 *4* 人作答" in asked and "作答 (百萬)" in asked
    assert "answered" not in asked and "Question" not in asked
    revealed = json.dumps(reveal_message(pack, question, position=0, total=3, language="zh-Hant",
                                         stats={"answered": 4, "correct": 2, "fastest": None}), ensure_ascii=False)
    assert "解答" in revealed and "2 人答對" in revealed
    results = json.dumps(results_message(pack, [question], ROWS[:2], "zh-Hant", table=False), ensure_ascii=False)
    assert "測驗結果" in results and "答對 5 題" in results and "重讀" in results
    assert answer_receipt("locked", question, "780", "zh-Hant")["text"].startswith(":lock: 已鎖定:*780 百萬*")
    assert "鎖定答案" in json.dumps(numeric_modal(question, 1, 0, "zh-Hant"), ensure_ascii=False)
