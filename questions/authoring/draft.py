"""From an `Article` to a draft pack (a plain dict in the schema's shape): sections, digests, key figures,
quiz questions and polls, every text taken from the article or built around a quotation of it.

Nothing here invents a fact: digest points are the section's own sentences (shortened at a clause),
quiz answers are figures as the section writes them, distractors are the same figure moved to other
values of its kind (never another question's answer), and polls are the article's own open questions.
What a person should look over (shortened points, distractors, tolerances, poll options, generated
prompts) is listed in `Draft.review`, by the path of the field.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from questions.authoring.article import Article, Block, detect_language, is_chinese
from questions.authoring.figures import MAX_FIGURES_IN_A_SENTENCE, ZH_FOR, Figure, find_figures, year_of
from questions.authoring.text import is_question, sentences, shorten

CONCLUSION_TITLES = re.compile(
    r"^(?:\d+[.、)]\s*)?(?:conclusions?|summary|in summary|closing thoughts|final thoughts|wrap-?up|"
    r"結語|结语|結論|结论|總結|总结|小結|小结|寫在最後|写在最后|尾聲|尾声)\b", re.I)
NUMBERED = re.compile(r"^\s*(?:(\d{1,2})\s?[.、)）]|([一二三四五六七八九十]{1,3})、)\s*(\S.*)$", re.S)
DIGEST_LIMIT = {"en": 200, "zh": 80}
LABEL_LIMIT = {"en": 60, "zh": 24}
MAX_KEY_FIGURES = 5
MAX_POLLS = 3

WORDS: dict[str, dict[str, str]] = {
    "en": {
        "introduction": "Introduction", "conclusion": "Conclusion",
        "prompt": "What in “{title}” would you question or act on?",
        "ask_choice": "From “{title}”: what goes in the blank? “{blank}”",
        "ask_numeric": "From “{title}”: what number goes in the blank? “{blank}”",
        "explain": "The article says: “{sentence}”",
        "comment": "Why? Say what you think.",
        "yes": "Yes", "no": "No", "partly": "Partly, it depends", "unsure": "Too early to say",
        "optimistic": "Optimistic", "sceptical": "Sceptical", "mixed": "Mixed feelings", "open": "Not sure yet",
    },
    "zh-Hans": {
        "introduction": "导语", "conclusion": "结语",
        "prompt": "关于“{title}”，你最想追问或付诸行动的是什么？",
        "ask_choice": "“{title}”一节：空白处应填什么？“{blank}”",
        "ask_numeric": "“{title}”一节：空白处应填哪个数字？“{blank}”",
        "explain": "原文：“{sentence}”",
        "comment": "为什么？说说你的看法。",
        "yes": "会／是", "no": "不会／不是", "partly": "部分如此，要看情况", "unsure": "现在还难说",
        "optimistic": "乐观", "sceptical": "怀疑", "mixed": "喜忧参半", "open": "还没想好",
    },
    "zh-Hant": {
        "introduction": "導語", "conclusion": "結語",
        "prompt": "關於「{title}」，你最想追問或付諸行動的是什麼？",
        "ask_choice": "「{title}」一節：空白處應填什麼？「{blank}」",
        "ask_numeric": "「{title}」一節：空白處應填哪個數字？「{blank}」",
        "explain": "原文：「{sentence}」",
        "comment": "為什麼？說說你的看法。",
        "yes": "會／是", "no": "不會／不是", "partly": "部分如此，要看情況", "unsure": "現在還難說",
        "optimistic": "樂觀", "sceptical": "懷疑", "mixed": "喜憂參半", "open": "還沒想好",
    },
}
BLANK = "____"


@dataclass
class Review:
    path: str  # dotted field path in the pack, e.g. `sections.2.digest.0`
    what: str


@dataclass
class Draft:
    pack: dict[str, Any]
    review: list[Review] = field(default_factory=list)
    language: str = "en"


@dataclass
class _Section:
    title: str
    kind: str
    paragraphs: list[Block] = field(default_factory=list)
    subsections: list[tuple[str, list[Block]]] = field(default_factory=list)

    def text(self) -> str:
        return "\n\n".join(b.text for b in self.paragraphs)

    def all_text(self) -> str:
        return "\n\n".join([self.text()] + ["\n\n".join(b.text for b in body) for _, body in self.subsections])

    def prose(self) -> list[str]:
        """Sentences of the section (subsections included), code left out."""
        blocks = self.paragraphs + [b for _, body in self.subsections for b in body]
        return [s for b in blocks if b.kind == "paragraph" for s in sentences(b.text)]


def draft_pack(article: Article, *, language: str | None = None, pack_id: str | None = None,
               fallback_name: str = "article") -> Draft:
    body = "\n".join(b.text for b in article.blocks if b.kind != "code")
    lang = language or _normalise_language(article.language) or detect_language(body)
    words = WORDS.get(lang, WORDS["zh-Hans"] if is_chinese(lang) else WORDS["en"])
    limit_key = "zh" if is_chinese(lang) else "en"
    title, blocks = _take_title(article)
    sections = _structure(blocks, words)
    if not sections:
        raise ValueError("the article has no text to make sections from")
    draft = Draft(pack={}, language=lang)
    ident = pack_id or _slug(title or "") or _slug(fallback_name) or "article"
    meta: dict[str, Any] = {
        "id": ident,
        "title": {lang: title or fallback_name},
        "source": _source(article, lang, fallback_name),
        "languages": [lang],
        "default_language": lang,
    }
    out_sections: list[dict[str, Any]] = []
    numbered = 0
    section_ids: list[str] = []
    for index, sec in enumerate(sections):
        if sec.kind == "section":
            numbered += 1
            sid = f"s{numbered}"
        else:
            sid = "intro" if sec.kind == "introduction" else "conclusion"
        section_ids.append(sid)
        item: dict[str, Any] = {"id": sid, "kind": sec.kind}
        if sec.kind == "section":
            item["number"] = numbered
        item["title"] = {lang: sec.title}
        text = sec.text()
        subsections = sec.subsections
        if not text.strip():  # a section that opens straight on a sub-heading: its subsections are its text
            text = "\n\n".join(part for t, body in subsections for part in [t] + [b.text for b in body])
            subsections = []
        item["text"] = {lang: text}
        if subsections:
            item["subsections"] = [{"title": {lang: t}, "text": {lang: "\n\n".join(b.text for b in body)}}
                                   for t, body in subsections if body]
        path = f"sections.{index}"
        item["digest"] = _digest(sec, lang, DIGEST_LIMIT[limit_key], draft, path)
        out_sections.append(item)
    figures_by_section = [_section_figures(sec) for sec in sections]
    for index, (item, figures) in enumerate(zip(out_sections, figures_by_section, strict=True)):
        shown = _distinct(figures)[:MAX_KEY_FIGURES]
        if shown:
            item["key_figures"] = [{"label": {lang: _label(f, LABEL_LIMIT[limit_key])}, "value": {lang: f.text}}
                                   for f in shown]
            draft.review.append(Review(f"sections.{index}.key_figures", "key figure labels are cut from the sentence"))
    polls, poll_sentences = _polls(sections, section_ids, lang, words, draft)
    for index, (item, sec) in enumerate(zip(out_sections, sections, strict=True)):
        item["prompt"] = {lang: _prompt(sec, words, poll_sentences, draft, f"sections.{index}.prompt")}
    quiz = _quiz(sections, section_ids, figures_by_section, lang, words, draft)
    draft.pack = {"pack": meta, "sections": out_sections, "quiz": quiz, "polls": polls}
    return draft


def _normalise_language(tag: str | None) -> str | None:
    if not tag:
        return None
    low = tag.lower().replace("_", "-")
    if low in ("zh-hans", "zh-cn", "zh-sg"):
        return "zh-Hans"
    if low in ("zh-hant", "zh-tw", "zh-hk", "zh-mo"):
        return "zh-Hant"
    if low.startswith("en"):
        return "en"
    return None if low == "zh" else tag


def _take_title(article: Article) -> tuple[str | None, list[Block]]:
    """The front matter's or page's title; else a lone top heading that opens the article."""
    blocks = list(article.blocks)
    headings = [b for b in blocks if b.kind == "heading"]
    if headings and blocks[0].kind == "heading":
        top = min(b.level for b in headings)
        if sum(1 for b in headings if b.level == top) == 1:
            first = blocks.pop(0)
            return article.title or first.text, blocks
    if not article.title and headings:
        return headings[0].text, blocks
    return article.title, blocks


def _structure(blocks: list[Block], words: dict[str, str]) -> list[_Section]:
    """Sections at the article's top heading level (numbered paragraphs when it has no headings), deeper
    headings as subsections; the text before the first section is the introduction."""
    heads = [b for b in blocks if b.kind == "heading"]
    if all(NUMBERED.match(b.text) or CONCLUSION_TITLES.match(b.text) for b in heads):
        blocks = _numbered_paragraphs_as_headings(blocks, min((b.level for b in heads), default=2))
    headings = [b for b in blocks if b.kind == "heading"]
    top = min((b.level for b in headings), default=1)
    sections: list[_Section] = []
    intro = _Section(words["introduction"], "introduction")
    current = intro
    sub: tuple[str, list[Block]] | None = None
    for block in blocks:
        if block.kind == "heading" and block.level <= top:
            current = _Section(block.text, "section")
            sections.append(current)
            sub = None
        elif block.kind == "heading":
            sub = (block.text, [])
            current.subsections.append(sub)
        elif sub is not None:
            sub[1].append(block)
        else:
            current.paragraphs.append(block)
    if intro.paragraphs and any(b.kind == "paragraph" for b in intro.paragraphs):
        sections.insert(0, intro)
    sections = [s for s in sections if s.all_text().strip()]
    if len(sections) > 1 and sections[-1].kind == "section" and CONCLUSION_TITLES.match(sections[-1].title):
        sections[-1].kind = "conclusion"
    return sections


def _numbered_paragraphs_as_headings(blocks: list[Block], level: int) -> list[Block]:
    """`1、…`, `1. …`, `一、…` paragraphs open sections: a short one is a heading; a long one is a heading
    (its first sentence, or the words before a colon) followed by the paragraph itself."""
    numbered = [b for b in blocks if b.kind in ("paragraph", "heading") and NUMBERED.match(b.text)]
    if len(numbered) < 2:
        return blocks
    result: list[Block] = []
    for block in blocks:
        match = NUMBERED.match(block.text) if block.kind == "paragraph" else None  # headings stay as they are
        if not match:
            result.append(block)
            continue
        rest = match.group(3).strip()
        first = sentences(rest)[0] if sentences(rest) else rest
        head = re.split(r"[:：]", first, maxsplit=1)[0]
        if len(rest) <= 60 and "\n" not in rest:
            result.append(Block("heading", block.text.strip(), level=level, line=block.line))
        else:
            result.append(Block("heading", shorten(block.text.strip()[: len(block.text) - len(rest)] + head, 80),
                                level=level, line=block.line))
            result.append(block)
    return result


def _digest(sec: _Section, lang: str, limit: int, draft: Draft, path: str) -> list[dict[str, str]]:
    """3–5 of the section's own sentences: the first, those with figures, then the rest, in reading order."""
    prose = [s for s in sec.prose() if len(s) > 3]
    if len(prose) < 3:
        from questions.authoring.text import clauses

        prose = [c for s in prose for c in clauses(s)] if prose else []
    chosen: list[int] = []
    order = [0] + [i for i, s in enumerate(prose) if find_figures(s)] + list(range(len(prose)))
    for i in order:
        if i < len(prose) and i not in chosen and not is_question(prose[i]):
            chosen.append(i)
        if len(chosen) == 4:
            break
    points = [shorten(prose[i], limit) for i in sorted(chosen)]
    while len(points) < 3:  # a very short section: its title stands in, and the draft says so
        points.append(sec.title if sec.title not in points else f"{sec.title} ({len(points) + 1})")
        draft.review.append(Review(f"{path}.digest", "the section is too short for three points: write them"))
    for n, point in enumerate(points):
        what = "digest point" + (" (shortened)" if point.endswith("…") else "")
        draft.review.append(Review(f"{path}.digest.{n}", what))
    return [{lang: p} for p in points]


def _section_figures(sec: _Section) -> list[Figure]:
    found = []
    for sentence in sec.prose():
        figures = find_figures(sentence)
        if len(figures) <= MAX_FIGURES_IN_A_SENTENCE:
            found += figures
    return found


def _distinct(figures: list[Figure]) -> list[Figure]:
    seen: set[tuple[str, str]] = set()
    result = []
    for f in figures:
        if f.key() not in seen:
            seen.add(f.key())
            result.append(f)
    return result


def _label(figure: Figure, limit: int) -> str:
    """The words around the figure in its sentence, the figure itself left out."""
    sentence = figure.sentence
    from questions.authoring.text import clauses

    clause = next((c for c in clauses(sentence) if figure.text in c), sentence)
    label = clause.replace(figure.text, "…", 1).strip(" ,;:，；：。.、")
    label = re.sub(r"\s+", " ", label)
    if len(label) > limit:
        at = label.find("…")
        start = max(0, at - limit // 2)
        label = label[start:start + limit].strip()
        label = ("…" if start else "") + label + ("…" if start + limit < len(clause) else "")
    return label or figure.kind


def _prompt(sec: _Section, words: dict[str, str], taken: set[str], draft: Draft, path: str) -> str:
    own = [s for s in sec.prose() if is_question(s) and s not in taken and len(s) <= 280]
    if own:
        return own[-1]
    draft.review.append(Review(path, "discussion prompt is a template: make it about this section"))
    return words["prompt"].format(title=shorten(sec.title, 80))


# -- quiz -------------------------------------------------------------------------------------------------
def _quiz(sections: list[_Section], section_ids: list[str], figures_by_section: list[list[Figure]], lang: str,
          words: dict[str, str], draft: Draft) -> list[dict[str, Any]]:
    all_figures = [f for figs in figures_by_section for f in figs]
    asked: list[tuple[int, Figure]] = []
    seen: set[tuple[str, str]] = set()
    for index, figs in enumerate(figures_by_section):
        for figure in figs:
            if figure.key() in seen or not _worth_asking(figure):
                continue
            seen.add(figure.key())
            asked.append((index, figure))
    answers = {f.text for _, f in asked}
    questions: list[dict[str, Any]] = []
    used_ids: set[str] = set()
    for index, figure in asked:
        sec = sections[index]
        qid = _question_id(section_ids[index], figure, used_ids)
        blank = _blanked(figure, answers, numeric=_numeric(figure))
        question: dict[str, Any] = {"id": qid, "section": section_ids[index]}
        path = f"quiz.{len(questions)}"
        title = shorten(sec.title, 60)
        if _numeric(figure):
            assert figure.value is not None
            question |= {"kind": "numeric", "difficulty": "medium",
                         "question": {lang: words["ask_numeric"].format(title=title, blank=blank)},
                         "answer_value": _clean_number(figure.value),
                         "tolerance": _tolerance(figure, all_figures)}
            if figure.unit:
                question["unit"] = {lang: figure.unit}
            draft.review.append(Review(f"{path}.tolerance", f"tolerance for {figure.text}"))
        else:
            options = _options(figure, all_figures, answers - {figure.text}, lang)
            if options is None:
                continue
            question |= {"kind": "choice", "difficulty": "easy" if figure.kind in ("year", "date") else "medium",
                         "question": {lang: words["ask_choice"].format(title=title, blank=blank)},
                         "options": [{lang: o} for o in options], "answer": options.index(figure.text)}
            draft.review.append(Review(f"{path}.options", f"distractors for {figure.text}"))
        question["explanation"] = {lang: words["explain"].format(sentence=shorten(figure.sentence, 400))}
        questions.append(question)
    return questions


def _worth_asking(figure: Figure) -> bool:
    if figure.kind == "count" and figure.value is None:
        return False
    return figure.value is not None or figure.kind == "date"


def _numeric(figure: Figure) -> bool:
    """Estimates for magnitudes (percentages, money, quantities beyond a handful); choices for the rest."""
    if figure.is_range or figure.value is None or figure.kind in ("date", "year", "count", "duration"):
        return False
    if not re.fullmatch(r"[\d.,]+", figure.number):
        return False
    return figure.kind in ("percent", "money") or figure.value > 10 or figure.value != int(figure.value)


def _clean_number(value: float) -> float | int:
    return int(value) if value == int(value) else value


def _tolerance(figure: Figure, all_figures: list[Figure]) -> float | int:
    """About a tenth of the figure, rounded, and always under half the way to any other number of the same
    kind in the article, so a neighbouring figure is never accepted."""
    assert figure.value is not None
    value = figure.value
    decimals = len(figure.number.split(".")[1]) if "." in figure.number else 0
    base = abs(value) * 0.1
    others = [f.value for f in all_figures if f.kind == figure.kind and f.value is not None and f.value != value]
    if others:
        gap = min(abs(o - value) for o in others)
        base = min(base, gap * 0.45)
    step = 10 ** -decimals
    tolerance = round(int(base / step) * step, decimals)
    return _clean_number(tolerance)


def _blanked(figure: Figure, answers: set[str], *, numeric: bool) -> str:
    """The sentence with this figure's number (or, for a choice, the whole figure) blanked, and every other
    answer in it hidden, so no question gives another away."""
    sentence = figure.sentence
    target = figure.number if numeric else figure.text
    start = figure.start + (figure.text.find(figure.number) if numeric else 0)
    blanked = sentence[:start] + BLANK + sentence[start + len(target):]
    for other in sorted(answers - {figure.text}, key=len, reverse=True):
        blanked = blanked.replace(other, "…")
    return shorten(blanked, 300) if BLANK in shorten(blanked, 300) else blanked[: blanked.find(BLANK) + 200]


def _options(figure: Figure, all_figures: list[Figure], forbidden: set[str], lang: str) -> list[str] | None:
    """The answer and three distractors of its kind and unit, in ascending order; none equal to another
    figure of the article or another question's answer."""
    taken = {f.text for f in all_figures} | forbidden
    candidates = [c for c in _variants(figure, lang) if c not in taken and c != figure.text]
    unique: list[str] = []
    for c in candidates:
        if c not in unique:
            unique.append(c)
    if len(unique) < 3:
        return None
    options = unique[:3] + [figure.text]
    return sorted(options, key=lambda o: (_sort_value(o), o))


def _sort_value(option: str) -> float:
    found = find_figures(option)
    if found and found[0].value is not None:
        return found[0].value
    year = re.search(r"\d{4}", option)
    month = re.search(r"\d{4}-(\d{2})-(\d{2})", option)
    if month and year:
        return int(year.group(0)) + int(month.group(1)) / 13 + int(month.group(2)) / 400
    return float(year.group(0)) if year else 0.0


def _variants(figure: Figure, lang: str) -> list[str]:
    if figure.kind == "date":
        return _date_variants(figure)
    if figure.kind == "year":
        year = year_of(figure)
        if year is None:
            return []
        out = []
        for shift in (-3, 2, -1, 4, 5, -6):
            out.append(_shifted_years(figure.text, shift, r"(?<!\d)(1[6-9]\d\d|20\d\d)(?!\d)"))
        return out
    number = figure.number
    if re.fullmatch(r"\d+(?:\.\d+)?", number):
        return [figure.text.replace(number, _scaled(number, factor), 1) for factor in (0.5, 2, 3, 0.25, 5)]
    parts = re.split(r"(\s?[–—~～-]\s?| or | to )", number)
    if len(parts) == 3 and all(re.fullmatch(r"\d+(?:\.\d+)?", p) for p in (parts[0], parts[2])):
        low, high = float(parts[0]), float(parts[2])
        width = high - low
        shifts = [(low * 0.5, high * 0.5), (low + width * 2 + 1, high + width * 2 + 1), (low * 2 + 2, high * 2 + 2),
                  (low * 4, high * 4)]
        out = []
        for a, b in shifts:
            a, b = max(0.0, round(a)), max(1.0, round(b))
            if a < b:
                out.append(figure.text.replace(number, f"{int(a)}{parts[1]}{int(b)}", 1))
        return out
    if figure.value is not None and re.fullmatch(r"[一二两兩三四五六七八九十]+", number):
        value = int(figure.value)
        out = []
        for other in (value + 2, value - 1, value + 1, value + 4, value - 2):
            if 1 <= other <= 10 and other != value:
                numeral = ZH_FOR[other] if not (lang == "zh-Hant" and other == 2) else "兩"
                out.append(figure.text.replace(number, numeral, 1))
        return out
    from questions.authoring.figures import EN_WORDS

    if number in EN_WORDS:
        ladder = ["two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "twelve", "twenty"]
        big = ["dozens", "hundreds", "thousands", "millions", "billions"]
        scale = big if number in big else ladder
        at = scale.index(number) if number in scale else 0
        picks = [scale[i] for i in (at - 1, at + 1, at + 2, at - 2, at + 3) if 0 <= i < len(scale) and i != at]
        return [figure.text.replace(number, p, 1) for p in picks]
    return []


def _scaled(number: str, factor: float) -> str:
    decimals = len(number.split(".")[1]) if "." in number else 0
    value = float(number) * factor
    if decimals == 0:
        return str(max(1, round(value)))
    return f"{value:.{decimals}f}"


def _date_variants(figure: Figure) -> list[str]:
    text = figure.text
    iso = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", text)
    if iso:
        y, m, d = (int(g) for g in iso.groups())
        base = dt.date(y, m, min(d, 28))
        return [(base + dt.timedelta(days=delta)).isoformat() for delta in (-400, 95, 730, -35, 1500)]
    out = []
    for shift in (-2, 1, 3, -1):
        out.append(_shifted_years(text, shift, r"(1[6-9]\d\d|20\d\d)", count=1))
    return out


def _question_id(section_id: str, figure: Figure, used: set[str]) -> str:
    base = f"q-{section_id}-{_slug(figure.unit or figure.kind)[:20] or figure.kind}".rstrip("-")
    ident, n = base, 2
    while ident in used:
        ident, n = f"{base}-{n}", n + 1
    used.add(ident)
    return ident


# -- polls ------------------------------------------------------------------------------------------------
_YES_NO_EN = re.compile(
    r"^(?:is|are|was|were|do|does|did|will|would|can|could|should|shall|has|have|had|may|might|must)\b", re.I)
_YES_NO_ZH = re.compile(r"(?:吗|嗎|是否|会不会|會不會|能不能|是不是|有没有|有沒有|可不可以)")


def _polls(sections: list[_Section], section_ids: list[str], lang: str, words: dict[str, str],
           draft: Draft) -> tuple[list[dict[str, Any]], set[str]]:
    """The article's closing questions: those in its conclusion, else in its last section."""
    candidates: list[tuple[int, str]] = []
    closing = [i for i, s in enumerate(sections) if s.kind == "conclusion"] or [len(sections) - 1]
    for index in closing:
        candidates += [(index, s) for s in sections[index].prose() if is_question(s) and len(s) <= 300]
    polls: list[dict[str, Any]] = []
    taken: set[str] = set()
    for index, question in candidates[-MAX_POLLS:]:
        yes_no = bool(_YES_NO_EN.match(question) or _YES_NO_ZH.search(question))
        keys = ["yes", "no", "partly", "unsure"] if yes_no else ["optimistic", "sceptical", "mixed", "open"]
        number = len(polls) + 1
        polls.append({"id": f"p{number}", "section": section_ids[index], "question": {lang: question},
                      "options": [{"id": key, "label": {lang: words[key]}} for key in keys],
                      "comment_prompt": {lang: words["comment"]}})
        draft.review.append(Review(f"polls.{number - 1}.options",
                                   "stance options are generic: fit them to the question"))
        taken.add(question)
    return polls, taken


# -- metadata ---------------------------------------------------------------------------------------------
def _source(article: Article, lang: str, fallback: str) -> dict[str, Any]:
    outlet = article.outlet or article.author or (_host(article.url) if article.url else None) or fallback
    source: dict[str, Any] = {"outlet": {lang: outlet}}
    if article.author:
        source["author"] = article.author
    published = _date(article.date)
    if published:
        source["published"] = published
    if article.url:
        source["url"] = article.url
    if article.licence:
        source["licence"] = article.licence
    return source


def _host(url: str) -> str | None:
    import urllib.parse

    return urllib.parse.urlsplit(url).hostname


def _date(text: str | None) -> dt.date | None:
    if not text:
        return None
    match = re.search(r"(\d{4})-(\d{2})-(\d{2})", str(text))
    if not match:
        return None
    try:
        return dt.date(*(int(g) for g in match.groups()))
    except ValueError:
        return None


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    slug = slug[:48].rstrip("-")
    return slug if re.fullmatch(r"[a-z0-9][a-z0-9_-]{0,63}", slug or "-") else ""


def _shifted_years(text: str, shift: int, pattern: str, count: int = 0) -> str:
    """`text` with the years `pattern` finds moved by `shift` (a distractor of the same kind as the answer)."""
    def moved(match: re.Match[str]) -> str:
        return str(int(match.group(1)) + shift)
    return re.sub(pattern, moved, text, count=count)
