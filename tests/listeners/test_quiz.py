"""Quizzes end to end: signed /quiz, answers and modal submissions, timers on the injected clock."""

import datetime as dt
import json
import threading

from bot.app import build_services
from bot.flows.quizzes import QuizRunner
from bot.slack.live_updates import LiveUpdates
from store import quizzes
from tests.conftest import TEAM, HttpApp
from tests.support.schemas import assert_valid_blocks, assert_valid_message, assert_valid_modal


def tick(services):
    for timer in services.timers:
        timer()
    services.wait_idle()


def start(http_app, stub, services, text="2 timer 30", user_id="UHOST"):
    http_app.command("/quiz", text, user_id=user_id)
    stub.wait_for("chat.postMessage")
    services.wait_idle()
    return quizzes.running(services.store, TEAM, "C0CHAN")[0]


def answer(http_app, quiz, position, option, user):
    """A click on an option, with a response_url of its own (the receipt goes there, as in Slack)."""
    return http_app.click(f"{quiz.id}|{position}|{option}", fallback_action_id="quiz.choice.0", user_id=user,
                          channel_id="C0CHAN", response_url=http_app.stub.response_url(f"answer-{user}"))


def receipts(stub):
    """What players were told privately: via their click's response_url, or chat.postEphemeral (modals)."""
    by_url = [c.params["text"] for c in stub.response_posts if c.method.startswith("answer-")]
    return by_url + [c.params["text"] for c in stub.calls("chat.postEphemeral")]


def first_question(services, quiz):
    return services.pack(quiz.team_id, quiz.pack_id).question(quiz.question_ids[0])


def right_and_wrong(question):
    right = question.answer
    return right, (right + 1) % 4


def test_a_quiz_asks_reveals_in_place_and_posts_results(http_app, stub, services, clock):
    asked_at = clock.now()
    quiz = start(http_app, stub, services, "1 timer 30")
    posted = stub.calls("chat.postMessage")[0]
    assert_valid_message(posted.params)
    question = first_question(services, quiz)
    if question.kind == "choice":
        right, wrong = right_and_wrong(question)
        answer(http_app, quiz, 0, right, "UFAST")
        clock.advance(seconds=5)
        answer(http_app, quiz, 0, wrong, "UWRONG")
    else:
        http_app.submit_view("quiz.numeric_view", {"estimate": {"estimate_value": {"type": "plain_text_input",
                             "value": str(question.answer_value)}}}, user_id="UFAST", private_metadata=f"{quiz.id}|0")
    services.wait_idle()
    locked = receipts(stub)
    assert locked and all("Locked in" in t for t in locked)
    if question.kind == "choice":  # each player sees their own pick, nothing about whether it is right
        assert any(f"Locked in: *{'ABCD'[right]}." in t for t in locked) and not any("right" in t for t in locked)

    clock.set(asked_at + dt.timedelta(seconds=29))
    tick(services)
    assert quizzes.asked(services.store, quiz.id, 0).revealed_at is None  # 29 s in: not yet
    clock.advance(seconds=services.live.coalescer.interval)
    tick(services)
    reveal = [c for c in stub.calls("chat.update") if c.params["text"].startswith("Answer:")][-1]
    assert reveal.params["ts"] == posted.response["ts"]  # the question's own message, updated in place
    assert_valid_blocks(reveal.params["blocks"])
    text = json.dumps(reveal.params["blocks"], ensure_ascii=False)
    assert "fastest: <@UFAST>" in text and "right" in text
    results = stub.calls("chat.postMessage")[-1]
    assert results.params["text"].startswith("Quiz results")
    assert_valid_message(results.params)
    table = next(b for b in results.params["blocks"] if b["type"] == "table")
    assert table["rows"][1][1]["elements"][0]["elements"][0]["user_id"] == "UFAST"
    assert quizzes.get(services.store, TEAM, quiz.id).state == "finished"


def test_answers_after_the_reveal_are_refused_and_first_answers_are_final(http_app, stub, services, clock):
    quiz = start(http_app, stub, services, "section 1 timer 10")
    answer(http_app, quiz, 0, 0, "U1")
    answer(http_app, quiz, 0, 1, "U1")
    services.wait_idle()
    texts = receipts(stub)
    assert len(texts) == 2 and any("Locked in: *A." in t for t in texts)
    assert any("already locked in" in t for t in texts)
    assert quizzes.answer_count(services.store, quiz.id, 0) == 1
    assert quizzes.quiz_leaderboard(services.store, quiz.id)[0]["correct"] == 0  # A was wrong and stays so
    clock.advance(seconds=10)
    tick(services)
    answer(http_app, quiz, 0, 1, "U2")
    services.wait_idle()
    assert "Too late" in stub.wait_for_response(name="answer-U2")[0].params["text"]
    assert quizzes.answer_count(services.store, quiz.id, 0) == 1


def test_300_simultaneous_answers_lose_none_and_count_none_twice(http_app, stub, services, clock):
    quiz = start(http_app, stub, services, "section 1 timer 60")
    barrier, statuses = threading.Barrier(20), []

    def player(n):
        barrier.wait()
        for i in range(15):
            statuses.append(answer(http_app, quiz, 0, i % 4, f"U{n:02d}{i:02d}").status)
        statuses.append(answer(http_app, quiz, 0, 0, f"U{n:02d}00").status)  # a repeat click

    threads = [threading.Thread(target=player, args=(n,)) for n in range(20)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    services.wait_idle()
    assert statuses == [200] * 320
    assert quizzes.answer_count(services.store, quiz.id, 0) == 300
    # the live count: one update at once, the rest coalesced into one more once a second has passed
    assert len(stub.calls("chat.update")) == 1
    clock.advance(seconds=services.live.coalescer.interval)
    services.live.flush()
    services.wait_idle()
    assert "*300* answered" in json.dumps(stub.calls("chat.update")[-1].params["blocks"])
    assert len(stub.calls("chat.update")) == 2


def test_numeric_answers_use_a_validated_modal(http_app, stub, services, clock):
    quiz = start(http_app, stub, services, "section 2 timer 30")  # the sample's numeric question
    http_app.action("quiz.numeric_open", f"{quiz.id}|0", channel_id="C0CHAN")
    view = stub.wait_for("views.open")[0].params["view"]
    assert_valid_modal(view)
    bad = http_app.submit_view("quiz.numeric_view", {"estimate": {"estimate_value": {
        "type": "plain_text_input", "value": "eight hundred"}}}, private_metadata=f"{quiz.id}|0")
    assert bad.json()["response_action"] == "errors"
    good = http_app.submit_view("quiz.numeric_view", {"estimate": {"estimate_value": {
        "type": "plain_text_input", "value": "780"}}}, private_metadata=f"{quiz.id}|0")
    assert good.status == 200 and good.body == ""
    services.wait_idle()
    board = quizzes.quiz_leaderboard(services.store, quiz.id)
    assert board[0]["correct"] == 1 and 50 < board[0]["score"] <= 150


def test_a_restart_mid_quiz_resumes_and_never_leaves_a_question_open(http_app, stub, services, settings, clock):
    quiz = start(http_app, stub, services, "2 timer 30")
    services.store.close()
    # the process dies; it comes back long after the first deadline
    clock.advance(minutes=5)
    restarted = build_services(settings, clock=clock, live=LiveUpdates(background=False))
    app = HttpApp(restarted, stub)
    try:
        tick(restarted)  # reveals question 1, asks question 2
        assert quizzes.asked(restarted.store, quiz.id, 0).revealed_at is not None
        assert quizzes.asked(restarted.store, quiz.id, 1) is not None
        clock.advance(seconds=30)
        tick(restarted)
        assert quizzes.get(restarted.store, TEAM, quiz.id).state == "finished"
        assert stub.calls("chat.postMessage")[-1].params["text"].startswith("Quiz results")
    finally:
        app.close()


def test_only_the_host_or_an_admin_stops_a_quiz(http_app, stub, services):
    quiz = start(http_app, stub, services, "3")
    http_app.command("/quiz", "stop", user_id="USTRANGER")
    assert "Sorry, only <@UHOST>" in stub.wait_for_response(count=2)[-1].params["text"]
    http_app.command("/quiz", "stop", user_id="UHOST")
    assert "stopped" in stub.wait_for_response(count=3)[-1].params["text"]
    services.wait_idle()
    assert quizzes.get(services.store, TEAM, quiz.id).state == "stopped"
    assert "Quiz stopped" in json.dumps(stub.calls("chat.postMessage")[-1].params["blocks"])


def test_one_quiz_at_a_time_and_scores(http_app, stub, services, clock):
    quiz = start(http_app, stub, services, "section 1 timer 10")
    again = http_app.command("/quiz", "").json()
    assert "already running" in again["text"]
    answer(http_app, quiz, 0, first_question(services, quiz).answer, "UWIN")
    clock.advance(seconds=10)
    tick(services)
    scores = http_app.command("/quiz", "scores").json()
    assert_valid_message(scores)
    assert "<@UWIN>" in json.dumps(scores["blocks"])


def test_quick_check_from_a_digest_asks_one_question_on_that_section(http_app, stub, services):
    http_app.command("/digest", "next", user_id="UOWNER")
    http_app.command("/digest", "next", user_id="UOWNER")
    digest = stub.wait_for("chat.postMessage", count=2)[1]
    button = next(e for b in digest.params["blocks"] if b["type"] == "actions" for e in b["elements"]
                  if e["action_id"] == "quiz.quick_check")
    http_app.action("quiz.quick_check", button["value"], channel_id="C0CHAN")
    question = stub.wait_for("chat.postMessage", count=3)[2]
    services.wait_idle()
    quiz = quizzes.running(services.store, TEAM, "C0CHAN")[0]
    assert quiz.question_ids == ["q-code-red-weeks"] and "Question 1 of 1" in json.dumps(question.params["blocks"])


def test_bad_quiz_input_gets_the_right_form(http_app):
    for text, form in (("99", "/quiz [N]"), ("section 42", "/quiz section N"), ("timer 1", "/quiz [N]"),
                       ("<!channel> 3", "/quiz [N]")):
        reply = http_app.command("/quiz", text).json()
        assert reply["response_type"] == "ephemeral"
        assert_valid_message(reply)
        assert form in json.dumps(reply)
        assert "<!channel>" not in json.dumps(reply)
    assert "sections with questions: 1, 2, 3" in http_app.command("/quiz", "section 42").json()["text"]


def test_repeated_quizzes_ask_fresh_questions_before_repeating(http_app, stub, services, clock):
    seen = []
    for _ in range(3):
        quiz = start(http_app, stub, services, "1 timer 10")
        seen += quiz.question_ids
        clock.advance(seconds=10)
        tick(services)
    assert len(set(seen)) == 3  # the sample pack's three questions, each once


def test_a_closed_question_is_refused_through_the_clicks_response_url(http_app, stub, services, clock):
    quiz = start(http_app, stub, services, "section 2 timer 30")  # the sample's numeric question
    clock.advance(seconds=30)
    tick(services)
    http_app.action("quiz.numeric_open", f"{quiz.id}|0", user_id="U2", channel_id="C0CHAN",
                    response_url=stub.response_url("answer-U2"))
    assert "Too late" in stub.wait_for_response(name="answer-U2")[0].params["text"]
    services.wait_idle()
    assert stub.calls("views.open") == [] and stub.calls("chat.postEphemeral") == []


def test_an_answer_acknowledged_just_before_the_reveal_is_in_it(http_app, stub, services, clock):
    """Answers are journaled at the click and applied once the requests lull (bot/ingest/clicks.py); a reveal
    that comes first applies the journal before closing the question, so the answer is scored in it."""
    quiz = start(http_app, stub, services, "section 1 timer 30")
    question = first_question(services, quiz)
    assert question.kind == "choice"  # the sample pack's section 1 question
    right, _ = right_and_wrong(question)
    clock.advance(seconds=29)
    assert answer(http_app, quiz, 0, right, "ULAST").status == 200
    clock.advance(seconds=2)
    for timer in services.timers:  # the reveal is due: it runs before the journal's own turn comes
        timer()
    stats = quizzes.question_stats(services.store, quiz.id, 0)
    assert (stats["answered"], stats["correct"], stats["fastest"]["user_id"]) == (1, 1, "ULAST")
    services.wait_idle()
    assert "locked in" in receipts(stub)[-1].lower()


def test_quiz_stop_keeps_the_answers_given_before_it(http_app, stub, services, clock):
    """`/quiz stop` ends the quiz; answers acknowledged before it, still in the journal, are scored in
    its results, and an answer given after it is too late."""
    quiz = start(http_app, stub, services, "section 1 timer 30")
    right, _ = right_and_wrong(first_question(services, quiz))
    assert answer(http_app, quiz, 0, right, "UBEFORE").status == 200
    clock.advance(seconds=1)
    # what `/quiz stop` does once acknowledged, run at once: the answer is still in the journal
    assert QuizRunner(services, services.pacer).finish(quizzes.get(services.store, TEAM, quiz.id), "stopped")
    services.wait_idle()
    assert answer(http_app, quiz, 0, right, "UAFTER").status == 200
    services.wait_idle()
    stats = quizzes.question_stats(services.store, quiz.id, 0)
    assert (stats["answered"], stats["fastest"]["user_id"]) == (1, "UBEFORE")
    assert quizzes.get(services.store, TEAM, quiz.id).state == "stopped"
