"""The console draws Slack's mrkdwn as Slack shows it (bot/console/render.py): no markers, emoji as emoji,
table blocks as tables. Drawn into a recording rich Console, as the console draws into a pipe."""

from __future__ import annotations

import io
import re

import pytest
from rich.console import Console
from rich.text import Text

from bot.blocks.digest import digest_message
from bot.blocks.polls import poll_message
from bot.blocks.quiz import results_message
from bot.console.render import Clickable, mrkdwn, render_blocks
from bot.domain.polls import tally
from questions import load_packs
from tests.conftest import ROOT

PACK = load_packs(ROOT / "questions")["altman-2025-12"]
SHORTCODE = re.compile(r":[a-z0-9_+\-]+:")


def drawn(blocks: list[dict]) -> tuple[str, list[Clickable]]:
    screen = Console(file=io.StringIO(), record=True, width=120, markup=False, emoji=False, highlight=False)
    clickables: list[Clickable] = []
    for renderable in render_blocks(blocks, clickables, "C1", "1.0"):
        screen.print(renderable)
    return screen.export_text(), clickables


def spans(text: Text) -> dict[str, str]:
    """Each styled piece of `text`, by its style."""
    return {str(span.style): text.plain[span.start:span.end] for span in text.spans}


@pytest.mark.parametrize("language", PACK.pack.languages)
def test_a_digest_shows_no_raw_mrkdwn_markers_nor_shortcodes(language: str) -> None:
    bold_sent = 0
    for sec in PACK.sections:
        message = digest_message(PACK, sec, language, next_post="Tue 09:30")
        raw = str(message["blocks"])
        assert "_" in raw and ":speech_balloon:" in raw  # what Slack is sent has markers
        bold_sent += "*" in raw
        shown, clickables = drawn(message["blocks"])
        assert "*" not in shown and "_" not in shown, shown
        assert SHORTCODE.search(shown) is None, shown
        assert "💬" in shown  # the prompt's :speech_balloon:
        assert "[1] " in shown and clickables[0].action_id  # buttons numbered to click
    assert bold_sent  # key figures' values are bold


def test_bold_italic_strike_code_links_and_mentions_are_styles_not_markers() -> None:
    text = mrkdwn("*bold* _it_ ~gone~ `code` <https://example.com|a link> <@U1> <#C2|general> <!here> "
                  "snake_case_name a*b &lt;b&gt; &amp; :tada: :not_an_emoji_name:")
    assert text.plain == ("bold it gone code a link @U1 #general @here snake_case_name a*b <b> & 🎉 "
                          ":not_an_emoji_name:")
    styles = spans(text)
    assert styles["bold"] == "bold" and styles["italic"] == "it" and styles["strike"] == "gone"
    assert styles["underline link https://example.com"] == "a link"
    assert styles["bold cyan"] == "code"


def test_formats_nest_as_in_slack() -> None:
    text = mrkdwn("*Key figures: _six_ <@U1>*")
    assert text.plain == "Key figures: six @U1"
    assert spans(text)["bold italic"] == "six" and spans(text)["bold bold blue"] == "@U1"


def test_a_leaderboard_table_block_is_drawn_as_a_table() -> None:
    rows = [{"user_id": f"U{i}", "score": 150 - i, "correct": 3} for i in range(3)]
    message = results_message(PACK, [], rows, "en", table=True)
    assert any(b["type"] == "table" for b in message["blocks"])
    shown, _ = drawn(message["blocks"])
    header = next(line for line in shown.splitlines() if "Player" in line)
    assert re.search(r"#\s+Player\s+Points\s+Right", header)
    assert re.search(r"1\s+@U0\s+150\s+3", shown) and "─" in shown  # rows under a rule, not `|` cells
    assert "🎉" in shown or "📚" in shown  # the reread line's emoji


def test_a_poll_with_its_chart_is_drawn_with_bars_and_emoji() -> None:
    poll = PACK.polls[0]
    counts = tally([o.id for o in poll.options], {poll.options[0].id: 3, poll.options[1].id: 1})
    message = poll_message(PACK, poll, 1, 7, "en", counts, anonymous=True, results_hidden=False, closes=None,
                           closed=False)
    shown, clickables = drawn(message["blocks"])
    assert "█" * 20 in shown and "👤" in shown and SHORTCODE.search(shown) is None
    assert len(clickables) == len(poll.options) + 1  # the options and *Add a comment*
