"""Quizzes as pure logic: the `/quiz` grammar, choosing questions, checking answers and scoring.

Scoring (shown in `/quiz help`):
- speed = 1 − seconds taken ÷ the question's timer (0 when the timer ran out), so answering at once counts 1.
- A correct multiple-choice answer has base 100. A numeric estimate within the tolerance has base
  50 + 50 × closeness, where closeness = 1 − |error| ÷ tolerance (exact = 100, at the edge = 50);
  outside the tolerance, and any wrong choice, score 0.
- score = round(base × (1 + speed ÷ 2)): up to 150 points a question, half again for speed.
Each person's first answer to a question is final ("locked in"): changing it would let people wait for a
hint from the live count.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from typing import Any

from bot.domain.digest import CommandError
from bot.domain.text import escape, is_number
from questions.schema import Pack, QuizQuestion

DEFAULT_QUESTIONS = 5
MAX_QUESTIONS = 10
DEFAULT_TIMER = 45
TIMER_RANGE = (10, 300)

USAGE = {
    "start": "/quiz [N] [timer SECONDS]",
    "section": "/quiz section N [timer SECONDS]",
    "scores": "/quiz scores",
    "stop": "/quiz stop",
    "help": "/quiz help",
}


@dataclass(frozen=True)
class QuizCommand:
    action: str  # start | scores | stop | help
    count: int = DEFAULT_QUESTIONS
    section: str | None = None
    timer: int = DEFAULT_TIMER


def parse_quiz(text: str) -> QuizCommand | CommandError:
    words = (text or "").lower().split()
    if words[:1] in (["help"], ["?"]):
        return QuizCommand("help")
    if words[:1] in (["scores"], ["leaderboard"]):
        return QuizCommand("scores") if len(words) == 1 else CommandError("cmd_takes_nothing", USAGE["scores"],
                                                                          {"verb": "scores"})
    if words[:1] == ["stop"]:
        return QuizCommand("stop") if len(words) == 1 else CommandError("cmd_takes_nothing", USAGE["stop"],
                                                                        {"verb": "stop"})
    timer = DEFAULT_TIMER
    if "timer" in words:
        at = words.index("timer")
        value = words[at + 1] if at + 1 < len(words) else ""
        if not is_number(value) or not TIMER_RANGE[0] <= int(value) <= TIMER_RANGE[1]:
            return CommandError("quiz_cmd_timer", USAGE["start"],
                                {"low": TIMER_RANGE[0], "high": TIMER_RANGE[1]})
        timer = int(value)
        words = words[:at] + words[at + 2:]
    if words[:1] == ["section"]:
        if len(words) != 2:
            return CommandError("quiz_cmd_section_which", USAGE["section"])
        return QuizCommand("start", count=1, section=words[1], timer=timer)
    if not words:
        return QuizCommand("start", timer=timer)
    if len(words) == 1 and is_number(words[0]) and 1 <= int(words[0]) <= MAX_QUESTIONS:
        return QuizCommand("start", count=int(words[0]), timer=timer)
    return CommandError("quiz_cmd_unknown", "\n".join(USAGE.values()),
                        {"text": escape(" ".join(words)[:40]), "most": MAX_QUESTIONS})


def choose_questions(pack: Pack, count: int, seed: int, section_id: str | None = None,
                     already_asked: frozenset[str] | set[str] = frozenset()) -> list[QuizQuestion]:
    """`count` questions spread across sections (round robin over a shuffled order), or from one section.

    Questions this channel has not been asked yet come first, so repeated `/quiz` runs walk through the
    whole pack before anything repeats; asked ones only top up a quiz the fresh ones can't fill.
    """
    rng = random.Random(seed)
    pool = [q for q in pack.quiz if section_id is None or q.section == section_id]
    fresh = [q for q in pool if q.id not in already_asked]
    stale = [q for q in pool if q.id in already_asked]
    chosen = _spread(fresh, count, rng)
    return chosen + _spread(stale, count - len(chosen), rng)


def _spread(pool: list[QuizQuestion], count: int, rng: random.Random) -> list[QuizQuestion]:
    by_section: dict[str, list[QuizQuestion]] = {}
    for question in pool:
        by_section.setdefault(question.section, []).append(question)
    for questions in by_section.values():
        rng.shuffle(questions)
    order = list(by_section)
    rng.shuffle(order)
    chosen: list[QuizQuestion] = []
    while len(chosen) < min(count, len(pool)):
        for section in order:
            if by_section[section] and len(chosen) < count:
                chosen.append(by_section[section].pop())
    return chosen


def parse_number(text: str) -> float | None:
    """A typed estimate: `1.4`, `1,400`, ` 6 ` → float; anything else → None."""
    cleaned = text.strip().replace(",", "").replace("_", "")
    if not re.fullmatch(r"-?\d+(\.\d+)?", cleaned):
        return None
    return float(cleaned)


def speed(elapsed: float, timer: float) -> float:
    return max(0.0, min(1.0, 1.0 - elapsed / timer)) if timer > 0 else 0.0


def score_choice(question: QuizQuestion, picked: int, elapsed: float, timer: float) -> tuple[bool, int]:
    correct = picked == question.answer
    return correct, round(100 * (1 + speed(elapsed, timer) / 2)) if correct else 0


def score_numeric(question: QuizQuestion, value: float, elapsed: float, timer: float) -> tuple[bool, int]:
    """Within the tolerance scores 50–100 by closeness (exact = 100), times the speed bonus; outside, 0."""
    error = abs(value - float(question.answer_value or 0))
    tolerance = float(question.tolerance or 0)
    if error > tolerance:
        return False, 0
    closeness = 1.0 if tolerance == 0 else 1.0 - error / tolerance
    return True, round((50 + 50 * closeness) * (1 + speed(elapsed, timer) / 2))


def missed(stats: dict[str, Any]) -> bool:
    """A question the channel didn't know: nobody answered, or fewer than half of those who did got it right."""
    return stats["answered"] == 0 or 2 * stats["correct"] < stats["answered"]


def sections_to_reread(sections: list[str], stats: list[dict[str, Any]]) -> list[str]:
    """The sections (in asking order, once each) of the questions the channel missed: the results message
    points there (`/digest show N`) rather than at every section the quiz touched."""
    chosen: list[str] = []
    for section_id, question_stats in zip(sections, stats, strict=True):
        if missed(question_stats) and section_id not in chosen:
            chosen.append(section_id)
    return chosen
