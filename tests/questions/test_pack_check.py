"""`pack check` holds the built-in pack's editorial fixes: it reports nothing on the pack as it is, and each
kind of problem the editorial review found (or the source's damage) is reported when put back into a copy."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from questions.authoring.check import check_file

ROOT = Path(__file__).resolve().parents[2]
BUILT_IN = ROOT / "questions" / "altman-2025-12.yaml"


def test_the_built_in_pack_has_no_problem():
    assert check_file(BUILT_IN) == []


def _without_question(text: str, question_id: str) -> str:
    return re.sub(rf"\n  - id: {question_id}\n.*?\n\n", "\n", text, count=1, flags=re.S)


# (what the copy gets wrong, the edit, what the check says, a fragment of the line it points at)
BREAKS = [
    ("a loose tolerance", ("    tolerance: 0.05\n", "    tolerance: 0.2\n"),
     "tolerance 0.2 is loose: more than 10% of the answer 1.4", "tolerance: 0.2"),
    ("a tolerance nearer another figure", ("    answer_value: 70.9\n    tolerance: 1\n",
                                           "    answer_value: 70.9\n    tolerance: 2\n"),
     "tolerance 2 reaches past halfway to 74.1", "tolerance: 2"),
    ("the outlet cited to the introduction", ("    cites: source\n", ""),
     "answer '硅星人' is not in its cited section intro", "- id: q-outlet"),
    ("a giveaway", ('"在這項知識工作評估裡,被偏好/打平的比例僅次於 Pro 版本的是哪個模型?"',
                    '"在 GDPval 裡被偏好/打平比例達到 70.9% 的是哪個模型?"'),
     "the question states '70.9', the answer to q-gdpval-thinking", "70.9% 的是哪個模型"),
    ("a fact never asked", None, "figure '一小時' is not asked by any question", "一小時任務交給 AI"),
    ("a pinyin gloss in a poll option", ('"只交出範圍明確的任務', '"只交出範(fàn)圍明確的任務'),
     "pinyin gloss", "範(fàn)圍"),
    ("a `*` in a key figure", ('label: {zh-Hant: "粘性機制"', 'label: {zh-Hant: "*機制"'),
     "`*` in place of a word", "*機制"),
    ("mojibake in the title", ("最新訪談:OpenAI 想贏的不是下一次發佈會", "最新訪?wù)OpenAI 想贏的不是下一次發佈會"),
     "mojibake", "訪?wù"),
    ("markup in a comment prompt", ("流程改了嗎?", "流程改了嗎?</p>"), "markup", "</p>"),
    ("a simplified-only character", ("OpenAI 三個問題:你還怎麼贏?", "OpenAI 三個問題:你還怎么贏?"),
     "simplified characters 么 in zh-Hant", "怎么贏"),
    ("a wrong conversion", ("“排他性的浪漫關係”。", "“排他性的浪漫關系”。"),
     "not standard Traditional (OpenCC): '關系”' (standard: '關係”')", "浪漫關系"),
    ("a second quote convention", ('prompt: {zh-Hant: "把“紅色代碼”當成', 'prompt: {zh-Hant: "把「紅色代碼」當成'),
     "quotes 「」 here, while the pack's Chinese texts quote “”", "把「紅色代碼」當成"),
]


@pytest.mark.parametrize("what, edit, message, fragment", BREAKS, ids=[b[0] for b in BREAKS])
def test_a_broken_copy_is_reported_where_it_is_broken(tmp_path, what, edit, message, fragment):
    text = BUILT_IN.read_text(encoding="utf-8")
    if edit is None:
        broken = _without_question(text, "q-task-length")
        assert "id: q-task-length" not in broken and len(broken) < len(text)
    else:
        old, new = edit
        assert text.count(old) == 1, old
        broken = text.replace(old, new)
    copy = tmp_path / "broken.yaml"
    copy.write_text(broken, encoding="utf-8")
    problems = [p for p in check_file(copy) if message in p]
    assert problems, (what, check_file(copy))
    line = int(problems[0].split(":")[1])
    lines = broken.splitlines()
    # a block scalar (`|`) is reported at its first line; the fragment is in one of its paragraphs
    assert fragment in "\n".join(lines[line - 1:line + 10]), (what, problems[0], lines[line - 1])
