"""`pack check`: what a schema cannot see in a pack, reported as `file:line: problem`.

- a figure stated in a section that no question asks;
- an answer (a choice's right option, a numeric answer) not found in its cited section;
- a key figure whose value is not in its section;
- a numeric tolerance that reaches past halfway to another number of the section (it would accept answers
  nearer that figure than the right one), or that is loose: more than 10% of the answer;
- a question whose text states another question's answer;
- leftover damage, in every text of every language (titles, digests, key figures, quiz, polls):
  pinyin glosses, `*` in place of a word, mojibake, markup;
- zh-Hant that is not standard Traditional: simplified-only characters (里, 后) and a converter's wrong
  forms (關系, 沖擊), found by OpenCC's round trip through Simplified;
- Chinese texts that mix quote conventions (“…” and 「…」 in one pack).
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml
from pydantic import BaseModel

from questions.authoring.figures import MAX_FIGURES_IN_A_SENTENCE, NUM, find_figures
from questions.authoring.text import sentences
from questions.loader import _line_of, load_pack
from questions.schema import Pack, QuizQuestion, Section
from questions.scripts import TO_TRADITIONAL, convert, nonstandard_traditional

# A tolerance wider than this share of the answer accepts guesses, not knowledge (1.4 ± 0.2 takes 1.2–1.6);
# `pack new` drafts about a tenth, so its drafts stay within it.
LOOSE_TOLERANCE = 0.10
QUOTE_CONVENTIONS = {"“”": re.compile(r"[“”]"), "「」": re.compile(r"[「」]")}

DAMAGE: list[tuple[str, re.Pattern[str]]] = [
    ("pinyin gloss", re.compile(r"[\u4e00-\u9fff]\([a-zü]*[āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ][a-zü]*\)")),
    ("`*` in place of a word",
     re.compile(r"(?<![*\w])\*(?![*\s])|(?<=\s)\*(?=\s)|[\u4e00-\u9fff]\*|\*[\u4e00-\u9fff]")),
    ("mojibake", re.compile(r"[\u4e00-\u9fff]\?[a-zāáǎàēéěèīíǐìōóǒòūúǔù;]|\ufffd|Ã[\x80-\xbf]|â€")),
    ("markup", re.compile(r"</?[a-zA-Z][a-zA-Z0-9]*(?:\s[^<>]*)?>|\*\*\S|\]\(https?:|!\[")),
]


def check_file(path: str | Path) -> list[str]:
    path = Path(path)
    pack = load_pack(path)
    root = yaml.compose(path.read_text(encoding="utf-8"), Loader=yaml.SafeLoader)
    return [f"{path}:{_line_of(root, where.split('.'))}: {message}" for where, message in check_pack(pack)]


def check_pack(pack: Pack) -> list[tuple[str, str]]:
    """(field path, problem) for every problem, in pack order."""
    problems: list[tuple[str, str]] = []
    language = pack.pack.default_language
    texts = {s.id: _section_text(s, language) for s in pack.sections}
    source = _source_text(pack, language)
    answers = {q.id: _answer_text(q, language) for q in pack.quiz}
    for index, section in enumerate(pack.sections):
        text = texts[section.id]
        for n, figure in enumerate(section.key_figures):
            value = figure.value.get(language, "")
            if _squash(value) not in _squash(text):
                problems.append((f"sections.{index}.key_figures.{n}.value",
                                 f"key figure {value!r} is not in section {section.id}"))
        asked = list(answers.values())
        asked_all = " ".join(_answer_forms(q, language) for q in pack.quiz)
        for figure in _figures(text):
            if not any(_squash(figure.text) in _squash(a) or _squash(a) in _squash(figure.text) for a in asked if a) \
                    and not (re.fullmatch(r"[\d.,]+", figure.number) and re.search(
                        rf"(?<![\d.]){re.escape(figure.number)}(?![\d])", asked_all)):
                problems.append((f"sections.{index}.text", f"figure {figure.text!r} is not asked by any question"))
    for index, question in enumerate(pack.quiz):
        where = f"quiz.{index}"
        text = source if question.cites == "source" else texts.get(question.section, "")
        cited = "the pack's source line" if question.cites == "source" else f"its cited section {question.section}"
        answer = answers[question.id]
        if answer and not _in_text(answer, text):
            problems.append((where, f"answer {answer!r} is not in {cited}"))
        if question.kind == "numeric" and question.answer_value is not None and question.tolerance:
            for other in _numbers(text):
                gap = abs(other - question.answer_value)
                if gap and question.tolerance > gap / 2 + 1e-9:  # equally near both is not yet the other figure
                    problems.append((f"{where}.tolerance", f"tolerance {question.tolerance:g} reaches past halfway to "
                                     f"{other:g}, another number of section {question.section}"))
                    break
            if question.tolerance > LOOSE_TOLERANCE * abs(question.answer_value):
                problems.append((f"{where}.tolerance", f"tolerance {question.tolerance:g} is loose: more than "
                                 f"{LOOSE_TOLERANCE:.0%} of the answer {question.answer_value:g}"))
        asked_text = question.question.get(language, "")
        for other_question in pack.quiz:
            other_answer = answers[other_question.id]
            if other_question.id != question.id and other_answer and len(_squash(other_answer)) >= 2 \
                    and _squash(other_answer) in _squash(asked_text) \
                    and not _in_own_options(question, other_answer, language):
                problems.append((f"{where}.question",
                                 f"the question states {other_answer!r}, the answer to {other_question.id}"))
    for where, localized in _localized(pack):
        problems += [(where, p) for p in _damage(_every(localized))]
        for tag, value in localized.items():
            if tag == "zh-Hant" or tag.startswith("zh-Hant-"):
                problems += [(where, _script_problem(found, fixed)) for found, fixed in nonstandard_traditional(value)]
    problems += _mixed_quotes(pack)
    return problems


def _script_problem(found: str, fixed: str) -> str:
    simplified = sorted({c for c in found if convert(c, TO_TRADITIONAL) != c})
    if simplified:
        return f"simplified characters {''.join(simplified)} in zh-Hant: {found!r} (standard: {fixed!r})"
    return f"not standard Traditional (OpenCC): {found!r} (standard: {fixed!r})"


def _localized(node: object, path: str = "") -> list[tuple[str, dict[str, str]]]:
    """Every reader-facing text of the pack with its field path (restoration notes quote damage on purpose)."""
    found: list[tuple[str, dict[str, str]]] = []
    if isinstance(node, BaseModel):
        for name in type(node).model_fields:
            if name != "restorations":
                found += _localized(getattr(node, name), f"{path}.{name}" if path else name)
    elif isinstance(node, list):
        for i, item in enumerate(node):
            found += _localized(item, f"{path}.{i}")
    elif isinstance(node, dict) and node and all(isinstance(v, str) for v in node.values()):
        found.append((path, node))
    return found


def _mixed_quotes(pack: Pack) -> list[tuple[str, str]]:
    """One quote convention per pack: the first Chinese text using the second convention is reported."""
    first: dict[str, str] = {}
    for where, text in _localized(pack):
        chinese = "\n".join(v for k, v in text.items() if k.startswith("zh"))
        for name, pattern in QUOTE_CONVENTIONS.items():
            if pattern.search(chinese):
                first.setdefault(name, where)
    if len(first) < 2:
        return []
    (one, at), (other, later) = sorted(first.items(), key=lambda item: _order(item[1], pack))
    return [(later, f"quotes {other} here, while the pack's Chinese texts quote {one} (first at {at})")]


def _order(where: str, pack: Pack) -> int:
    return [w for w, _ in _localized(pack)].index(where)


def _source_text(pack: Pack, language: str) -> str:
    meta = pack.pack.source
    return "\n".join(filter(None, [meta.outlet.get(language, ""), meta.podcast, meta.host, meta.guest]))


def _section_text(section: Section, language: str) -> str:
    parts = [section.title.get(language, ""), section.text.get(language, "")]
    parts += [s.title.get(language, "") + "\n" + s.text.get(language, "") for s in section.subsections]
    return "\n\n".join(parts)


def _answer_text(question: QuizQuestion, language: str) -> str:
    if question.kind == "choice" and question.answer is not None:
        return question.options[question.answer].get(language, "")
    if question.answer_value is not None:
        return f"{question.answer_value:g}"
    return ""


def _answer_forms(question: QuizQuestion, language: str) -> str:
    forms = [_answer_text(question, language)]
    if question.unit:
        forms.append(forms[0] + question.unit.get(language, ""))
    return " ".join(forms)


def _in_own_options(question: QuizQuestion, text: str, language: str) -> bool:
    return any(_squash(text) == _squash(o.get(language, "")) for o in question.options)


def _in_text(answer: str, text: str) -> bool:
    if _squash(answer) in _squash(text):
        return True
    items = answer.split("、")  # a list the text gives in its own order, with its own words in between
    if len(items) > 1 and all(_squash(item) and _squash(item) in _squash(text) for item in items):
        return True
    if re.fullmatch(NUM, answer):  # 1.4 against "1.4 萬億", 800 against "800 million", 8 against "6–8"
        return bool(re.search(rf"(?<![\d.]){re.escape(answer)}(?![\d]|\.\d)", text.replace(",", "")))
    return False


def _squash(text: str) -> str:
    return re.sub(r"[\s,，]+", "", text).lower()


def _figures(text: str) -> list:  # type: ignore[type-arg]
    seen: set[tuple[str, str]] = set()
    found = []
    for sentence in sentences(text):
        figures = find_figures(sentence)
        if len(figures) > MAX_FIGURES_IN_A_SENTENCE:
            continue  # a list of years or numbers, not facts to ask one by one
        for figure in figures:
            if figure.key() not in seen and (figure.value is not None or figure.kind == "date"):
                seen.add(figure.key())
                found.append(figure)
    return found


def _numbers(text: str) -> list[float]:
    return sorted({float(m.group(0).replace(",", "")) for m in re.finditer(NUM, text)})


def _damage(text: str) -> list[str]:
    found = []
    for name, pattern in DAMAGE:
        match = pattern.search(text)
        if match:
            start = max(0, match.start() - 8)
            found.append(f"{name}: {text[start:match.end() + 8]!r}")
    return found


def _every(localized: dict[str, str] | None) -> str:
    """All languages of a text: damage in a translation is damage too."""
    return "\n".join((localized or {}).values())
