"""The /digest grammar: every form the help shows parses, everything else gets a message and the right form."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.digest import CommandError, DigestCommand, parse_digest, pick_language


@pytest.mark.parametrize(
    "text, expected",
    [
        ("", DigestCommand("help")),
        ("help", DigestCommand("help")),
        ("next", DigestCommand("next")),
        ("NEXT", DigestCommand("next")),
        ("show 3", DigestCommand("show", section="3")),
        ("show intro", DigestCommand("show", section="intro")),
        ("list", DigestCommand("list")),
        ("pause", DigestCommand("pause")),
        ("resume", DigestCommand("resume")),
        ("restart", DigestCommand("restart")),
        ("lang zh", DigestCommand("lang", language="zh")),
        ("schedule daily 9:30", DigestCommand("schedule", days=("mon", "tue", "wed", "thu", "fri", "sat", "sun"),
                                              post_time="09:30")),
        ("schedule weekdays 18:05 Europe/London",
         DigestCommand("schedule", days=("mon", "tue", "wed", "thu", "fri"), post_time="18:05",
                       timezone="Europe/London")),
        ("schedule fri,mon,wed 07:00 America/New_York",
         DigestCommand("schedule", days=("mon", "wed", "fri"), post_time="07:00", timezone="America/New_York")),
    ],
)
def test_valid_forms_parse(text, expected):
    assert parse_digest(text) == expected


@pytest.mark.parametrize(
    "text, says",
    [
        ("schedule", "needs days and a time"),
        ("schedule daily", "needs days and a time"),
        ("schedule someday 09:30", "not a day list"),
        ("schedule daily 24:00", "not a time"),
        ("schedule daily 9am", "not a time"),
        ("schedule daily 09:30 Mars/Olympus", "not an IANA timezone"),
        ("schedule daily 09:30 ../../etc/passwd", "not an IANA timezone"),
        ("show", "Say which section"),
        ("show 1 2", "Say which section"),
        ("next please", "takes nothing"),
        ("frobnicate", "I don't know `frobnicate`"),
    ],
)
def test_bad_forms_say_what_was_wrong_and_show_the_right_form(text, says):
    result = parse_digest(text)
    assert isinstance(result, CommandError)
    assert says in result.message
    assert result.usage.startswith("/digest")


@given(st.text(max_size=200))
def test_any_text_gives_a_command_or_an_error_never_an_exception(text):
    result = parse_digest(text)
    assert isinstance(result, (DigestCommand, CommandError))
    if isinstance(result, CommandError):
        assert len(result.message) < 300  # the echo of user input is clipped


def test_language_shorthands_map_to_the_pack_tags():
    assert pick_language("zh", ["zh-Hant", "en"]) == "zh-Hant"
    assert pick_language("EN", ["zh-Hant", "en"]) == "en"
    assert pick_language("fr", ["zh-Hant", "en"]) is None
