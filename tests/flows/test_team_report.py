"""The team report a finished plan posts after its polls: a native chart with the same figures in text, the most
discussed section and the hardest one in the quizzes; drawn by the real flow, checked by the strict stand-in."""

from __future__ import annotations

import json

from bot.domain.digest import plan_items
from store import quizzes
from tests.conftest import TEAM
from tests.listeners.test_replies import CHANNEL, post_digest, say


def answer_quiz(services, question_id: str, right: int, wrong: int) -> None:
    """A quiz on one question of the sample pack, answered by `right + wrong` people (through the store's API)."""
    now = services.clock.now().timestamp()
    quiz = quizzes.start(services.store, team_id=TEAM, channel_id=CHANNEL, host="UHOST", pack_id="sample",
                         language="en", question_ids=[question_id], timer_s=45, now=now)
    assert quizzes.open_question(services.store, quiz, 0, now) is not None
    for n in range(right + wrong):
        quizzes.answer(services.store, team_id=TEAM, quiz_id=quiz.id, position=0, user_id=f"U{question_id}{n}",
                       answer_text="0", now=now + 1, correct=n < right, score=100 if n < right else 0)
    quizzes.finish(services.store, quiz.id, "finished", now + 2)


def test_a_finished_plan_posts_the_team_report_after_its_polls(http_app, stub, services):
    items = plan_items(services.pack(TEAM, "sample"))
    assert items[-1].kind == "report" and items[-2].kind == "poll"
    threads = [post_digest(http_app, stub, services) for _ in range(len(items) - 1)]
    say(http_app, "s1 one", threads[1], user="U0A")  # section 1 (items: intro, s1, s2, ...)
    say(http_app, "s1 two", threads[1], user="U0B")
    say(http_app, "s2 one", threads[2], user="U0A")
    answer_quiz(services, "q-code-red-weeks", right=3, wrong=1)  # section s1: 75%
    answer_quiz(services, "q-weekly-users", right=1, wrong=3)  # section s2: 25%
    post_digest(http_app, stub, services)
    report = stub.calls("chat.postMessage")[-1]
    blocks = report.params["blocks"]
    assert blocks[0]["text"]["text"].startswith("Team report")
    [chart] = [b for b in blocks if b["type"] == "data_visualization"]
    series = {s["name"]: [p["value"] for p in s["data"]] for s in chart["chart"]["series"]}
    assert series["Replies"][:3] == [0, 2, 1] and series["Quiz % right"][1:3] == [75, 25]
    text = json.dumps(blocks)
    assert "*Most discussed:* 1. Code red (2 replies)" in text
    assert "*Hardest in the quizzes:* 2." in text and "(25% right)" in text
    assert "Poll 1:" in text and "Hardest" in report.params["text"]  # the figures in text for every client
    # the plan is finished: nothing more is posted
    http_app.command("/digest", "next", user_id="UOWNER", channel_id=CHANNEL)
    services.wait_idle()
    assert stub.calls("chat.postMessage")[-1] is report


def test_where_slack_refuses_the_chart_the_report_goes_as_text(http_app, stub, services):
    stub.unsupported_blocks = {"data_visualization"}
    stub.expect_refusals()
    for _ in range(len(plan_items(services.pack(TEAM, "sample")))):
        post_digest(http_app, stub, services)
    report = [c for c in stub.calls("chat.postMessage") if c.response and c.response.get("ok")][-1]
    assert report.params["blocks"][0]["text"]["text"].startswith("Team report")
    assert all(b["type"] != "data_visualization" for b in report.params["blocks"])
    assert "No section had replies" in json.dumps(report.params["blocks"])
    assert [c for c, _ in stub.refused if c.method == "chat.postMessage"]  # the chart was tried first
