"""Reading plans as pure logic: the `/digest` grammar, the plan's items, and when the next post is due.

Nothing here talks to Slack or SQLite, so every rule (what a command means, which local date a run
belongs to, how daylight-saving changes fall) is tested directly.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from apscheduler.triggers.cron import CronTrigger

from bot.domain.i18n import known, t, word_list
from bot.domain.text import escape
from questions.schema import Pack, Section

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_ALIASES = {"daily": DAYS, "weekdays": DAYS[:5], "weekends": DAYS[5:]}

USAGE = {
    "help": "/digest help",
    "next": "/digest next",
    "show": "/digest show N",
    "list": "/digest list",
    "schedule": "/digest schedule <daily|weekdays|mon,wed,fri> <HH:MM> [IANA timezone]",
    "pause": "/digest pause",
    "resume": "/digest resume",
    "restart": "/digest restart",
    "lang": "/digest lang zh-Hans|zh-Hant|en",
    "articles": "/digest articles",
    "read": "/digest read ARTICLE-ID",
    "add": "/digest add https://URL",
    "privacy": "/digest privacy off|on",
}


# -- the command grammar ------------------------------------------------------------------------
@dataclass(frozen=True)
class DigestCommand:
    action: str  # one of USAGE's keys
    section: str | None = None  # show: a section number or id
    days: tuple[str, ...] = ()
    post_time: str | None = None  # HH:MM
    timezone: str | None = None  # None: the caller's Slack timezone, then DEFAULT_TZ
    language: str | None = None
    pack_id: str | None = None  # read: the article to start
    url: str | None = None  # add: the article's address (http or https)
    sharing: bool | None = None  # privacy: False keeps the caller's thread replies out of recaps and exports


@dataclass(frozen=True)
class CommandError:
    """What was wrong (a catalogue key and its values, user input among them already clipped and escaped),
    and the form that would have been right. Told in the channel's language by `says`; text that is not a
    key is shown as it is, so a reply never fails for want of a word."""

    key: str
    usage: str
    values: dict[str, object] = field(default_factory=dict)

    def says(self, language: str) -> str:
        return t(language, self.key, **self.values) if known(self.key) else self.key

    @property
    def message(self) -> str:
        """What was wrong, in English."""
        return self.says("en")


def parse_digest(text: str) -> DigestCommand | CommandError:
    words = (text or "").split()
    if not words or words[0].lower() in ("help", "?"):
        return DigestCommand("help")
    verb, args = words[0].lower(), words[1:]
    if verb in ("next", "list", "pause", "resume", "restart", "articles"):
        if args:
            return CommandError("cmd_takes_nothing", USAGE[verb], {"verb": verb})
        return DigestCommand(verb)
    if verb == "show":
        if len(args) != 1:
            return CommandError("cmd_show_which", USAGE["show"])
        return DigestCommand("show", section=args[0].lower())
    if verb == "lang":
        if len(args) != 1:
            return CommandError("cmd_lang_which", USAGE["lang"])
        return DigestCommand("lang", language=args[0])
    if verb == "privacy":
        if len(args) != 1 or args[0].lower() not in ("on", "off"):
            return CommandError("Say `off` to keep your thread replies out of recaps and exports, or `on`.",
                                USAGE["privacy"])
        return DigestCommand("privacy", sharing=args[0].lower() == "on")
    if verb == "schedule":
        return _parse_schedule(args)
    if verb == "read":
        if len(args) != 1 or not re.fullmatch(r"[a-z0-9][a-z0-9_-]{0,63}", args[0].lower()):
            return CommandError("cmd_read_which", USAGE["read"])
        return DigestCommand("read", pack_id=args[0].lower())
    if verb == "add":
        url = parse_article_url(args[0]) if len(args) == 1 else None
        if url is None:
            return CommandError("cmd_add_which", USAGE["add"])
        return DigestCommand("add", url=url)
    return CommandError("cmd_unknown", "\n".join(USAGE.values()), {"word": _clip(words[0])})


def _parse_schedule(args: list[str]) -> DigestCommand | CommandError:
    usage = USAGE["schedule"]
    if len(args) not in (2, 3):
        return CommandError("cmd_schedule_needs", usage)
    days = parse_days(args[0])
    if isinstance(days, CommandError):
        return days
    post_time = parse_clock_time(args[1])
    if post_time is None:
        return CommandError("cmd_not_a_time", usage, {"text": _clip(args[1])})
    timezone = None
    if len(args) == 3:
        timezone = parse_timezone(args[2])
        if timezone is None:
            return CommandError("cmd_not_a_timezone", usage, {"text": _clip(args[2])})
    return DigestCommand("schedule", days=days, post_time=post_time, timezone=timezone)


def parse_article_url(text: str) -> str | None:
    """An http(s) URL as typed, or as Slack wraps a link in command text (`<https://x|x>`); None otherwise."""
    text = text.strip()
    if text.startswith("<") and text.endswith(">"):
        text = text[1:-1].split("|", 1)[0]
    if not re.fullmatch(r"https?://[^\s<>|]+", text, re.IGNORECASE) or len(text) > 2000:
        return None
    return text


def parse_days(text: str) -> tuple[str, ...] | CommandError:
    text = text.lower()
    if text in DAY_ALIASES:
        return DAY_ALIASES[text]
    picked = [d[:3] for d in text.split(",") if d]
    unknown = [d for d in picked if d not in DAYS]
    if not picked or unknown:
        return CommandError("cmd_not_days", USAGE["schedule"], {"text": _clip(text)})
    return tuple(d for d in DAYS if d in picked)  # week order, no repeats


def parse_clock_time(text: str) -> str | None:
    match = re.fullmatch(r"([01]?\d|2[0-3])[:.]([0-5]\d)", text)
    return f"{int(match.group(1)):02d}:{match.group(2)}" if match else None


def parse_timezone(text: str) -> str | None:
    if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_+\-]*(/[A-Za-z0-9_+\-]+)*", text) or text.lower() == "localtime":
        return None
    try:
        ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError):
        return None
    return text


# What people type (and Slack locales, lower-cased) for the languages packs offer. Region and script codes
# both name a script here: mainland and Singapore read Simplified, Taiwan, Hong Kong and Macau Traditional.
LANGUAGE_ALIASES = {
    **dict.fromkeys(("zh-hans", "zh-cn", "zh-sg", "zh-hans-cn", "cn", "chs", "sc", "简体", "簡體", "简体中文",
                     "簡體中文", "简", "簡"), "zh-Hans"),
    **dict.fromkeys(("zh-hant", "zh-tw", "zh-hk", "zh-mo", "zh-hant-tw", "tw", "hk", "cht", "tc", "繁體", "繁体",
                     "繁體中文", "繁体中文", "繁", "正體", "正体"), "zh-Hant"),
    **dict.fromkeys(("en", "en-us", "en-gb", "en-au", "en-ca", "en-in", "english", "英文", "英語", "英语"), "en"),
}


def pick_language(requested: str, languages: list[str]) -> str | None:
    """The pack's language that `requested` names: an exact tag, an alias (`zh-CN`, `tw`, `简体`, `繁體`), or a
    bare primary tag (`zh` → the pack's first Chinese language, `en-NZ` → `en`); None when the pack lacks it."""
    requested = requested.strip().lower().replace("_", "-")
    for lang in languages:
        if lang.lower() == requested:
            return lang
    alias = LANGUAGE_ALIASES.get(requested)
    if alias is not None:
        return alias if alias in languages else None
    primary = requested.split("-")[0]
    for lang in languages:
        if lang.lower().split("-")[0] == primary:
            return lang
    return None


def _clip(text: str, limit: int = 40) -> str:
    """User input quoted back in an error: clipped, and escaped so it can never mention anyone."""
    return escape(text if len(text) <= limit else text[: limit - 1] + "…")


# -- the plan's items ---------------------------------------------------------------------------
@dataclass(frozen=True)
class PlanItem:
    kind: str  # "section" | "poll" | "report"
    ref: str  # section id, or poll id ("report" for the report)
    number: int  # section number, or the poll's 1-based position


REPORT = PlanItem("report", "report", 0)
# pack id -> (the pack, its items): a schedule's run asks three times per channel, for 2,000 channels at
# once; the pack is kept with its items, so an id handed on to another object can never match
_items_of: dict[int, tuple[Pack, list[PlanItem]]] = {}


def plan_items(pack: Pack) -> list[PlanItem]:
    """Every section in order, then the article's closing questions as polls, one per scheduled day, then
    the team report on the next day (the polls have had a day of votes and replies by then). Shared between
    callers: read it, do not change it."""
    known = _items_of.get(id(pack))
    if known is not None and known[0] is pack:
        return known[1]
    items = [PlanItem("section", s.id, s.number or 0) for s in pack.sections]
    items += [PlanItem("poll", p.id, n) for n, p in enumerate(pack.polls, 1)]
    items.append(REPORT)
    if len(_items_of) >= 64:  # packs reloaded again and again (tests): start afresh
        _items_of.clear()
    _items_of[id(pack)] = (pack, items)
    return items


def find_section(pack: Pack, ref: str) -> Section | None:
    """A section by number (`3`), id (`s3`, `intro`) or kind (`introduction`, `conclusion`); None if none."""
    for section in pack.sections:
        if ref == section.id or (section.number is not None and ref == str(section.number)) or ref == section.kind:
            return section
    return None


# -- time -----------------------------------------------------------------------------------------
def trigger_for(days: str | tuple[str, ...], post_time: str, timezone: str) -> CronTrigger:
    """The APScheduler trigger for a plan; the scheduler runs exactly this, and the tests iterate it."""
    day_list = days.split(",") if isinstance(days, str) else list(days)
    hour, minute = post_time.split(":")
    return CronTrigger(day_of_week=",".join(day_list), hour=int(hour), minute=int(minute), timezone=timezone)


# schedule -> (after, the next post strictly after it): there is no post in between, so the same answer
# holds for every moment from `after` up to that post. A thousand channels on one schedule posting in the
# same minute then work out "next post: Tue 09:00" once, not a thousand times (each costs ~0.5 ms).
_next_known: dict[tuple[str, str, str], tuple[dt.datetime, dt.datetime]] = {}


def next_post_at(days: str, post_time: str, timezone: str, after: dt.datetime) -> dt.datetime | None:
    """The first scheduled post strictly after `after`, in the plan's timezone; None without a schedule."""
    if not days:
        return None
    key = (days, post_time, timezone)
    known = _next_known.get(key)
    if known is not None and known[0] <= after < known[1]:
        return known[1]
    upcoming = trigger_for(days, post_time, timezone).get_next_fire_time(None, after + dt.timedelta(microseconds=1))
    if upcoming is not None:
        if len(_next_known) > 10_000:
            _next_known.clear()
        _next_known[key] = (after, upcoming)
    return upcoming


def due_slot(days: str, post_time: str, timezone: str, now: dt.datetime,
             active_since: dt.datetime | None = None) -> str | None:
    """The local date whose post is due at `now`, or None.

    A post is due from its local time until the end of that local day: a run missed by a short downtime
    still posts that day (once, thanks to the slot claim), but a missed day is never posted the next day.
    A slot whose time came before the schedule was set (or resumed) is not due: setting a 09:30 plan at
    14:00 starts tomorrow, not at the next restart.
    """
    if not days:
        return None
    zone = ZoneInfo(timezone)
    local = now.astimezone(zone)
    if DAYS[local.weekday()] not in days.split(","):
        return None
    hour, minute = (int(x) for x in post_time.split(":"))
    scheduled = dt.datetime.combine(local.date(), dt.time(hour, minute), tzinfo=zone)
    # wall-clock comparison: a time skipped by a DST jump counts as reached once the clocks pass it
    if local.time() < scheduled.time():
        return None
    if active_since is not None and scheduled < active_since:
        return None
    return local.date().isoformat()


def describe_days(days: str, language: str = "en") -> str:
    """`daily`, `weekdays`, `weekends`, or the days themselves (`mon,wed,fri`), in `language`."""
    day_tuple = tuple(days.split(",")) if days else ()
    for name, value in DAY_ALIASES.items():
        if day_tuple == value:
            return t(language, f"days_{name}")
    names = dict(zip(DAYS, word_list(language, "day_list_names"), strict=True))
    return t(language, "day_list_join").join(names.get(day, day) for day in day_tuple)
