"""Every quiz message and modal, for every question of the sample and the article packs, as Slack checks them."""

import json

import pytest

from bot.blocks.quiz import QUIZ_HELP as HELP
from bot.blocks.quiz import (
    answer_label,
    leaderboard_text,
    numeric_modal,
    question_message,
    results_message,
    reveal_message,
    scores_reply,
)
from questions import load_pack, load_packs
from tests.conftest import ROOT, SAMPLE_PACKS
from tests.support.slack_rules import MODAL, assert_slack_accepts_message, assert_slack_accepts_view

PACKS = [load_pack(SAMPLE_PACKS / "sample.yaml"), *load_packs(ROOT / "questions").values()]
CASES = [(pack, question, language) for pack in PACKS for question in pack.quiz for language in pack.pack.languages]
IDS = [f"{pack.pack.id}:{q.id}:{lang}" for pack, q, lang in CASES]
ROWS = [{"user_id": f"U{n:03d}", "score": 1000 - n, "correct": 5, "answered": 5} for n in range(40)]


@pytest.mark.parametrize("pack, question, language", CASES, ids=IDS)
def test_question_reveal_and_modal_are_valid_in_every_language(pack, question, language):
    asked = question_message(pack, question, quiz_id=7, position=9, total=10, language=language, answered=300,
                             timer_s=45)
    assert_slack_accepts_message(asked)
    elements = [e for b in asked["blocks"] if b["type"] == "actions" for e in b["elements"]]
    if question.kind == "choice":
        assert [e["value"] for e in elements] == [f"7|9|{i}" for i in range(len(question.options))]
    else:
        assert [e["value"] for e in elements] == ["7|9"]
        assert_slack_accepts_view(numeric_modal(question, 7, 9, language), MODAL)
    for fastest in (None, {"user_id": "UFAST", "elapsed": 2.25}):
        revealed = reveal_message(pack, question, position=9, total=10, language=language,
                                  stats={"answered": 300, "correct": 120, "fastest": fastest})
        assert_slack_accepts_message(revealed)
        assert not any(b["type"] == "actions" for b in revealed["blocks"])  # no buttons left to click


def test_the_reveal_shows_answer_explanation_section_counts_and_fastest():
    pack = PACKS[0]
    question = pack.question("q-weekly-users")
    stats = {"answered": 12, "correct": 5, "fastest": {"user_id": "UF", "elapsed": 3.04}}
    text = json.dumps(reveal_message(pack, question, position=0, total=1, language="en", stats=stats),
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
def test_results_with_table_or_text_and_every_section_to_reread_are_valid(pack, table, state):
    reread = list(dict.fromkeys(q.section for q in pack.quiz[:10]))
    message = results_message(pack, reread, ROWS, pack.pack.default_language, table=table, state=state)
    assert_slack_accepts_message(message)
    kinds = [b["type"] for b in message["blocks"]]
    assert ("table" in kinds) == table
    text = json.dumps(message, ensure_ascii=False)
    assert all(f"/digest show {pack.section(s).number or s}" in text for s in reread)


def test_results_of_a_quiz_nobody_answered_say_so():
    pack = PACKS[0]
    message = results_message(pack, [], [], "en")
    assert_slack_accepts_message(message)
    assert "Nobody answered." in json.dumps(message)


def test_the_table_ranks_players_and_the_text_fallback_matches():
    table = next(b for b in results_message(PACKS[0], [], ROWS, "en")["blocks"] if b["type"] == "table")
    assert len(table["rows"]) == 21  # a header and the top 20
    assert [c["text"] for c in table["rows"][1] if c["type"] == "raw_text"] == ["1", "1000", "5"]
    assert leaderboard_text(ROWS).splitlines()[0].startswith(":first_place_medal: <@U000> · *1000* points")


def test_answer_labels_name_the_pick_escaped():
    question = PACKS[0].question("q-code-red-weeks")
    assert answer_label(question, "0", "en") == "A. 1–2 weeks"
    assert answer_label(question, "9", "en") == "?"
    estimate = PACKS[0].question("q-weekly-users")
    assert answer_label(estimate, "780", "en") == "780 million"
    assert "<!channel>" not in answer_label(estimate, "<!channel>", "en")


def test_help_and_scores_replies_are_valid():
    assert_slack_accepts_message({"response_type": "ephemeral", "text": "help",
                          "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": HELP}}]})
    assert len(HELP) < 3000
    for rows in ([], ROWS):
        assert_slack_accepts_message(scores_reply(rows))


def test_a_locked_in_answer_is_shown_as_the_player_gave_it_and_escaped():
    sample = load_pack(SAMPLE_PACKS / "sample.yaml")
    choice, numeric = sample.question("q-code-red-weeks"), sample.question("q-weekly-users")
    assert answer_label(choice, "0", "en") == "A. 1–2 weeks"
    assert answer_label(numeric, "1,400", "en") == "1,400 million"
    assert answer_label(choice, "9", "en") == "?"
    assert "<!channel>" not in answer_label(numeric, "<!channel>", "en")
