"""Poll Block Kit builders without Slack: every variant one Slack takes, charts consistent, names kept out."""

import itertools
import json

import pytest

from bot.blocks.polls import (
    COMMENT_MAX,
    chart_block,
    comment_modal,
    comment_reply,
    poll_message,
    results_message,
    results_reply,
    text_bars,
)
from bot.domain.polls import tally
from questions.loader import load_pack
from questions.schema import Poll
from tests.conftest import SAMPLE_PACKS
from tests.support.slack_rules import MODAL, assert_slack_accepts_message, assert_slack_accepts_view

PACK = load_pack(SAMPLE_PACKS / "sample.yaml")
POLL = PACK.polls[0]
HOSTILE = "<!channel> hey <@U123> & <script>alert(1)</script> @here <!subteam^S1>"


def counts(*values, poll=POLL):
    return tally([o.id for o in poll.options], dict(zip([o.id for o in poll.options], values, strict=True)))


def charts_in(message):
    return [b for b in message["blocks"] if b["type"] == "data_visualization"]


def assert_chart_consistent(block, poll=POLL):
    """Slack's runtime rules the JSON schema can't express: one point per category, matching labels."""
    chart = block["chart"]
    categories = chart["axis_config"]["categories"]
    assert len(categories) == len(poll.options) == len(set(categories))
    for series in chart["series"]:
        assert [p["label"] for p in series["data"]] == categories


VARIANTS = list(itertools.product(["en", "zh-Hant"], [False, True], [False, True], [False, True], [False, True],
                                  [(0, 0, 0, 0), (3, 1, 0, 7)]))


@pytest.mark.parametrize("language, anonymous, hidden, closed, charts, votes", VARIANTS)
def test_every_poll_message_variant_is_valid_block_kit(language, anonymous, hidden, closed, charts, votes):
    message = poll_message(PACK, POLL, 1, 42, language, counts(*votes), anonymous=anonymous, results_hidden=hidden,
                           closes="Mon 18:00 (BST)", closed=closed, charts=charts)
    assert_slack_accepts_message(message)
    assert len(charts_in(message)) <= (1 if charts else 0)  # Slack draws at most two per message
    for chart in charts_in(message):
        assert_chart_consistent(chart)


def test_the_open_poll_shows_question_buttons_chart_and_voter_count():
    message = poll_message(PACK, POLL, 1, 42, "en", counts(3, 1, 0, 7), anonymous=False, results_hidden=False,
                           closes=None, closed=False)
    blob = json.dumps(message)
    assert "Will models be commoditised?" in blob and "*11* voted" in blob
    votes = [e for b in message["blocks"] if b["type"] == "actions" for e in b["elements"]
             if e["action_id"].startswith("poll.vote.")]
    assert [v["value"] for v in votes] == ["42|yes", "42|layers", "42|no", "42|unsure"]
    [chart] = charts_in(message)
    assert [p["value"] for p in chart["chart"]["series"][0]["data"]] == [3, 1, 0, 7]
    assert "Add a comment" in blob


def test_the_poll_is_drawn_in_the_channels_language():
    message = poll_message(PACK, POLL, 1, 42, "zh-Hant", counts(1, 0, 0, 0), anonymous=True, results_hidden=False,
                           closes=None, closed=False)
    blob = json.dumps(message, ensure_ascii=False)
    assert "模型會商品化嗎?" in blob and "A. 會" in blob and "匿名" in blob and "投票 1/3" in blob
    assert "Anonymous" not in blob and "voted" not in blob


def test_hidden_results_show_only_how_many_voted_until_close():
    open_hidden = poll_message(PACK, POLL, 1, 42, "en", counts(5, 0, 0, 0), anonymous=False, results_hidden=True,
                               closes=None, closed=False)
    assert not charts_in(open_hidden)
    blob = json.dumps(open_hidden, ensure_ascii=False)
    assert "hidden until the poll closes" in blob and "*5* voted so far" in blob and "█" not in blob
    closed = poll_message(PACK, POLL, 1, 42, "en", counts(5, 0, 0, 0), anonymous=False, results_hidden=True,
                          closes=None, closed=True)
    assert charts_in(closed)
    reply = results_reply(PACK, POLL, 1, "en", counts(5, 0, 0, 0), hidden=True)
    assert_slack_accepts_message(reply)
    assert "█" not in json.dumps(reply, ensure_ascii=False) and "5 voted so far" in reply["text"]


def test_a_closed_poll_has_no_buttons_and_says_it_is_closed():
    message = poll_message(PACK, POLL, 1, 42, "en", counts(1, 2, 3, 4), anonymous=False, results_hidden=False,
                           closes="Mon 18:00 (UTC)", closed=True)
    assert not [b for b in message["blocks"] if b["type"] == "actions"]
    blob = json.dumps(message)
    assert "Closed." in blob and "change your vote" not in blob and "Closes Mon" not in blob


def test_the_anonymous_note_is_honest_about_what_is_kept():
    message = poll_message(PACK, POLL, 1, 42, "en", counts(0, 0, 0, 0), anonymous=True, results_hidden=False,
                           closes=None, closed=False)
    note = json.dumps([b for b in message["blocks"] if b["type"] == "context"])
    assert "names are never shown or exported" in note and "only to count one vote per person" in note


def test_text_bars_are_the_fallback_with_counts_and_shares():
    message = poll_message(PACK, POLL, 1, 42, "en", counts(3, 1, 0, 0), anonymous=False, results_hidden=False,
                           closes=None, closed=False, charts=False)
    assert not charts_in(message)
    bars = text_bars(POLL, "en", counts(3, 1, 0, 0)).splitlines()
    assert bars[0].startswith("`█████████░░░`") and "3 (75%)" in bars[0] and "A. Yes" in bars[0]
    assert "0 (0%)" in bars[2]
    assert any(bars[0] in b.get("text", {}).get("text", "") for b in message["blocks"])


def test_long_option_labels_still_make_a_valid_chart_with_unique_categories():
    poll = Poll.model_validate({
        "id": "long", "question": {"en": "Q" * 400}, "comment_prompt": {"en": "Why" * 1000},
        "options": [{"id": f"o{i}", "label": {"en": "The same very long stance, option " + "x" * 100}}
                    for i in range(5)],
    })
    tally_ = counts(1, 2, 3, 4, 5, poll=poll)
    chart = chart_block(poll, "en", tally_, "Q" * 400)
    assert_slack_accepts_message({"blocks": [chart]})
    assert_chart_consistent(chart, poll)
    message = poll_message(PACK, poll, 1, 42, "en", tally_, anonymous=False, results_hidden=False, closes=None,
                           closed=False)
    assert_slack_accepts_message(message)
    assert_slack_accepts_view(comment_modal(poll, 42, "en"), MODAL)


def test_the_comment_modal_has_a_bounded_plain_text_input():
    view = comment_modal(POLL, 42, "en")
    assert_slack_accepts_view(view, MODAL)
    [field] = [b for b in view["blocks"] if b["type"] == "input"]
    assert field["element"]["type"] == "plain_text_input" and field["element"]["max_length"] == COMMENT_MAX
    assert view["private_metadata"] == "42" and view["callback_id"] == "poll.comment_view"
    assert field["label"]["text"] == "Why?"


@pytest.mark.parametrize("user", ["U1", None])
def test_a_hostile_comment_can_mention_nobody(user):
    reply = comment_reply(HOSTILE, user)
    assert_slack_accepts_message(reply)
    shown = reply["text"]
    for raw in ("<!channel>", "<@U123>", "<script>", "<!subteam", " & "):
        assert raw not in shown.replace("<@U1>:", "")
    assert "&lt;!channel&gt;" in shown and "&amp;" in shown and "&lt;script&gt;" in shown
    assert "@here" not in shown  # a bare @here is broken up too
    assert shown.startswith("<@U1>:" if user else "Someone (anonymous):")


def test_results_show_chart_counts_and_a_few_comments_and_no_names_when_anonymous():
    comments = [{"user_id": f"U{n}", "text": f"comment {n} <@U999>"} for n in range(6)]
    named = results_message(PACK, POLL, 1, "en", counts(2, 1, 0, 0), comments, anonymous=False)
    anonymous = results_message(PACK, POLL, 1, "en", counts(2, 1, 0, 0), comments, anonymous=True)
    for message in (named, anonymous):
        assert_slack_accepts_message(message)
        assert len(charts_in(message)) == 1
        blob = json.dumps(message)
        assert "3 voted." in blob and "comment 2" in blob and "comment 3" not in blob and "<@U999>" not in blob
    assert "<@U0>" in json.dumps(named)
    assert not any(f"U{n}" in json.dumps(anonymous) for n in range(6))
