"""The quiz runner on the injected clock: timers, restarts, refusals, and the reveal never overwritten."""

import datetime as dt
import json
import threading

from bot.app import build_services
from bot.live_updates import LiveUpdates
from bot.quiz_runner import QuizRunner
from store import quizzes
from tests.conftest import TEAM, HttpApp
from tests.test_quiz_http import answer, start, tick


def runner_of(services) -> QuizRunner:
    return next(t.__self__ for t in services.timers if isinstance(getattr(t, "__self__", None), QuizRunner))


def test_each_question_runs_its_own_timer_then_the_next_is_asked(http_app, stub, services, clock):
    quiz = start(http_app, stub, services, "3 timer 20")
    for position in range(3):
        opened = quizzes.asked(services.store, quiz.id, position)
        assert opened.deadline - opened.opened_at == 20
        clock.advance(seconds=19)
        tick(services)
        assert quizzes.asked(services.store, quiz.id, position).revealed_at is None
        clock.advance(seconds=1)
        tick(services)
        assert quizzes.asked(services.store, quiz.id, position).revealed_at is not None
    assert quizzes.get(services.store, TEAM, quiz.id).state == "finished"
    questions = [c for c in stub.calls("chat.postMessage") if c.params["text"].startswith("Quiz question")]
    reveals = [c for c in stub.calls("chat.update") if c.params["text"].startswith("Answer:")]
    assert len(questions) == 3 and [r.params["ts"] for r in reveals] == [q.response["ts"] for q in questions]
    tick(services)  # a finished quiz does nothing more
    assert len(stub.calls("chat.postMessage")) == 4


def test_a_long_outage_closes_the_quiz_with_its_results_instead_of_carrying_on(http_app, stub, services, settings,
                                                                              clock):
    quiz = start(http_app, stub, services, "3 timer 30")
    answer(http_app, quiz, 0, 0, "UEARLY")
    services.wait_idle()
    services.store.close()
    clock.advance(hours=2)  # the process was down for two hours
    restarted = build_services(settings, clock=clock, live=LiveUpdates(background=False))
    app = HttpApp(restarted, stub)
    try:
        tick(restarted)
        assert quizzes.get(restarted.store, TEAM, quiz.id).state == "interrupted"
        assert quizzes.asked(restarted.store, quiz.id, 0).revealed_at is not None  # its message shows the answer
        assert quizzes.asked(restarted.store, quiz.id, 1) is None  # nothing new asked two hours late
        results = stub.calls("chat.postMessage")[-1]
        assert "interrupted" in results.params["text"] and "UEARLY" in json.dumps(results.params["blocks"])
        assert stub.calls("chat.update")[-1].params["text"].startswith("Answer:")
    finally:
        app.close()
        restarted.background.shutdown(wait=True)


def test_a_count_drawn_as_the_timer_ends_never_lands_after_the_reveal(http_app, stub, services, clock, monkeypatch):
    quiz = start(http_app, stub, services, "section 1 timer 10")
    runner = runner_of(services)
    drawing, go_on = threading.Event(), threading.Event()
    draw_question = runner.draw_question

    def slow_draw(quiz_, position):  # the count has checked "not revealed yet" and is building its message
        drawing.set()
        go_on.wait(5)
        return draw_question(quiz_, position)

    monkeypatch.setattr(runner, "draw_question", slow_draw)
    answer(http_app, quiz, 0, 1, "U1")
    assert drawing.wait(5)
    clock.advance(seconds=10)
    ticker = threading.Thread(target=runner.tick)
    ticker.start()
    try:  # without the message lock the reveal goes out now, while the count is still being drawn
        stub.wait_for("chat.update", timeout=0.3)
    except AssertionError:
        pass
    go_on.set()
    ticker.join(5)
    services.wait_idle()
    updates = [c.params["text"] for c in stub.calls("chat.update")]
    assert updates[-1].startswith("Answer:") and len(updates) == 2


def test_a_channel_slack_refuses_gets_a_reason_and_no_stuck_quiz(http_app, stub, services):
    stub.respond_error("chat.postMessage", "channel_not_found")
    http_app.command("/quiz", "2", user_id="UHOST")
    reply = stub.wait_for_response()[-1].params["text"]
    assert "channel_not_found" in reply and "/invite" in reply
    assert quizzes.running(services.store, TEAM, "C0CHAN") == []
    stub.clear_overrides("chat.postMessage")
    http_app.command("/quiz", "1", user_id="UHOST")
    assert "Quiz on" in stub.wait_for_response(count=2)[-1].params["text"]


def test_the_estimate_modal_is_not_opened_once_answered_or_revealed(http_app, stub, services, clock):
    quiz = start(http_app, stub, services, "section 2 timer 30")  # the sample's numeric question
    http_app.submit_view("quiz.numeric_view", {"estimate": {"estimate_value": "810"}}, user_id="U1",
                         private_metadata=f"{quiz.id}|0")
    services.wait_idle()
    http_app.action("quiz.numeric_open", f"{quiz.id}|0", user_id="U1", channel_id="C0CHAN",
                    response_url=stub.response_url("answer-U1"))
    assert "already locked in" in stub.wait_for_response(name="answer-U1")[0].params["text"]
    clock.advance(seconds=30)
    tick(services)
    http_app.action("quiz.numeric_open", f"{quiz.id}|0", user_id="U2", channel_id="C0CHAN",
                    response_url=stub.response_url("answer-U2"))
    assert "Too late" in stub.wait_for_response(name="answer-U2")[0].params["text"]
    services.wait_idle()
    assert stub.calls("views.open") == []
    assert quizzes.answer_count(services.store, quiz.id, 0) == 1


def test_repeated_quizzes_ask_fresh_questions_before_repeating(http_app, stub, services, clock):
    seen = []
    for _ in range(3):
        quiz = start(http_app, stub, services, "1 timer 10")
        seen += quiz.question_ids
        clock.advance(seconds=10)
        tick(services)
    assert len(set(seen)) == 3  # the sample pack's three questions, each once
