"""Poll logic without Slack: the /discuss grammar, tallies and closing times."""

import datetime as dt
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.digest import CommandError
from bot.domain.polls import DiscussCommand, PollOptions, closing_time, parse_discuss, tally

UTC = dt.UTC


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
    ("1 closes in 2h closes 18:00", "one closing time"),
    ("1 closes 18:00 closes 19:00", "one closing time"),
    ("<!channel>", "&lt;!channel&gt;"),
])
def test_bad_forms(text, says):
    result = parse_discuss(text, 3)
    assert isinstance(result, CommandError) and says in result.message
    assert "<!channel>" not in result.message


# what people type: the grammar's own words, poll numbers in and out of range, times and durations that are
# and are not times, mentions, and anything else
DISCUSS_WORDS = st.sampled_from(["all", "anonymous", "anon", "hidden", "hide-results", "results", "close", "export",
                                 "help", "?", "closes", "in", "0", "1", "3", "4", "²", "18:00", "9.30", "24:00",
                                 "closes 18:00", "closes 25:61", "closes in 2h", "closes in 0h", "closes in 999d",
                                 "closes in 1000m"])
MENTIONS = st.sampled_from(["<!channel>", "@here", "<@U123>", "<!subteam^S1>", "a&b"])
TYPED = st.one_of(st.lists(DISCUSS_WORDS | MENTIONS | st.text(max_size=8), max_size=6).map(" ".join),
                  st.builds("{} {}".format, st.sampled_from(["results", "close", "export"]),
                            st.one_of(st.just(""), MENTIONS, DISCUSS_WORDS, st.text(max_size=8))),
                  st.builds("{} closes in {}{}".format, st.integers(-1, 5), st.integers(-1, 1200),
                            st.sampled_from("mhds")),
                  st.text(max_size=100))
POLLS = 3
NOW = dt.datetime(2026, 6, 1, 20, 0, tzinfo=UTC)


def says_no_mention(message: str) -> bool:
    """What was typed comes back escaped: no `<!channel>`, `<@U…>` or bare `@here` Slack would act on."""
    return "<" not in message and ">" not in message and not re.search(r"@(channel|here|everyone)\b", message, re.I)


@given(TYPED)
def test_any_text_is_a_poll_command_within_the_limits_or_an_error_with_the_form_and_no_mention(text):
    result = parse_discuss(text, POLLS)
    if isinstance(result, CommandError):
        assert result.message and says_no_mention(result.message)
        assert result.usage.startswith("/discuss")
        return
    assert result.action in ("post", "results", "close", "export", "help")
    assert result.number is None or 1 <= result.number <= POLLS
    assert result.action != "close" or result.number is not None  # closing names the poll it closes
    options = result.options
    assert options.closes_in is None or options.closes_at_local is None  # one closing time, never two
    closes = closing_time(options, NOW, "Europe/London")
    if options.closes_in is not None:  # a duration: at least a minute, at most 999 days
        assert NOW + dt.timedelta(minutes=1) <= closes <= NOW + dt.timedelta(days=999)
    elif options.closes_at_local is not None:  # a time of day: the next one, within a day
        assert NOW < closes <= NOW + dt.timedelta(days=1)
    else:
        assert closes is None


@given(number=st.none() | st.integers(1, POLLS), anonymous=st.booleans(), hidden=st.booleans(),
       closes=st.none() | st.tuples(st.integers(1, 999), st.sampled_from("mhd")) | st.times().map(
           lambda t: t.strftime("%H:%M")))
def test_every_poll_the_help_describes_parses_back_to_itself(number, anonymous, hidden, closes):
    words = [str(number)] if number is not None else []
    words += ["anonymous"] * anonymous + ["hidden"] * hidden
    closes_in = closes_at = None
    if isinstance(closes, tuple):
        amount, unit = closes
        words += ["closes", "in", f"{amount}{unit}"]
        closes_in = dt.timedelta(**{{"m": "minutes", "h": "hours", "d": "days"}[unit]: amount})
    elif closes is not None:
        words += ["closes", closes]
        closes_at = closes
    expected = DiscussCommand("post", number=number, options=PollOptions(anonymous, hidden, closes_in, closes_at))
    assert parse_discuss(" ".join(words), POLLS) == expected


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
