"""The built-in article pack, questions/altman-2025-12.yaml.

It loads and is found with the other built-in packs; none of the damage the source arrived with (pinyin
glosses, `*` where the site filtered a word, mojibake, stray markup) reaches any text in any language; every
figure a quiz or key-figure box quotes is in the section it points at; and the quizzes ask about every number
in the article. The damage detectors are themselves checked against the examples of the source's damage
table, so a detector that silently matches nothing fails too.
"""

from __future__ import annotations

import os
import re
import unicodedata
from pathlib import Path

import pytest
from pydantic import BaseModel

from questions import load_pack, load_packs
from questions.schema import Pack, Section
from questions.scripts import convert, standard_traditional

ROOT = Path(__file__).resolve().parents[2]
PACK_PATH = ROOT / "questions" / "altman-2025-12.yaml"
LANGUAGES = {"zh-Hant", "zh-Hans", "en"}
RAW_SOURCE = Path(os.environ.get("ARTICLE_RAW", "/work/shared/article/altman-interview.zh-Hant.raw.txt"))


@pytest.fixture(scope="module")
def pack() -> Pack:
    return load_pack(PACK_PATH)


# --- walking the pack ---------------------------------------------------------------------------------------

def localized_texts(node: object, path: str = "") -> list[tuple[str, dict[str, str]]]:
    """Every reader-facing {language: text} mapping in the pack, with its path (restoration notes are not
    reader-facing and quote the damage on purpose, so `pack.restorations` is skipped)."""
    found: list[tuple[str, dict[str, str]]] = []
    if isinstance(node, BaseModel):
        for name in type(node).model_fields:
            if name == "restorations":
                continue
            found += localized_texts(getattr(node, name), f"{path}.{name}" if path else name)
    elif isinstance(node, list):
        for i, item in enumerate(node):
            found += localized_texts(item, f"{path}[{i}]")
    elif isinstance(node, dict) and node and all(isinstance(v, str) for v in node.values()):
        found.append((path, node))
    return found


def all_texts(pack: Pack) -> list[tuple[str, str, str]]:
    return [(path, lang, text) for path, mapping in localized_texts(pack) for lang, text in mapping.items()]


def section_zh(section: Section) -> str:
    """The section as a Chinese reader sees it: heading, body, and each subsection's heading and body."""
    parts = [section.title["zh-Hant"], section.text["zh-Hant"]]
    for sub in section.subsections:
        parts += [sub.title["zh-Hant"], sub.text["zh-Hant"]]
    return "\n\n".join(parts)


def paragraphs(text: str) -> list[str]:
    return [p.strip() for p in re.split(r"\n\s*\n", text.strip()) if p.strip()]


# --- normalising text and numbers ---------------------------------------------------------------------------

DASHES = "‐‑‒–—―−-"


def normalise(text: str) -> str:
    """Fold a text for "does this figure appear there" comparisons.

    - NFKC folds full-width forms (２０２５, ％, ：) into their ASCII equivalents.
    - All whitespace is removed: Chinese typesetting puts a space between Han characters and Latin letters or
      digits or leaves it out, inconsistently (the source writes "2025 年 12 月19日"), so spacing carries no
      meaning here and "2025 年 12 月 19 日" must match it.
    - Every dash-like character becomes "–": ranges are written 6–8 or 6-8 interchangeably.
    Nothing else changes, so a wrong digit, unit or word still fails to match.
    """
    text = unicodedata.normalize("NFKC", text)
    text = re.sub(r"\s+", "", text)
    return re.sub(f"[{re.escape(DASHES)}]", "–", text)


_NUM = r"\d{1,3}(?:,\d{3})+(?![\d,])|\d+(?:[.,]\d+)?"
NUMBER = re.compile(rf"(?<![\d.,])({_NUM})(?:\s*[{re.escape(DASHES)}]\s*({_NUM}))?\s*%?")


def canonical(number: str) -> str:
    """'1,000' -> '1000' (thousands), '1,4' -> '1.4' (decimal comma), '70.90' -> '70.9', '2026' -> '2026'."""
    if re.fullmatch(r"\d{1,3}(?:,\d{3})+", number):
        number = number.replace(",", "")
    return f"{float(number.replace(',', '.')):g}"


def numbers(text: str) -> set[str]:
    """Canonical number tokens in `text`: single numbers, and ranges as 'a–b' (a percent sign is dropped)."""
    tokens = set()
    for match in NUMBER.finditer(unicodedata.normalize("NFKC", text)):
        low, high = match.group(1), match.group(2)
        tokens.add(f"{canonical(low)}–{canonical(high)}" if high else canonical(low))
    return tokens


def number_values(text: str) -> set[str]:
    """Like `numbers`, with each range also contributing its two ends."""
    values = set()
    for token in numbers(text):
        values.update(token.split("–"))
    return values


def test_the_number_helpers_read_the_formats_the_article_uses():
    assert numbers("2025 年 12 月19日") == {"2025", "12", "19"}
    assert numbers("持續 6–8 周,每年 1-2 次") == {"6–8", "1–2"}
    assert numbers("70.9%,Pro 版本到 74.1%") == {"70.9", "74.1"}
    assert numbers("1,4 萬億 and 1.4 trillion") == {"1.4"}
    assert numbers("100,000 users, GPT-5.2") == {"100000", "5.2"}
    assert number_values("6–8 周") == {"6", "8"}
    assert normalise("2025 年 12 月 19 日") == normalise("2025 年 12 月19日")
    assert normalise("6-8 周") == normalise("6–8 周") != normalise("6–9 周")


# --- damage detectors ---------------------------------------------------------------------------------------

TONE_MARKS = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü"
# A gloss follows the character it glosses, 標(biāo); anywhere else, a bracketed word with a tone mark.
PINYIN_GLOSS = re.compile(rf"(?<=[\u4e00-\u9fff])\([a-z{TONE_MARKS}]+\)|\([a-z]*[{TONE_MARKS}][a-z{TONE_MARKS}]*\)")
PINYIN_LETTER = re.compile(f"[{TONE_MARKS}]")
# Characters of the mojibake runs in the source's damage table that the article never uses (耐 and 承 are
# left out: 耐人尋味, 承認), plus the classic UTF-8/GBK mojibake characters (锟斤拷, 鈥, 銆, €, Ã, Â ...).
MOJIBAKE_CHARS = set("嬲尫诺男盘枴隆眮砼渲樵秸栽劫嶅樗鼪" "锟拷烫鈥銆鍥€ÃÂÐ\ufffd")
# A '?' glued to the rest of a gloss or to ASCII punctuation is what is left of a mangled byte: 因?yàn)、規?;
MOJIBAKE_QUESTION = re.compile(rf"[?？](?:[a-z{TONE_MARKS}]+\)|[;/)\]])|(?<=[\u4e00-\u9fff])[?？](?=[。,、])")
MARKUP = re.compile(r"</?[A-Za-z][^>]*>|&[a-z]+;|&#\d+;|[<>]")
_QUESTION_WORDS = r"嗎|什[么麼]|怎[么麼]|哪|是不是|會不會|能不能|還是|如何|為何|多[少久高大長遠]|幾|誰|是否"
QUESTION_WORD = re.compile(_QUESTION_WORDS + "|" + convert(_QUESTION_WORDS, "tw2s"))  # and in zh-Hans


def unasked_question_marks(text: str) -> list[str]:
    """In Chinese text a '?' ends a question, so its clause (back to the last 。!? or line break) holds a
    question word; mojibake leaves '?' in the middle of plain statements (是因?樗鼪]有提供, 模型分?)."""
    bad = []
    for match in re.finditer(r"[?？]", text):
        clause = re.split(r"[。!！?？\n]", text[: match.start()])[-1]
        if not QUESTION_WORD.search(clause):
            bad.append(text[max(0, match.start() - 12): match.end() + 6])
    return bad


def damage(text: str, language: str) -> list[str]:
    """Every kind of damage found in `text`, described; empty when the text is clean."""
    found = []
    if "*" in text:
        found.append("`*` where a word was filtered")
    if PINYIN_GLOSS.search(text) or (language.startswith("zh") and PINYIN_LETTER.search(text)):
        found.append("pinyin gloss")
    # Some of those characters are ordinary simplified forms (诺 of 承諾): zh-Hans is read in Traditional here
    chars = set(convert(text, "s2tw") if language == "zh-Hans" else text)
    if MOJIBAKE_CHARS & chars:
        found.append(f"mojibake characters {sorted(MOJIBAKE_CHARS & chars)}")
    if MOJIBAKE_QUESTION.search(text):
        found.append("'?' glued to letters or punctuation")
    if re.search(r"[\u4e00-\u9fff][?？][\u4e00-\u9fff]", text) and not language.startswith("zh"):
        found.append("'?' inside a run of Chinese in a non-Chinese text")
    if language.startswith("zh") and unasked_question_marks(text):
        found.append(f"'?' outside a question: {unasked_question_marks(text)}")
    if MARKUP.search(text):
        found.append("markup")
    return found


# The examples of the README's damage table, as they stand in the raw source (plus one more of each kind).
DAMAGED_SAMPLES = [
    "原標(biāo)題:Sam Altman 最新訪談",
    "OpenAI 的反應(yīng)是“進(jìn)入紅色代碼”",
    "OpenAI 的*反應是“進入紅色代碼”",
    "*種是個性化與記憶。",
    "OpenAI 的解法不是宣稱“我們永遠*”",
    "方便你快速抓住這期訪談?wù)嬲尫诺男盘枴?/p>",
    "方便你快速抓住這期訪談?wù)嬲尫诺男盘枴?",
    "但他也承認這次可能不同,因?yàn)?AI 有能力做很多事情。",
    "你甚至可以把它當成“可規(guī)?;耐隆眮砼渲?。",
    "你甚至可以把它當成“可規?;耐隆眮砼渲?。",
    "反復強調的并不是“模型分?jǐn)?shù)”,而是一套更長期的勝負手",
    "其他服務很可能會做,因?yàn)樵秸承栽劫嶅X。",
    "這一段之所以刺痛,是因?yàn)樗鼪]有提供一個輕松答案。",
    "這一段之所以刺痛,是因?樗鼪]有提供一個輕松答案。",
    "因?yàn)?AI 的未來,不會只由 OpenAI 決定",
    "我們把最值得討論的內容整理了出來。</p>",
    "鍥犱负 AI 锟斤拷",
]


@pytest.mark.parametrize("sample", DAMAGED_SAMPLES)
def test_the_detectors_catch_every_kind_of_damage_in_the_source(sample):
    assert damage(sample, "zh-Hant"), sample


def test_the_detectors_pass_real_questions_and_clean_text():
    for clean in ("你還怎么贏?錢從哪來、為什么要花到天文數字?", "這期訪談最重要的信號是什么?",
                  "他的落點是“過渡期管理”:如何確保世界仍然繁榮,即使工作的性質發生變化?",
                  "因為 AI 的未來,不會只由 OpenAI 決定。", "持續 6–8 周,比例達到 70.9%。"):
        assert damage(clean, "zh-Hant") == [], clean
    assert damage("Will AI take your job? It is entirely possible.", "en") == []


@pytest.mark.skipif(not RAW_SOURCE.exists(), reason="the raw source article is not on this machine")
def test_the_detectors_find_damage_throughout_the_raw_source():
    raw_lines = [line for line in RAW_SOURCE.read_text(encoding="utf-8").splitlines() if line.strip()]
    flagged = [line for line in raw_lines if damage(line, "zh-Hant")]
    assert len(flagged) >= len(raw_lines) * 0.8


# --- loading and languages ----------------------------------------------------------------------------------

def test_the_pack_validates_and_is_found_among_the_built_in_packs(pack):
    assert pack.pack.id == "altman-2025-12"
    packs = load_packs(ROOT / "questions")
    assert "altman-2025-12" in packs
    assert packs["altman-2025-12"] == pack


def test_metadata(pack):
    meta = pack.pack
    assert set(meta.languages) == LANGUAGES and meta.default_language == "zh-Hant"
    assert meta.source.outlet == {"zh-Hant": "硅星人", "zh-Hans": "硅星人", "en": "Silicon Star (硅星人)"}
    assert (meta.source.podcast, meta.source.host, meta.source.guest) == (
        "Big Technology Podcast", "Alex Kantrowitz", "Sam Altman")
    assert meta.source.episode_date.isoformat() == "2025-12-19"
    assert meta.title["zh-Hant"] == "Sam Altman 最新訪談:OpenAI 想贏的不是下一次發佈會,而是下一代入口"
    assert meta.title["zh-Hans"] == "Sam Altman 最新访谈:OpenAI 想赢的不是下一次发布会,而是下一代入口"


def test_every_text_exists_in_every_language(pack):
    texts = localized_texts(pack)
    assert len(texts) > 300
    for path, mapping in texts:
        assert set(mapping) == LANGUAGES, path
        for language, text in mapping.items():
            assert text.strip(), f"{path}.{language} is blank"


def test_chinese_texts_are_chinese_and_english_texts_are_not(pack):
    for path, language, text in all_texts(pack):
        han = len(re.findall(r"[\u4e00-\u9fff]", text))
        if language == "en":
            # A Chinese name may follow its English one in brackets, "Silicon Star (硅星人)"; nothing else.
            han = len(re.findall(r"[\u4e00-\u9fff]", re.sub(r"\([^()]*\)", "", text)))
            assert han == 0, f"{path}.en carries Chinese: {text[:60]}"
        elif han == 0:
            assert re.fullmatch(r"[\w.%–\- ]+", text), f"{path}.{language} has no Chinese: {text[:60]}"


def test_no_damage_remains_in_any_text_of_any_language(pack):
    problems = [f"{path}.{language}: {kinds}" for path, language, text in all_texts(pack)
                if (kinds := damage(text, language))]
    assert problems == []


# --- structure ----------------------------------------------------------------------------------------------

def test_intro_eleven_numbered_sections_and_conclusion_in_order(pack):
    kinds = [(s.kind, s.id, s.number) for s in pack.sections]
    expected = ([("introduction", "intro", None)] + [("section", f"s{n}", n) for n in range(1, 12)]
                + [("conclusion", "conclusion", None)])
    assert kinds == expected
    assert pack.section("conclusion").title["zh-Hant"] == "這期訪談最重要的信號是什麼?"


def test_section_two_keeps_the_stickiness_subsection(pack):
    subs = pack.section("s2").subsections
    assert len(subs) == 1
    assert "粘性機制" in subs[0].text["zh-Hant"] and "stickiness" in subs[0].text["en"]
    for opening in ("第一種", "第二種", "第三種"):
        assert opening in subs[0].text["zh-Hant"]
    assert all(not s.subsections for s in pack.sections if s.id != "s2")


def test_every_section_has_a_digest_of_three_to_five_points_and_a_prompt(pack):
    for section in pack.sections:
        assert 3 <= len(section.digest) <= 5, section.id
        assert section.prompt["zh-Hant"].strip() and section.prompt["en"].strip()


def test_english_follows_the_chinese_paragraph_by_paragraph(pack):
    for section in pack.sections:
        pairs = [(section.text, section.id)] + [(sub.text, f"{section.id} subsection") for sub in section.subsections]
        for text, where in pairs:
            assert len(paragraphs(text["en"])) == len(paragraphs(text["zh-Hant"])), where


def test_restorations_note_each_filtered_word_where_it_was_restored(pack):
    notes = pack.pack.restorations
    assert len(notes) == 8
    ids = {s.id for s in pack.sections}
    for note in notes:
        assert note.section in ids
        assert note.damaged.count("*") == 1
        # `damaged` quotes the source as received, in its converter's script; the section is standard Traditional
        restored = standard_traditional(note.damaged.replace("*", note.restored))
        assert restored in section_zh(pack.section(note.section)), note
        assert note.why.strip()
    assert {n.restored for n in notes} >= {"第一", "領先"}


# --- figures ------------------------------------------------------------------------------------------------

def test_every_key_figure_appears_in_its_section(pack):
    for section in pack.sections:
        body = normalise(section_zh(section))
        for figure in section.key_figures:
            assert normalise(figure.value["zh-Hant"]) in body, (section.id, figure.value)


def test_key_figures_carry_the_articles_numbers(pack):
    """Each Arabic number of a section shows up in that section's key figures."""
    for section in pack.sections:
        in_figures = set().union(*(numbers(f.value["zh-Hant"]) for f in section.key_figures))
        missing = numbers(section_zh(section)) - in_figures
        assert not missing, (section.id, missing)


# --- quizzes ------------------------------------------------------------------------------------------------

def test_quiz_size_kinds_and_difficulties(pack):
    assert len(pack.quiz) >= 20
    assert {q.kind for q in pack.quiz} == {"choice", "numeric"}
    assert {q.difficulty for q in pack.quiz} == {"easy", "medium", "hard"}
    ids = {s.id for s in pack.sections}
    for question in pack.quiz:
        assert question.section in ids, question.id


def test_every_answer_index_is_within_its_options(pack):
    for question in pack.quiz:
        if question.kind == "choice":
            assert len(question.options) == 4, question.id
            assert question.answer is not None and 0 <= question.answer < len(question.options), question.id
            labels = [o["zh-Hant"] for o in question.options]
            assert len(set(labels)) == 4, question.id


def test_every_numeric_answer_is_stated_in_the_section_it_cites(pack):
    numeric = [q for q in pack.quiz if q.kind == "numeric"]
    assert numeric
    for question in numeric:
        stated = number_values(section_zh(pack.section(question.section)))
        assert canonical(str(question.answer_value)) in stated, (question.id, question.answer_value, stated)
        assert question.tolerance < question.answer_value


def stated_in(section: Section) -> set[str]:
    text = section_zh(section)
    return numbers(text) | number_values(text)


def test_the_correct_option_states_only_numbers_its_section_gives(pack):
    """Checked in Chinese, which counts in the article's own units (100 萬 is "1 million" in English)."""
    for question in pack.quiz:
        if question.kind == "choice":
            label = question.options[question.answer]["zh-Hant"]
            assert numbers(label) <= stated_in(pack.section(question.section)), (question.id, label)


def test_digests_quote_only_numbers_their_section_gives(pack):
    for section in pack.sections:
        for point in section.digest:
            assert numbers(point["zh-Hant"]) <= stated_in(section), (section.id, point["zh-Hant"])


def quiz_text(question) -> str:
    parts = [*question.question.values(), *question.explanation.values()]
    for option in question.options:
        parts += option.values()
    return "\n".join(parts)


def test_every_number_in_the_article_is_asked(pack):
    article = set().union(*(numbers(section_zh(s)) for s in pack.sections))
    # The extractor must see the article's figures, or this test would pass on nothing.
    assert article >= {"2025", "12", "19", "6–8", "1–2", "100", "5.2", "70.9", "74.1", "1.4", "2026"}
    asked = set()
    for question in pack.quiz:
        asked |= numbers(quiz_text(question))
        if question.answer_value is not None:
            asked.add(canonical(str(question.answer_value)))
    assert sorted(article - asked) == []


NAMES = ["Sam Altman", "Alex Kantrowitz", "Big Technology Podcast", "硅星人", "OpenAI", "ChatGPT", "Google",
         "GDPval", "GPT-5.2 Thinking", "Pro"]


def test_every_name_in_the_article_is_asked(pack):
    article = "\n".join(section_zh(s) for s in pack.sections)
    asked = "\n".join(quiz_text(q) for q in pack.quiz)
    for name in NAMES:
        assert name in article or name == "硅星人", name
        assert name in asked, name


# --- polls --------------------------------------------------------------------------------------------------

def test_the_three_closing_questions_are_polls(pack):
    assert [p.id for p in pack.polls] == ["p1", "p2", "p3"]
    conclusion = pack.section("conclusion").text["zh-Hant"]
    for poll in pack.polls:
        assert poll.section == "conclusion"
        assert poll.question["zh-Hant"] in conclusion, poll.id
        assert 4 <= len(poll.options) <= 5, poll.id
        assert poll.comment_prompt["zh-Hant"].strip() and poll.comment_prompt["en"].strip()
    assert "".join(p.question["zh-Hant"] for p in pack.polls) in conclusion.replace("\n", "")


# --- fidelity to the source ---------------------------------------------------------------------------------

# Mojibake runs of the source (after glosses are removed) and what they stand for; see the pack's header.
MOJIBAKE_REPAIRS = {
    "分?jǐn)?shù)": "分數",
    "訪談?wù)嬲尫诺男盘枴?/p>": "訪談真正釋放的信號。",
    "可規?;耐隆眮砼渲?。": "可規模化的同事”來配置。",
    "因?yàn)?AI": "因為 AI",
    "因?yàn)樗鼪]有": "因為它沒有",
    "因?yàn)樵秸承栽劫嶅X": "因為越粘性越賺錢",
}


@pytest.mark.skipif(not RAW_SOURCE.exists(), reason="the raw source article is not on this machine")
def test_the_chinese_is_the_source_article_word_for_word(pack):
    """Repairing the raw source with the glosses regex, the pack's restorations and the mojibake table, then
    its script with OpenCC's round trip (the converter's mistakes: 里 → 裡, 關系 → 關係), gives exactly the
    pack's Chinese, heading by heading and paragraph by paragraph: nothing dropped or reworded."""
    raw = PINYIN_GLOSS.sub("", RAW_SOURCE.read_text(encoding="utf-8"))
    for bad, good in MOJIBAKE_REPAIRS.items():
        assert bad in raw, bad
        raw = raw.replace(bad, good)
    for note in pack.pack.restorations:
        assert raw.count(note.damaged) == 1, note.damaged
        raw = raw.replace(note.damaged, note.damaged.replace("*", note.restored))
    lines = [standard_traditional(line.strip()) for line in raw.splitlines() if line.strip()]
    title = re.fullmatch(r"原標題:(.*) 來源:(.*)", lines[0])
    assert title and title.group(1) == pack.pack.title["zh-Hant"] and title.group(2) == "硅星人"
    expected = []
    for section in pack.sections:
        if section.kind == "section":
            expected.append(f"{section.number}、{section.title['zh-Hant']}")
        elif section.kind == "conclusion":
            expected.append(section.title["zh-Hant"])
        expected += paragraphs(section.text["zh-Hant"])
        for sub in section.subsections:
            expected += [sub.title["zh-Hant"], *paragraphs(sub.text["zh-Hant"])]
    assert lines[1:] == expected
