"""Quiz logic without Slack: grammar, question choice and the scorer (property-based)."""

import re

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from bot.domain.digest import CommandError
from bot.domain.quiz import (
    MAX_QUESTIONS,
    TIMER_RANGE,
    QuizCommand,
    choose_questions,
    parse_number,
    parse_quiz,
    score_choice,
    score_numeric,
    sections_to_reread,
)
from questions import load_pack
from tests.conftest import SAMPLE_PACKS

PACK = load_pack(SAMPLE_PACKS / "sample.yaml")
CHOICE = PACK.question("q-code-red-weeks")  # answer index 1
NUMERIC = PACK.question("q-weekly-users")  # 800 ± 100


@pytest.mark.parametrize("text, expected", [
    ("", QuizCommand("start")),
    ("3", QuizCommand("start", count=3)),
    ("10 timer 20", QuizCommand("start", count=10, timer=20)),
    ("section 2", QuizCommand("start", count=1, section="2")),
    ("scores", QuizCommand("scores")),
    ("stop", QuizCommand("stop")),
    ("help", QuizCommand("help")),
])
def test_valid_forms(text, expected):
    assert parse_quiz(text) == expected


@pytest.mark.parametrize("text", ["0", "11", "timer", "timer 5", "5 timer 9999", "section", "scores please",
                                  "stop now", "lots", "²"])
def test_bad_forms_explain(text):
    result = parse_quiz(text)
    assert isinstance(result, CommandError) and result.usage


# what people type: the grammar's own words and numbers in and out of range, mentions, and anything else
QUIZ_WORDS = st.sampled_from(["timer", "section", "scores", "leaderboard", "stop", "help", "?", "0", "1", "5",
                              "10", "11", "-3", "²", "timer 9", "timer 300", "timer 301", "<!channel>", "@here",
                              "<@U123>", "&"])
TYPED = st.one_of(st.lists(QUIZ_WORDS | st.text(max_size=8), max_size=6).map(" ".join),
                  st.builds("{} timer {}".format, st.integers(-2, 13), st.integers(-5, 400)),
                  st.text(max_size=80))


def says_no_mention(message: str) -> bool:
    """What was typed comes back escaped: no `<!channel>`, `<@U…>` or bare `@here` Slack would act on."""
    return "<" not in message and ">" not in message and not re.search(r"@(channel|here|everyone)\b", message, re.I)


@given(TYPED)
def test_any_text_is_a_quiz_within_the_limits_or_an_error_with_the_form_and_no_mention(text):
    result = parse_quiz(text)
    if isinstance(result, CommandError):
        assert result.message and says_no_mention(result.message)
        assert result.usage.startswith("/quiz")
    else:
        assert result.action in ("start", "scores", "stop", "help")
        assert 1 <= result.count <= MAX_QUESTIONS
        assert TIMER_RANGE[0] <= result.timer <= TIMER_RANGE[1]


@given(count=st.integers(1, MAX_QUESTIONS), timer=st.integers(*TIMER_RANGE), timer_first=st.booleans(),
       shout=st.booleans())
def test_every_quiz_the_help_describes_parses_back_to_itself(count, timer, timer_first, shout):
    text = f"timer {timer} {count}" if timer_first else f"{count} timer {timer}"
    assert parse_quiz(text.upper() if shout else text) == QuizCommand("start", count=count, timer=timer)


def test_questions_are_spread_across_sections_and_never_repeat():
    chosen = choose_questions(PACK, 3, seed=7)
    assert len({q.id for q in chosen}) == 3
    assert {q.section for q in chosen} == {"s1", "s2", "s3"}
    assert choose_questions(PACK, 10, seed=7) and len(choose_questions(PACK, 10, seed=7)) == len(PACK.quiz)
    assert [q.section for q in choose_questions(PACK, 5, seed=1, section_id="s2")] == ["s2"]


@pytest.mark.parametrize("text, value", [("1.4", 1.4), (" 800 ", 800.0), ("1,400", 1400.0), ("-3", -3.0),
                                         ("abc", None), ("", None), ("1.2.3", None), ("1e9", None)])
def test_parse_number(text, value):
    assert parse_number(text) == value


times = st.floats(min_value=0, max_value=120, allow_nan=False)


@given(elapsed=times, timer=st.integers(10, 120), picked=st.integers(0, 3))
def test_choice_scores_are_bounded_and_wrong_answers_score_zero(elapsed, timer, picked):
    correct, score = score_choice(CHOICE, picked, elapsed, timer)
    assert correct == (picked == CHOICE.answer)
    assert (0 == score) if not correct else (100 <= score <= 150)


@given(a=times, b=times, timer=st.integers(10, 120))
def test_faster_correct_answers_never_score_less(a, b, timer):
    fast, slow = sorted((a, b))
    assert score_choice(CHOICE, 1, fast, timer)[1] >= score_choice(CHOICE, 1, slow, timer)[1]


@given(x=st.floats(min_value=0, max_value=2000, allow_nan=False), y=st.floats(min_value=0, max_value=2000,
       allow_nan=False), elapsed=times)
def test_closer_estimates_never_score_less(x, y, elapsed):
    near, far = sorted((x, y), key=lambda v: abs(v - 800))
    assert score_numeric(NUMERIC, near, elapsed, 45)[1] >= score_numeric(NUMERIC, far, elapsed, 45)[1]


@given(value=st.floats(min_value=-1e6, max_value=1e6, allow_nan=False), elapsed=times)
def test_estimates_score_only_within_the_tolerance(value, elapsed):
    within, score = score_numeric(NUMERIC, value, elapsed, 45)
    assert within == (abs(value - 800) <= 100)
    assert (0 == score) if not within else (50 <= score <= 150)


def test_exact_and_instant_is_the_top_score_and_the_edge_is_half():
    assert score_numeric(NUMERIC, 800, 0, 45) == (True, 150)
    assert score_numeric(NUMERIC, 900, 45, 45) == (True, 50)
    assert score_choice(CHOICE, 1, 0, 45) == (True, 150)
    assert score_choice(CHOICE, 1, 45, 45) == (True, 100)


@given(elapsed=times)
def test_speed_bonus_is_monotonic_in_time_for_estimates(elapsed):
    assume(elapsed < 45)
    assert score_numeric(NUMERIC, 850, 0, 45)[1] >= score_numeric(NUMERIC, 850, elapsed, 45)[1]


def test_the_sections_to_reread_are_those_the_channel_missed():
    stats = [{"answered": 4, "correct": 3}, {"answered": 4, "correct": 1}, {"answered": 0, "correct": 0},
             {"answered": 2, "correct": 0}]
    assert sections_to_reread(["s1", "s2", "s3", "s2"], stats) == ["s2", "s3"]
    assert sections_to_reread(["s1"], [{"answered": 2, "correct": 1}]) == []  # half right is known enough
