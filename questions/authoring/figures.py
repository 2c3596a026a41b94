"""Key figures: the numbers a text states, each with its kind, its number and unit as written, and its sentence.

Found by pattern, not guessed: percentages, money, dates and years, durations (ranges included), counts
written in words or Chinese numerals (三年, 两件事, thousands of projects), and quantities with a unit
(100 萬, 4.0 billion smartphones, 1MB/s). Version numbers, identifiers (PEP 657, Python 3.11, i7-2600) and
numbers glued to code are not figures.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

NUM = r"(?:\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
ZHNUM = r"(?:[零〇一二两兩三四五六七八九十百千]+)"
SCALE_EN = r"(?:thousand|million|billion|trillion)"
SCALE_ZH = r"(?:万亿|萬億|千亿|千億|百万|百萬|千万|千萬|万|萬|亿|億)"
CURRENCY_ZH = r"(?:美元|美金|人民币|人民幣|欧元|歐元|英镑|英鎊|日元|港元|元)"
MONTHS = r"(?:January|February|March|April|May|June|July|August|September|October|November|December)"
DASH = r"\s?[–—~～-]\s?"
EN_UNITS = (r"(?:seconds?|minutes?|hours?|days?|weeks?|months?|years?|decades?|centuries|century)")
ZH_TIME = r"(?:秒钟|秒鐘|秒|分钟|分鐘|小时|小時|个月|個月|天|周|週|星期|年(?![代0-9])|世纪|世紀)"
ZH_MEASURE = (r"(?:个|個|种|種|次|件|层|層|倍|名|位|家|项|項|条|條|步|岁|歲|款|类|類|点|點|轮|輪|代|核|篇|字|"
              r"行|张|張|台|部|人|亿人|万人|大)")
EN_WORDS = {"two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
            "eleven": 11, "twelve": 12, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "hundred": 100,
            "a dozen": 12, "dozens": 24, "hundreds": 100, "thousands": 1000, "millions": 10**6, "billions": 10**9}
EN_WORDS_SCALED = {"one thousand": 1e3, "one million": 1e6, "one billion": 1e9, "one trillion": 1e12,
                   "a thousand": 1e3, "a million": 1e6, "a billion": 1e9, "a trillion": 1e12}
EN_WORD = r"(?:" + "|".join(sorted(EN_WORDS, key=len, reverse=True)) + r")"
EN_NOUN_UNITS = (r"(?:KB/s|MB/s|GB/s|KiB|MiB|GiB|TiB|KB|MB|GB|TB|GHz|MHz|ms|kg|km|cm|mm|times|x|×|"
                 r"hits/day|requests/day)")
RANGE = rf"{NUM}(?:{DASH}{NUM})?"

# (kind, pattern); the longest match wins where they overlap, then the earliest kind in this list.
PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("date", re.compile(r"\b\d{4}-\d{2}-\d{2}\b")),
    ("date", re.compile(rf"\b\d{{1,2}} {MONTHS},? \d{{4}}\b|\b{MONTHS} \d{{1,2}}, \d{{4}}\b|\b{MONTHS} \d{{4}}\b")),
    ("date", re.compile(r"\d{4}\s?年\s?\d{1,2}\s?月(?:\s?\d{1,2}\s?日)?|\d{1,2}\s?月\s?\d{1,2}\s?[日号號]")),
    ("percent", re.compile(rf"{NUM}(?:{DASH}{NUM})?\s?(?:%|％|percent\b|per cent\b)|百分之(?:{NUM}|{ZHNUM})")),
    ("money", re.compile(rf"[$€£¥]\s?{NUM}(?:\s?{SCALE_EN}\b)?")),
    ("money", re.compile(rf"(?:{NUM}|{ZHNUM})\s?{SCALE_ZH}?\s?{CURRENCY_ZH}")),
    ("money", re.compile(rf"\b{NUM}\s?(?:{SCALE_EN}\s)?(?:dollars|euros|pounds|yuan|USD|EUR)\b")),
    ("duration",
     re.compile(rf"\b(?:{NUM}|{EN_WORD})(?:(?:{DASH}| or | to ){NUM}|(?: or | to ){EN_WORD})?\s?{EN_UNITS}\b")),
    ("duration", re.compile(rf"(?:{NUM}|{ZHNUM})(?:{DASH}(?:{NUM}|{ZHNUM}))?\s?{ZH_TIME}")),
    ("year", re.compile(r"\b(?:1[6-9]\d\d|20\d\d)(?:\s?[–-]\s?(?:1[6-9]\d\d|20\d\d))?s?\b(?![.,]\d)")),
    ("quantity", re.compile(rf"\b{RANGE}\s?(?:{SCALE_EN}\s?)?(?:{EN_NOUN_UNITS})(?![A-Za-z])")),
    ("quantity", re.compile(rf"\b{NUM}\s?(?:K|M|B)\s(?:[a-z][a-z/-]+)")),
    ("quantity", re.compile(rf"\b{RANGE}(?:\s?{SCALE_EN})?\s[a-z][a-z-]*[a-rt-z]s\b")),
    ("quantity", re.compile(rf"\b{NUM}\s?{SCALE_EN}\b|\b(?:one|a) (?:thousand|million|billion|trillion)\b")),
    ("quantity", re.compile(rf"{NUM}\s?{SCALE_ZH}(?:\s?{ZH_MEASURE})?|{RANGE}\s?{ZH_MEASURE}")),
    ("count", re.compile(rf"\b{EN_WORD}\s+(?:of\s+)?[a-z][a-z-]+")),
    ("count", re.compile(rf"{ZHNUM}\s?(?:件事|个问题|個問題|方面|阶段|階段|{ZH_MEASURE})")),
]

_ZH_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "兩": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7,
              "八": 8, "九": 9}
ZH_FOR = {1: "一", 2: "两", 3: "三", 4: "四", 5: "五", 6: "六", 7: "七", 8: "八", 9: "九", 10: "十"}


MAX_FIGURES_IN_A_SENTENCE = 4  # more is a list (a copyright line's years), not facts to quiz one by one


@dataclass(frozen=True)
class Figure:
    text: str  # verbatim, as the sentence has it
    kind: str  # date, year, percent, money, duration, quantity, count
    number: str  # the numeric part as written ("1.4", "6–8", "三", "thousands")
    value: float | None  # the number's value (a range: its upper end); None where words carry no one value
    sentence: str
    start: int  # offset in the sentence

    @property
    def unit(self) -> str:
        """The figure without its number: "%", "萬億美元", "weeks"."""
        return self.text.replace(self.number, "", 1).strip()

    @property
    def is_range(self) -> bool:
        return bool(re.search(DASH, self.number)) or " or " in self.number or " to " in self.number

    def key(self) -> tuple[str, str]:
        """Two mentions of one figure share a key: the same text, spacing aside."""
        return self.kind, re.sub(r"\s+", "", self.text.lower())


def find_figures(sentence: str) -> list[Figure]:
    spans: list[tuple[int, int, int, str]] = []  # start, end, priority, kind
    for priority, (kind, pattern) in enumerate(PATTERNS):
        for match in pattern.finditer(sentence):
            text = match.group(0).rstrip()
            if text and not _excluded(sentence, match.start(), match.start() + len(text), kind):
                spans.append((match.start(), match.start() + len(text), priority, kind))
    spans.sort(key=lambda s: (-(s[1] - s[0]), s[2]))
    taken: list[tuple[int, int, int, str]] = []
    for span in spans:
        if all(span[1] <= t[0] or span[0] >= t[1] for t in taken):
            taken.append(span)
    figures = []
    for start, end, _, kind in sorted(taken):
        text = sentence[start:end]
        number = _number_part(text, kind)
        if number is None:
            continue
        figures.append(Figure(text=text, kind=kind, number=number, value=parse_number(number), sentence=sentence,
                              start=start))
    return figures


def _excluded(sentence: str, start: int, end: int, kind: str) -> bool:
    before = sentence[max(0, start - 12):start]
    after = sentence[end:end + 3]
    if re.search(r"[A-Za-z_.(/\\-]$", before) and kind not in ("count", "money") and not before.endswith(" "):
        return True  # glued to a word or code: i7-2600, v1.8, parallel(4), dict.txt
    if re.search(r"(?:\b(?:PEP|Python|version|v|Version|RFC|ISO|Windows|Java|C\+\+|Node\.js|Unicode)|版本?)\s?$",
                 before):
        return True
    if re.match(r"^(?:\.\d|[A-Za-z_(]|版)", after) and kind not in ("count",):
        return True  # 1.6.1, 3x86, 0.28版本
    text = sentence[start:end]
    if kind == "count" and re.fullmatch(r"[一]\s?\S+", text):
        return True  # 一个, 一种: an article, not a count
    if kind == "count" and re.match(r"[一二三四五六七八九十]+\S", text) and re.search(r"[第]$", before):
        return True  # 第一种: an ordinal
    return False


def _number_part(text: str, kind: str) -> str | None:
    patterns = [rf"{NUM}(?:(?:{DASH}| or | to ){NUM})?", rf"百分之{ZHNUM}", rf"{ZHNUM}(?:{DASH}{ZHNUM})?",
                rf"{EN_WORD}(?: (?:or|to) {EN_WORD})?", r"(?:one|a) (?:thousand|million|billion|trillion)"]
    if kind == "date":
        return text
    for pattern in patterns:
        match = re.search(pattern, text)
        if match:
            return match.group(0)
    return None


def parse_number(number: str) -> float | None:
    """`1,234.5` → 1234.5, `6–8` → 8 (the upper end), `三` → 3, `两三` → 3, `thousands` → 1000."""
    last = re.split(rf"{DASH}| or | to ", number)[-1].strip()
    if re.fullmatch(NUM, last):
        return float(last.replace(",", ""))
    if last.startswith("百分之"):
        last = last[3:]
    if last in EN_WORDS:
        return float(EN_WORDS[last])
    if last in EN_WORDS_SCALED:
        return EN_WORDS_SCALED[last]
    if re.fullmatch(ZHNUM, last):
        return _zh_value(last)
    return None


def _zh_value(numeral: str) -> float | None:
    if len(numeral) == 2 and all(ch in _ZH_DIGITS for ch in numeral) and numeral[0] != numeral[1]:
        return float(_ZH_DIGITS[numeral[1]])  # 两三 ("two or three"): the upper
    total, current = 0, 0
    units = {"十": 10, "百": 100, "千": 1000}
    for ch in numeral:
        if ch in _ZH_DIGITS:
            current = _ZH_DIGITS[ch]
        elif ch in units:
            total += (current or 1) * units[ch]
            current = 0
        else:
            return None
    return float(total + current)


def year_of(figure: Figure) -> int | None:
    match = re.search(r"(?<!\d)(1[6-9]\d\d|20\d\d)(?!\d)", figure.text)
    return int(match.group(1)) if match else None
