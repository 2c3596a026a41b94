"""Poll logic without Slack: the /discuss grammar, tallies and closing times."""

import datetime as dt

import pytest
from hypothesis import given, strategies as st

from bot.domain.digest import CommandError
from bot.domain.polls import DiscussCommand, PollOptions, closing_time, parse_discuss, tally

UTC = dt.timezone.utc


@pytest.mark.parametrize("text, expected", [
    ("", DiscussCommand("post")),
    ("all", DiscussCommand("post")),
    ("2", DiscussCommand("post", number=2)),
    ("1 anonymous hidden", DiscussCommand("post", number=1, options=PollOptions(anonymous=True, results_hidden=True))),
    ("anon closes 18:00", DiscussCommand("post", options=PollOptions(anonymous=True, closes_at_local="18:00"))),
    ("3 closes in 2h", DiscussCommand("post", number=3, options=PollOptions(closes_in=dt.timedelta(hours=2)))),
    ("results", DiscussCommand("results")),
    ("results 2", DiscussCommand("results", number=2)),
    ("close 1", DiscussCommand("close", number=1)),
    ("export", DiscussCommand("export")),
    ("help", DiscussCommand("help")),
])
def test_valid_forms(text, expected):
    assert parse_discuss(text, 3) == expected


@pytest.mark.parametrize("text, says", [
    ("4", "not a poll number"),
    ("0", "not a poll number"),
    ("close", "Say which poll"),
    ("close 9", "not a poll number"),
    ("results 1 2", "at most one"),
    ("1 loudly", "I don't know the option"),
    ("closes", "`closes` needs a time"),
    ("closes in forever", "`closes` needs a time"),
    ("<!channel>", "&lt;!channel&gt;"),
])
def test_bad_forms(text, says):
    result = parse_discuss(text, 3)
    assert isinstance(result, CommandError) and says in result.message
    assert "<!channel>" not in result.message


@given(st.text(max_size=100))
def test_any_text_parses_or_explains(text):
    assert isinstance(parse_discuss(text, 3), (DiscussCommand, CommandError))


def test_tally_keeps_every_option_in_order_and_drops_unknown_ones():
    counts = tally(["a", "b", "c"], {"b": 2, "a": 1, "zzz": 9})
    assert list(counts.counts.items()) == [("a", 1), ("b", 2), ("c", 0)]
    assert counts.voters == 3 and counts.share("b") == pytest.approx(2 / 3)
    assert tally(["a"], {}).share("a") == 0.0


def test_closing_time_is_the_next_such_local_time():
    now = dt.datetime(2026, 6, 1, 20, 0, tzinfo=UTC)  # 21:00 in London (BST)
    at_six = closing_time(PollOptions(closes_at_local="18:00"), now, "Europe/London")
    assert at_six == dt.datetime(2026, 6, 2, 17, 0, tzinfo=UTC)  # tomorrow 18:00 BST
    assert closing_time(PollOptions(closes_in=dt.timedelta(hours=2)), now, "UTC") == now + dt.timedelta(hours=2)
    assert closing_time(PollOptions(), now, "UTC") is None
