"""The built-in article pack: complete, repaired, bilingual, and its quizzes true to the text.

The damage patterns come from ../shared/article/README.md's table: pinyin glosses after characters,
words filtered to `*`, mojibake runs (UTF-8 read as GBK: `?` followed by stray Latin or CJK-extension
characters), and leftover markup such as `</p>`.
"""

import re
from pathlib import Path

import pytest

from questions import load_pack, load_packs
from questions.schema import BaseModel

ROOT = Path(__file__).resolve().parents[1]
PACK_PATH = ROOT / "questions" / "altman-2025-12.yaml"
PACK = load_pack(PACK_PATH)
LANGS = ("zh-Hant", "en")

PINYIN_GLOSS = re.compile(r"\([a-zü\u00e0-\u00fc\u0101-\u01dc]+\)")
# The source writes a halfwidth "?" as its question mark, so "?" alone proves nothing; a mojibake run shows
# "?" followed by lowercase Latin or ";" (?wù, ?jǐn, ?yàn, ?;), accented Latin, or U+FFFD.
MOJIBAKE = re.compile(r"\?[a-z;]|[\u00c0-\u024f]|\ufffd")
MARKUP = re.compile(r"</?[a-zA-Z][^>]*>|/[a-z]+>")  # the source shows a torn "</p>" as "?/p>"
# the damaged examples quoted in the damage table (also catching runs with no "?" pattern above)
TABLE_EXAMPLES = ["訪談?wù)嬲尫诺男盘枴?/p>", "因?yàn)?AI", "可規?;耐隆眮砼渲?", "模型分?jǐn)?shù)",
                  "因?yàn)樵秸承栽劫嶅X", "標(biāo)題", "反應(yīng)"]


def reader_texts(node=PACK.sections + PACK.quiz + PACK.polls + [PACK.pack.title], path="pack"):
    """Every (path, language, text) a reader can see: sections, quiz, polls, the title (not the repair notes)."""
    if isinstance(node, BaseModel):
        for name in type(node).model_fields:
            yield from reader_texts(getattr(node, name), f"{path}.{name}")
    elif isinstance(node, list):
        for i, item in enumerate(node):
            yield from reader_texts(item, f"{path}[{i}]")
    elif isinstance(node, dict) and node and all(isinstance(v, str) for v in node.values()):
        for lang, text in node.items():
            yield path, lang, text


ALL = list(reader_texts())


def test_pack_validates_and_is_found_in_the_builtin_directory():
    assert "altman-2025-12" in load_packs(ROOT / "questions")
    assert PACK.pack.languages == ["zh-Hant", "en"] and PACK.pack.default_language == "zh-Hant"
    assert PACK.pack.source.host == "Alex Kantrowitz" and PACK.pack.source.guest == "Sam Altman"
    assert str(PACK.pack.source.episode_date) == "2025-12-19"
    assert PACK.pack.source.outlet["zh-Hant"] == "硅星人"


def test_structure_intro_eleven_sections_conclusion_and_the_stickiness_subsection():
    kinds = [s.kind for s in PACK.sections]
    assert kinds[0] == "introduction" and kinds[-1] == "conclusion"
    assert [s.number for s in PACK.sections if s.kind == "section"] == list(range(1, 12))
    s2 = PACK.section("s2")
    assert len(s2.subsections) == 1 and "粘性機制" in s2.subsections[0].text["zh-Hant"]
    assert all(3 <= len(s.digest) <= 5 for s in PACK.sections)


def test_no_damage_reaches_a_reader():
    problems = []
    for path, lang, text in ALL:
        for name, found in (("pinyin gloss", PINYIN_GLOSS.search(text)), ("star", "*" in text),
                            ("mojibake", MOJIBAKE.search(text)), ("markup", MARKUP.search(text)),
                            ("table example", any(example in text for example in TABLE_EXAMPLES))):
            if found:
                problems.append(f"{path}:{lang}: {name}")
    assert len(ALL) > 500 and not problems, problems


def test_damage_patterns_do_find_the_damage_in_the_raw_text():
    raw = (ROOT.parent / "shared" / "article" / "altman-interview.zh-Hant.raw.txt")
    if not raw.exists():
        pytest.skip("the shared article is not beside this clone")
    text = raw.read_text(encoding="utf-8")
    assert len(PINYIN_GLOSS.findall(text)) > 250  # "about 300"
    assert len(MOJIBAKE.findall(text)) >= 7 and text.count("*") == 8 and MARKUP.search(text)


def test_every_star_restoration_is_noted_with_its_reason():
    notes = PACK.pack.restorations
    assert len(notes) == 8
    for note in notes:
        section = PACK.section(note.section)
        assert "*" in note.damaged and note.restored in section_text(section) and note.why


def section_text(section) -> str:
    """A section's Chinese as a reader meets it; the introduction also carries the title and credit line."""
    parts = [section.title["zh-Hant"], section.text["zh-Hant"]]
    if section.kind == "introduction":
        parts += [PACK.pack.title["zh-Hant"], PACK.pack.source.outlet["zh-Hant"]]
    parts += [p for sub in section.subsections for p in (sub.title["zh-Hant"], sub.text["zh-Hant"])]
    return normalise("\n".join(parts))


def normalise(text: str) -> str:
    """Spacing differs between a figure and its sentence ("100 萬" / "100萬"): compare without whitespace."""
    return re.sub(r"\s+", "", text)


CHINESE_NUMERALS = {1: "一", 2: "二", 3: "三", 4: "四", 5: "五", 6: "六", 7: "七", 8: "八", 9: "九", 10: "十"}


def test_every_text_exists_in_both_languages():
    for path, lang, text in ALL:
        assert text.strip(), f"{path}:{lang} is empty"
    per_path = {}
    for path, lang, _ in ALL:
        per_path.setdefault(path, set()).add(lang)
    assert all(langs == set(LANGS) for langs in per_path.values())


def test_key_figures_appear_in_their_sections():
    for section in PACK.sections:
        for figure in section.key_figures:
            assert normalise(figure.value["zh-Hant"]) in section_text(section), (section.id, figure.value)


def test_quiz_answers_are_options_or_numbers_the_section_states():
    assert len(PACK.quiz) >= 20
    for question in PACK.quiz:
        text = section_text(PACK.section(question.section))
        if question.kind == "choice":
            assert 0 <= question.answer < len(question.options) == 4
            assert len({o["en"] for o in question.options}) == 4 and len({o["zh-Hant"] for o in question.options}) == 4
            answer = normalise(question.options[question.answer]["zh-Hant"])
            assert answer in text or any(part in text for part in re.split(r"[的與,]", answer) if len(part) >= 2), \
                (question.id, answer)
        else:
            value = question.answer_value
            spelled = f"{value:g}"
            assert spelled in text or CHINESE_NUMERALS.get(int(value), "\0") in text, (question.id, spelled)


def test_mixed_difficulty():
    assert {q.difficulty for q in PACK.quiz} == {"easy", "medium", "hard"}


def test_every_number_in_the_article_is_asked_somewhere():
    asked = " ".join(
        " ".join([*q.question.values(), *[v for o in q.options for v in o.values()], *q.explanation.values(),
                  f"{q.answer_value:g}" if q.answer_value is not None else ""])
        for q in PACK.quiz)
    numbers = set()
    for section in PACK.sections:
        numbers |= set(re.findall(r"\d+(?:\.\d+)?", section_text(section)))
    missing = sorted(n for n in numbers if n not in asked)
    assert not missing, f"numbers never asked: {missing}"


def test_the_polls_are_the_three_closing_questions_verbatim():
    closing = PACK.section("conclusion").text["zh-Hant"]
    assert len(PACK.polls) == 3
    for poll in PACK.polls:
        assert poll.question["zh-Hant"] in closing
        assert 4 <= len(poll.options) <= 5 and poll.comment_prompt["en"]
