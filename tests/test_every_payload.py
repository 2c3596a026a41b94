"""Every message, modal and Home view the app can draw goes through Slack's rules (tests/support/slack_rules.py).

Pure: the builders of bot/blocks/ are called directly, for every pack in questions/ and tests/packs/, in
every language each pack offers, in empty and full states, and each payload is checked as the surface it
is sent to (a message, a modal, the Home tab). Text a user typed is hostile here (40,000 characters of
`<!channel>`, `<@U123>`, links and mrkdwn) and must reach Slack unable to mention or link anyone.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
from collections.abc import Iterator
from typing import Any

import pytest

from bot.blocks.digest import (
    contents_reply,
    digest_message,
    format_when,
    full_text_view,
    help_reply,
    plan_summary,
    quick_check_button,
    schedule_confirmation,
)
from bot.blocks.home import MAX_PLANS, MAX_POLLS, HomeData, PlanCard, PollCard, home_busy_view, home_view
from bot.blocks.polls import (
    comment_modal,
    comment_reply,
    discuss_help,
    format_close,
    poll_message,
    results_reply,
    text_bars,
)
from bot.blocks.polls import results_message as poll_results
from bot.blocks.quiz import numeric_modal, question_message, quiz_help, reveal_message, scores_reply
from bot.blocks.quiz import results_message as quiz_results
from bot.blocks.replies import error_reply, notice
from bot.domain.digest import CommandError, parse_digest, plan_items
from bot.domain.i18n import STRINGS, pick, t
from bot.domain.polls import parse_discuss, tally
from bot.domain.quiz import parse_quiz
from bot.slack.posting import failure_notice
from questions import load_packs
from questions.schema import Pack
from store.plans import Plan
from tests.conftest import ROOT, SAMPLE_PACKS
from tests.support import schemas, slack_rules

Payload = dict[str, Any]
Drawn = tuple[str, Payload]  # (what it is, the payload)

PACKS: dict[str, Pack] = {**load_packs(ROOT / "questions"), **load_packs(SAMPLE_PACKS)}
PACK_LANGUAGES = [pytest.param(pack_id, language, id=f"{pack_id}-{language}")
                  for pack_id, pack in PACKS.items() for language in pack.pack.languages]

# What a user may type: every way mrkdwn could mention, broadcast or link, 40,000 characters of it.
HOSTILE_PIECE = "<!channel> <!here> <!everyone> <@U123> <#C123> <!subteam^S123> <https://evil.example|click me> " \
                "*bold* _it_ ~no~ `code` > quote &amp; @channel @here\n"
HOSTILE = (HOSTILE_PIECE * (40_000 // len(HOSTILE_PIECE) + 1))[:40_000]
UNESCAPED = ("<!channel>", "<!here>", "<!everyone>", "<@U123>", "<#C123>", "<!subteam", "<https://evil")
AUTHOR = "U0AUTHOR"


def players(count: int) -> list[dict]:
    return [{"user_id": f"U{i:04d}", "score": 1500 - i * 10, "correct": 10 - i % 10} for i in range(count)]


def many_votes(option_ids: list[str]) -> dict[str, int]:
    return {option: 10_000 * (i + 1) + 7 for i, option in enumerate(option_ids)}


def when(language: str, later: bool = False) -> str:
    """A next-post label as the app draws it in `language` (`Tue 09:30`, `Tue 6 Jan 09:30`)."""
    moment = dt.datetime(2026, 1, 6, 9, 30)
    return format_when(moment, moment - dt.timedelta(days=10 if later else 1), language)


def closing(language: str) -> str:
    """A poll's closing time as the app draws it in `language` (`Tue 18:00 (CET)`)."""
    from zoneinfo import ZoneInfo

    return format_close(dt.datetime(2026, 1, 6, 18, 0, tzinfo=ZoneInfo("Europe/Paris")), language)


def plan(pack: Pack, language: str, **changes: Any) -> Plan:
    fields: dict[str, Any] = dict(team_id="T1", channel_id="C1", pack_id=pack.pack.id, language=language,
                                  days="mon,tue,wed,thu,fri", post_time="09:30", timezone="Europe/London",
                                  paused=False, next_index=1, run=1, created_by="U1", updated_at=0.0,
                                  active_since=0.0)
    return Plan(**{**fields, **changes})


# --------------------------------------------------------------------------- what each builder draws
def digest_messages(pack: Pack, language: str) -> Iterator[Drawn]:
    for sec in pack.sections:
        for next_post, buttons in itertools.product((None, when(language, later=True)),
                                                    ((), (quick_check_button(sec.id, language),))):
            drawn = digest_message(pack, sec, language, next_post=next_post, extra_buttons=buttons)
            yield f"digest {sec.id} next={next_post} buttons={len(buttons)}", drawn
            yield f"/digest show {sec.id}", {"response_type": "ephemeral", **drawn}
    ids = [s.id for s in pack.sections]
    for posted, next_ref in (((), ids[0]), (tuple(ids[: len(ids) // 2]), ids[len(ids) // 2]), (tuple(ids), None)):
        yield f"/digest list posted={len(posted)}", contents_reply(pack, language, set(posted), next_ref)
    items = len(plan_items(pack))
    plans = {"none": None, "fresh": plan(pack, language, next_index=0), "paused": plan(pack, language, paused=True),
             "unscheduled": plan(pack, language, days=""), "finished": plan(pack, language, next_index=items)}
    for name, state in plans.items():
        yield f"/digest help plan={name}", help_reply(plan_summary(state, pack, items, when(language), language),
                                                      language)
    for days in ("mon,wed,fri", "mon,tue,wed,thu,fri", "mon,tue,wed,thu,fri,sat,sun"):
        yield f"schedule confirmation {days}", schedule_confirmation(days, "09:30", "America/Argentina/Buenos_Aires",
                                                                    when(language, later=True), "U1", language)


def poll_messages(pack: Pack, language: str) -> Iterator[Drawn]:
    hostile_comments = [{"user_id": f"U{i}", "text": HOSTILE} for i in range(5)]
    for number, poll in enumerate(pack.polls, 1):
        option_ids = [o.id for o in poll.options]
        for votes in ({}, many_votes(option_ids)):
            counts = tally(option_ids, votes)
            for anonymous, hidden, closed, charts, closes in itertools.product(
                    (False, True), (False, True), (False, True), (False, True), (None, closing(language))):
                yield (f"poll {number} votes={counts.voters} anonymous={anonymous} hidden={hidden} closed={closed} "
                       f"charts={charts} closes={closes}",
                       poll_message(pack, poll, number, 123456789, language, counts, anonymous=anonymous,
                                    results_hidden=hidden, closes=closes, closed=closed, charts=charts))
            for anonymous, charts, comments in itertools.product((False, True), (False, True), ([], hostile_comments)):
                yield (f"poll {number} results votes={counts.voters} anonymous={anonymous} charts={charts} "
                       f"comments={len(comments)}",
                       poll_results(pack, poll, number, language, counts, comments, anonymous=anonymous,
                                    charts=charts))
            for hidden in (False, True):
                yield f"/discuss results {number} hidden={hidden}", results_reply(pack, poll, number, language,
                                                                                  counts, hidden=hidden)
        # `/discuss results` of every poll at once (bot/flows/polls.py `discuss_results`)
        replies = [results_reply(pack, p, n, language, tally([o.id for o in p.options], {}), hidden=False)
                   for n, p in enumerate(pack.polls, 1)]
        yield "/discuss results (all)", {"response_type": "ephemeral", "text": t(language, "discuss_results_text"),
                                         "blocks": [b for r in replies for b in r["blocks"]][:50]}


def comment_replies(language: str) -> Iterator[Drawn]:
    yield "comment signed", comment_reply(HOSTILE, AUTHOR, language)
    yield "comment anonymous", comment_reply(HOSTILE, None, language)
    yield "comment short", comment_reply("agreed", AUTHOR, language)


def quiz_messages(pack: Pack, language: str) -> Iterator[Drawn]:
    total = len(pack.quiz)
    no_one = {"answered": 0, "correct": 0, "fastest": None}
    everyone = {"answered": 999, "correct": 998, "fastest": {"user_id": "U0001", "elapsed": 0.04}}
    for position, question in enumerate(pack.quiz):
        for answered, timer in ((0, 10), (999, 300)):
            yield (f"quiz question {question.id} answered={answered}",
                   question_message(pack, question, quiz_id=987654, position=position, total=total,
                                    language=language, answered=answered, timer_s=timer))
        for stats in (no_one, everyone):
            yield (f"quiz reveal {question.id} answered={stats['answered']}",
                   reveal_message(pack, question, position=position, total=total, language=language, stats=stats))
    every_section = [s.id for s in pack.sections]
    for rows, table, state, reread in itertools.product((players(0), players(25)), (True, False),
                                                        ("finished", "stopped", "interrupted"), ([], every_section)):
        yield (f"quiz results players={len(rows)} table={table} state={state} reread={len(reread)}",
               quiz_results(pack, reread, rows, language, table=table, state=state))


def modals(pack: Pack, language: str) -> Iterator[Drawn]:
    for sec in pack.sections:
        yield f"full text {sec.id}", full_text_view(pack, sec, language)
    for number, poll in enumerate(pack.polls, 1):
        yield f"comment modal poll {number}", comment_modal(poll, 123456789, language)
    for position, question in enumerate(pack.quiz):
        if question.kind == "numeric":
            yield f"numeric modal {question.id}", numeric_modal(question, 987654, position, language)


def replies(language: str = "en") -> Iterator[Drawn]:
    """Scores, help texts, errors and notices: not per pack."""
    yield "/quiz scores empty", scores_reply([], language)
    yield "/quiz scores full", scores_reply(players(25), language)
    yield "/quiz help", quiz_help(language)
    yield "/discuss help", discuss_help(language)
    for code in ("not_in_channel", "channel_not_found", "invalid_blocks", "ratelimited", "invalid_auth", "x" * 200):
        what = t(language, "discuss_poll_n", number=3)
        yield f"failure notice {code[:20]}", notice(failure_notice(code, what, language))
    for name, error in command_errors():
        yield name, error_reply(error.says(language), error.usage, language)


BAD_COMMANDS = {
    "/digest": (parse_digest, ["frobnicate", "next now", "show", "show 1 2", "lang", "schedule", "schedule weekdays",
                               "schedule someday 09:30", "schedule weekdays 25:99", "schedule weekdays 09:30 Mars/Base",
                               HOSTILE, f"schedule {HOSTILE[:200]} 09:30", f"schedule weekdays {HOSTILE[:200]}",
                               f"schedule weekdays 09:30 {HOSTILE[:50]}"]),
    "/quiz": (parse_quiz, ["scores now", "stop now", "3 timer 5000", "section", "eleven", HOSTILE]),
    "/discuss": (lambda text: parse_discuss(text, 3),
                 ["export now", "close", "results 1 2", "9", "1 closes", "1 sideways", HOSTILE, f"1 {HOSTILE[:80]}"]),
}


def command_errors() -> Iterator[tuple[str, CommandError]]:
    for command, (parse, texts) in BAD_COMMANDS.items():
        for text in texts:
            parsed = parse(text)
            assert isinstance(parsed, CommandError), f"{command} {text[:40]!r} parsed as {parsed}"
            yield f"{command} {text[:30]!r}", parsed


def homes(language: str = "en", pack: Pack | None = None, hostile: bool = True) -> Iterator[Drawn]:
    """Home empty and overfull, in `language`; titles and questions hostile, or the pack's own."""
    yield "home empty", home_view(HomeData(is_admin=False, language=language))
    yield "home empty admin", home_view(HomeData(is_admin=True, language=language))
    pack = pack or next(iter(PACKS.values()))
    poll = pack.polls[0]
    counts = tally([o.id for o in poll.options], many_votes([o.id for o in poll.options]))
    title = HOSTILE[:300] if hostile else pick(pack.pack.title, language)
    question = HOSTILE[:2000] if hostile else pick(poll.question, language)
    states = [t(language, "home_state_next_yours", when=when(language)),
              t(language, "home_state_next_zone", when=when(language, later=True), zone="Asia/Taipei"),
              t(language, "home_state_paused"), t(language, "home_state_finished")]
    plan_cards = [PlanCard(f"C{i:05d}", title, done=i % 12, total=11, state=states[i % len(states)])
                  for i in range(MAX_PLANS + 50)]  # more than 100 blocks' worth
    poll_cards = [PollCard(f"C{i:05d}", i % 3 + 1, question,
                           t(language, "home_poll_hidden") if i % 2 else text_bars(poll, language, counts),
                           counts.voters)
                  for i in range(MAX_POLLS + 50)]
    for is_admin in (False, True):
        yield f"home full admin={is_admin}", home_view(HomeData(is_admin=is_admin, plans=plan_cards, polls=poll_cards,
                                                                my_score=(123456, 7), leaderboard=players(25),
                                                                language=language))
    yield f"home busy {language}", home_busy_view(language)


# --------------------------------------------------------------------------- the checks
def refused_messages(drawn: Iterator[Drawn]) -> dict[str, Any]:
    """Slack's refusal of each payload it would refuse (and any key a message cannot carry), by name."""
    refused: dict[str, Any] = {}
    for name, payload in drawn:
        unknown = sorted(set(payload) - schemas.MESSAGE_KEYS)
        refusal = slack_rules.check_message(payload)
        if unknown or refusal is not None:
            refused[name] = {"unknown keys": unknown, "refusal": refusal}
    return refused


def refused_views(drawn: Iterator[Drawn], surface: str) -> dict[str, Any]:
    return {name: refusal for name, view in drawn if (refusal := slack_rules.check_view(view, surface)) is not None}


def mentions(payload: Payload) -> list[str]:
    text = json.dumps(payload, ensure_ascii=False)
    return [marker for marker in UNESCAPED if marker in text]


@pytest.mark.parametrize("pack_id, language", PACK_LANGUAGES)
def test_every_message_of_every_pack_is_one_slack_takes(pack_id: str, language: str) -> None:
    pack = PACKS[pack_id]
    drawn = [*digest_messages(pack, language), *poll_messages(pack, language), *comment_replies(language),
             *quiz_messages(pack, language)]
    assert len(drawn) > 100
    assert refused_messages(iter(drawn)) == {}


@pytest.mark.parametrize("pack_id, language", PACK_LANGUAGES)
def test_every_modal_of_every_pack_is_one_slack_takes(pack_id: str, language: str) -> None:
    drawn = list(modals(PACKS[pack_id], language))
    assert len(drawn) >= len(PACKS[pack_id].sections)
    assert refused_views(iter(drawn), slack_rules.MODAL) == {}


@pytest.mark.parametrize("language", STRINGS)
def test_every_reply_help_and_error_is_one_slack_takes(language: str) -> None:
    assert refused_messages(replies(language)) == {}


@pytest.mark.parametrize("language", STRINGS)
def test_every_home_is_one_slack_takes(language: str) -> None:
    assert refused_views(homes(language), slack_rules.HOME) == {}


def test_a_home_with_more_than_fits_says_how_many_more() -> None:
    view = dict(homes())["home full admin=True"]
    shown = json.dumps(view, ensure_ascii=False)
    assert "…and 50 more channels." in shown and "…and 50 more open polls." in shown


@pytest.mark.parametrize("pack_id, language", PACK_LANGUAGES)
def test_hostile_comments_mention_nobody(pack_id: str, language: str) -> None:
    pack = PACKS[pack_id]
    hostile = [(name, payload) for name, payload in [*poll_messages(pack, language), *comment_replies(language)]
               if "comment" in name and not name.endswith("comments=0") and "short" not in name]
    assert hostile
    for name, payload in hostile:
        assert mentions(payload) == [], name
        assert "@\u200bchannel" in json.dumps(payload, ensure_ascii=False), name  # shown, defused
    signed = comment_reply(HOSTILE, AUTHOR, language)
    assert signed["blocks"][0]["text"]["text"].startswith(f"<@{AUTHOR}>: ")  # the author, and only the author
    assert f"<@{AUTHOR}>" not in json.dumps(comment_reply(HOSTILE, None, language))


def test_hostile_commands_and_home_text_mention_nobody() -> None:
    quoted = [(name, error_reply(e.message, e.usage)) for name, e in command_errors() if "<" in name or "@" in name]
    assert len(quoted) >= 6
    home = [(name, view) for name, view in homes() if "full" in name]
    for name, payload in quoted + home:
        assert mentions(payload) == [], name
