"""Team polls as pure logic: the `/discuss` grammar, tallies, and what a click means.

Decisions, documented in `/discuss help`:
- One vote per person per poll (the database enforces it). Clicking another option moves your vote;
  clicking the option you already chose keeps it (nothing is withdrawn by a double click) and tells you so.
- Anonymous polls never show or export who voted or commented. The bot still records each voter's id, only
  to keep one vote per person, and says so on the poll.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from bot.domain.digest import CommandError, parse_clock_time
from bot.domain.text import escape, is_number

USAGE = {
    "post": "/discuss [N|all] [anonymous] [hidden] [closes HH:MM | closes in 2h]",
    "results": "/discuss results [N]",
    "close": "/discuss close N",
    "export": "/discuss export",
    "help": "/discuss help",
}


@dataclass(frozen=True)
class PollOptions:
    anonymous: bool = False
    results_hidden: bool = False
    closes_in: dt.timedelta | None = None
    closes_at_local: str | None = None  # HH:MM, the next such time in the caller's timezone


@dataclass(frozen=True)
class DiscussCommand:
    action: str  # post | results | close | export | help
    number: int | None = None  # None: all polls (post) / every poll (results)
    options: PollOptions = PollOptions()


def parse_discuss(text: str, poll_count: int) -> DiscussCommand | CommandError:
    words = (text or "").lower().split()
    if words and words[0] in ("help", "?"):
        return DiscussCommand("help")
    if words and words[0] == "export":
        return DiscussCommand("export") if len(words) == 1 else CommandError("cmd_takes_nothing", USAGE["export"],
                                                                            {"verb": "export"})
    if words and words[0] in ("results", "close"):
        verb, rest = words[0], words[1:]
        if verb == "close" and len(rest) != 1:
            return CommandError("discuss_cmd_close_which", USAGE["close"])
        if len(rest) > 1:
            return CommandError("discuss_cmd_results_one", USAGE["results"])
        chosen = _poll_number(rest[0], poll_count) if rest else None
        if isinstance(chosen, CommandError):
            return chosen
        return DiscussCommand(verb, number=chosen)
    number: int | None = None
    if words and (is_number(words[0]) or words[0] == "all"):
        if words[0] != "all":
            parsed = _poll_number(words[0], poll_count)
            if isinstance(parsed, CommandError):
                return parsed
            number = parsed
        words = words[1:]
    options = _parse_options(words)
    if isinstance(options, CommandError):
        return options
    return DiscussCommand("post", number=number, options=options)


def _poll_number(word: str, poll_count: int) -> int | CommandError:
    if is_number(word) and 1 <= int(word) <= poll_count:
        return int(word)
    return CommandError("discuss_cmd_not_a_poll", "\n".join(USAGE.values()),
                        {"word": escape(word[:20]), "count": poll_count})


def _parse_options(words: list[str]) -> PollOptions | CommandError:
    anonymous = hidden = False
    closes_in: dt.timedelta | None = None
    closes_at: str | None = None
    i = 0
    while i < len(words):
        word = words[i]
        if word in ("anonymous", "anon"):
            anonymous = True
        elif word in ("hidden", "hide-results"):
            hidden = True
        elif word == "closes":
            if closes_in is not None or closes_at is not None:
                return CommandError("discuss_cmd_one_closing", USAGE["post"])
            rest = words[i + 1:i + 3]
            if rest[:1] == ["in"] and len(rest) == 2 and (delta := _duration(rest[1])) is not None:
                closes_in, i = delta, i + 2
            elif rest and (clock := parse_clock_time(rest[0])) is not None:
                closes_at, i = clock, i + 1
            else:
                return CommandError("discuss_cmd_closes_needs", USAGE["post"])
        else:
            return CommandError("discuss_cmd_unknown_option", USAGE["post"], {"word": escape(word[:20])})
        i += 1
    return PollOptions(anonymous, hidden, closes_in, closes_at)


def _duration(text: str) -> dt.timedelta | None:
    match = re.fullmatch(r"(\d{1,3})([mhd])", text)
    if not match or int(match.group(1)) == 0:
        return None
    return dt.timedelta(**{{"m": "minutes", "h": "hours", "d": "days"}[match.group(2)]: int(match.group(1))})


def closing_time(options: PollOptions, now: dt.datetime, timezone: str) -> dt.datetime | None:
    """When a poll posted at `now` closes: after a duration, or at the next HH:MM in `timezone`."""
    if options.closes_in is not None:
        return now + options.closes_in
    if options.closes_at_local is None:
        return None
    hour, minute = (int(x) for x in options.closes_at_local.split(":"))
    local = now.astimezone(ZoneInfo(timezone))
    target = local.replace(hour=hour, minute=minute, second=0, microsecond=0)
    if target <= local:
        target += dt.timedelta(days=1)
    return target.astimezone(dt.UTC)


@dataclass(frozen=True)
class Tally:
    counts: dict[str, int]  # option id -> votes, every option present, in the poll's order
    voters: int

    def share(self, option_id: str) -> float:
        return self.counts.get(option_id, 0) / self.voters if self.voters else 0.0


def tally(option_ids: list[str], votes: dict[str, int]) -> Tally:
    """Counts for every option (zeros included, unknown options dropped) and the number of voters."""
    counts = {option: int(votes.get(option, 0)) for option in option_ids}
    return Tally(counts, sum(counts.values()))
