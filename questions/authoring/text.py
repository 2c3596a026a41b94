"""Sentences and clauses of English and Chinese text, and shortening that cuts at a clause, never mid-word."""

from __future__ import annotations

import re

# An English sentence ends at . ! ? (and a closing quote or bracket) before a space and a capital, digit or
# quote; abbreviations that end with a period are not ends.
_ABBREVIATIONS = ("e.g.", "i.e.", "etc.", "vs.", "Mr.", "Mrs.", "Dr.", "Prof.", "St.", "No.", "Inc.", "Ltd.", "cf.")
_EN_END = re.compile(r"(?<=[.!?])[\"”’)\]]*\s+(?=[\"“‘(\[]?[A-Z0-9])")


def sentences(text: str) -> list[str]:
    """The sentences of a paragraph or a full text, in order; list lines are sentences of their own."""
    found: list[str] = []
    for paragraph in re.split(r"\n\s*\n", text):
        for line in _logical_lines(paragraph):
            found += _split_line(line)
    return [s for s in (s.strip() for s in found) if s]


def _logical_lines(paragraph: str) -> list[str]:
    lines = [line.strip() for line in paragraph.split("\n") if line.strip()]
    if any(re.match(r"^([-*•]|\d+[.)、])\s+", line) for line in lines):
        return [re.sub(r"^([-*•])\s+", "", line) for line in lines]
    return [" ".join(lines)] if lines else []


def _split_line(line: str) -> list[str]:
    pieces: list[str] = []
    # Chinese ends first (they need no following space), then English ends within each piece.
    start = 0
    for match in re.finditer(r"[。！？!?；][”」』）)]*", line):
        end = match.end()
        if line[match.start()] in "!?" and end < len(line) and line[end:end + 1] == " ":
            continue  # an English ! or ? before a space: left to the English rule
        pieces.append(line[start:end])
        start = end
    pieces.append(line[start:])
    result: list[str] = []
    for piece in pieces:
        result += _split_english(piece)
    return result


def _split_english(text: str) -> list[str]:
    parts: list[str] = []
    start = 0
    for match in _EN_END.finditer(text):
        candidate = text[start:match.start()].rstrip()
        if candidate.endswith(_ABBREVIATIONS) or re.search(r"\b[A-Z]\.$", candidate):
            continue
        parts.append(text[start:match.start()])
        start = match.end()
    parts.append(text[start:])
    return parts


def clauses(sentence: str) -> list[str]:
    """A sentence cut at commas, semicolons and colons (Chinese and English), punctuation kept."""
    parts = re.split(r"(?<=[,;:，；：、])\s*", sentence)
    return [p for p in (p.strip() for p in parts) if p]


def shorten(sentence: str, limit: int) -> str:
    """`sentence` if it fits, else its first clauses that fit, else its first words, with an ellipsis."""
    sentence = sentence.strip()
    if len(sentence) <= limit:
        return sentence
    kept = ""
    for clause in clauses(sentence):
        joined = f"{kept} {clause}".strip() if not _cjk(clause) else kept + clause
        if len(joined) > limit - 1:
            break
        kept = joined
    if len(kept) < limit // 3:
        cut = sentence[: limit - 1]
        if not _cjk(cut[-1:]) and " " in cut:
            cut = cut[: cut.rfind(" ")]
        kept = cut
    return kept.rstrip(" ,;:，；：、") + "…"


def _cjk(text: str) -> bool:
    return any("\u3400" <= ch <= "\u9fff" for ch in text)


def is_question(sentence: str) -> bool:
    return sentence.rstrip("”」』）) ").endswith(("?", "？"))
