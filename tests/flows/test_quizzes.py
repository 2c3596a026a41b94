"""The quiz timer and its edge cases over the real endpoint: `runner.tick(now)` on the injected clock,
restarts, stops racing a reveal, Slack refusing a reveal or a post, late counts, the results message."""

import json
import sqlite3

from bot.app import build_services
from bot.flows.quizzes import QuizRunner
from bot.slack.live_updates import LiveUpdates
from bot.slack.posting import ChannelPacer
from store import quizzes
from tests.conftest import TEAM, HttpApp
from tests.listeners.test_quiz import answer as click
from tests.listeners.test_quiz import start
from tests.support.schemas import assert_valid_message


def runner_for(services):
    """A runner on the same services as the app's (its state is all in the database); never sleeps."""
    return QuizRunner(services, ChannelPacer(sleep=lambda seconds: None))


def questions_posted(stub):
    return [c for c in stub.calls("chat.postMessage") if c.params["text"].startswith("Quiz question")]


def test_tick_reveals_at_the_deadline_then_asks_the_next_question(http_app, stub, services, clock):
    quiz = start(http_app, stub, services, "2 timer 20")
    runner = runner_for(services)
    runner.tick(clock.advance(seconds=19))
    assert len(questions_posted(stub)) == 1 and not stub.calls("chat.update")
    runner.tick(clock.advance(seconds=1))
    services.wait_idle()
    assert [c.params["text"].startswith("Answer:") for c in stub.calls("chat.update")] == [True]
    assert len(questions_posted(stub)) == 2
    assert quizzes.get(services.store, TEAM, quiz.id).current == 1
    runner.tick(clock.now())  # a second tick in the same second changes nothing
    assert len(questions_posted(stub)) == 2 and len(stub.calls("chat.update")) == 1


def test_the_last_thing_a_question_shows_is_its_reveal_never_a_late_count(http_app, stub, services, clock):
    quiz = start(http_app, stub, services, "section 1 timer 10")
    click(http_app, quiz, 0, 0, "U1")
    click(http_app, quiz, 0, 1, "U2")  # within the second: its count is queued, not drawn
    services.wait_idle()
    assert services.live.coalescer.pending() == 1
    runner_for(services).tick(clock.advance(seconds=10))
    services.live.flush(clock.now().timestamp() + 5)  # the queued count comes due after the reveal
    services.wait_idle()
    last = stub.calls("chat.update")[-1]
    assert last.params["text"].startswith("Answer:")
    assert "2 answered" in json.dumps(last.params["blocks"])  # the final count, on the reveal


def test_a_stopped_quiz_asks_no_further_question(http_app, stub, services, clock):
    quiz = start(http_app, stub, services, "3 timer 20")
    http_app.command("/quiz", "stop", user_id="UHOST")
    stub.wait_for_response(count=2)
    services.wait_idle()
    runner_for(services).tick(clock.advance(seconds=60))
    assert len(questions_posted(stub)) == 1
    # a tick that had read the quiz as running just before the stop cannot ask question 2 either
    assert quizzes.open_question(services.store, quiz, 1, clock.now().timestamp()) is None


def test_a_reveal_slack_refused_is_drawn_on_the_next_tick(http_app, stub, services, clock):
    quiz = start(http_app, stub, services, "2 timer 10")
    runner = runner_for(services)
    stub.respond_error("chat.update", "internal_error", times=1)
    runner.tick(clock.advance(seconds=10))
    assert quizzes.asked(services.store, quiz.id, 0).reveal_shown == 0
    assert len(questions_posted(stub)) == 1  # the quiz waits for its reveal
    runner.tick(clock.advance(seconds=1))
    reveal = stub.calls("chat.update")[-1]
    assert reveal.params["text"].startswith("Answer:") and reveal.response["ok"]
    assert len(questions_posted(stub)) == 2


def test_a_reveal_whose_question_message_is_gone_is_posted_anew(http_app, stub, services, clock):
    quiz = start(http_app, stub, services, "section 1 timer 10")
    stub.respond_error("chat.update", "message_not_found")
    runner_for(services).tick(clock.advance(seconds=10))
    posted = [c.params["text"] for c in stub.calls("chat.postMessage")]
    assert posted[-2].startswith("Answer:") and posted[-1].startswith("Quiz results")
    assert quizzes.get(services.store, TEAM, quiz.id).state == "finished"


def test_a_quiz_in_a_channel_the_app_cannot_post_to_ends_at_once(http_app, stub, services):
    stub.respond_error("chat.postMessage", "channel_not_found")
    http_app.command("/quiz", "", user_id="UHOST")
    reply = stub.wait_for_response()[-1].params
    assert "can't post in this channel" in reply["text"] and reply["response_type"] == "ephemeral"
    services.wait_idle()
    assert quizzes.running(services.store, TEAM, "C0CHAN") == []  # the channel is free for another try


def test_a_restart_after_a_long_outage_closes_the_quiz_with_its_results(http_app, stub, services, settings, clock):
    quiz = start(http_app, stub, services, "3 timer 30")
    click(http_app, quiz, 0, 0, "U1")
    services.wait_idle()
    services.store.close()
    clock.advance(hours=2)  # the process was down; nobody is waiting for question 2 any more
    restarted = build_services(settings, clock=clock, live=LiveUpdates(background=False))
    try:
        runner_for(restarted).tick(clock.now())
        assert quizzes.get(restarted.store, TEAM, quiz.id).state == "interrupted"
        assert quizzes.asked(restarted.store, quiz.id, 0).revealed_at is not None
        assert quizzes.asked(restarted.store, quiz.id, 1) is None
        results = stub.calls("chat.postMessage")[-1]
        assert results.params["text"].startswith("Quiz closed early")
        assert_valid_message(results.params)
        runner_for(restarted).tick(clock.advance(minutes=5))
        assert stub.calls("chat.postMessage")[-1] is results  # closed once, nothing after
    finally:
        restarted.store.close()


def test_a_restart_with_a_fresh_app_and_runner_carries_on_where_it_stopped(http_app, stub, services, settings, clock):
    quiz = start(http_app, stub, services, "2 timer 30")
    services.store.close()
    clock.advance(seconds=45)
    restarted = build_services(settings, clock=clock, live=LiveUpdates(background=False))
    app = HttpApp(restarted, stub)  # the new process's endpoint registers its own runner in `timers`
    try:
        for timer in restarted.timers:
            timer()
        assert quizzes.asked(restarted.store, quiz.id, 1) is not None
        assert click(app, quiz, 1, 0, "ULATE").status == 200  # answers reach the resumed question
        restarted.wait_idle()
        assert quizzes.answer_count(restarted.store, quiz.id, 1) == 1
    finally:
        app.close()
        restarted.store.close()


def test_the_estimate_form_is_not_opened_for_a_closed_or_answered_question(http_app, stub, services, clock):
    quiz = start(http_app, stub, services, "section 2 timer 30")
    form = {"estimate": {"estimate_value": {"type": "plain_text_input", "value": "1,000"}}}
    http_app.submit_view("quiz.numeric_view", form, user_id="U1", private_metadata=f"{quiz.id}|0")
    services.wait_idle()
    http_app.action("quiz.numeric_open", f"{quiz.id}|0", user_id="U1", channel_id="C0CHAN",
                    response_url=stub.response_url("click-U1"))
    services.wait_idle()
    texts = [c.params["text"] for c in stub.calls("chat.postEphemeral")]  # the form's answer: no response_url
    texts += [c.params["text"] for c in stub.wait_for_response(name="click-U1")]  # the click's: its response_url
    assert "Locked in: *1,000 million*" in texts[0] and "already locked in" in texts[1]
    assert "800" not in " ".join(texts)  # never the solution
    runner_for(services).tick(clock.advance(seconds=30))
    http_app.action("quiz.numeric_open", f"{quiz.id}|0", user_id="U2", channel_id="C0CHAN",
                    response_url=stub.response_url("click-U2"))
    assert "Too late" in stub.wait_for_response(name="click-U2")[0].params["text"]
    assert not stub.calls("views.open")
    board = quizzes.quiz_leaderboard(services.store, quiz.id)
    assert board == [{"user_id": "U1", "score": 0, "correct": 0, "answered": 1}]  # 1,000 is outside ±100


def test_results_point_at_the_sections_the_channel_missed(http_app, stub, services, clock):
    quiz = start(http_app, stub, services, "3 timer 10")
    runner = runner_for(services)
    for position in range(3):
        question = services.pack(quiz.team_id, quiz.pack_id).question(quiz.question_ids[position])
        if question.section == "s1":
            click(http_app, quiz, position, question.answer, "UKNOWS")  # section 1: known
        services.wait_idle()
        runner.tick(clock.advance(seconds=10))
    results = stub.calls("chat.postMessage")[-1].params
    assert_valid_message(results)
    text = json.dumps(results["blocks"])
    assert "/digest show 2" in text and "/digest show 3" in text and "/digest show 1" not in text


def test_every_quiz_record_carries_its_team(http_app, stub, services, clock):
    quiz = start(http_app, stub, services, "section 1 timer 10")
    click(http_app, quiz, 0, 1, "U1")
    services.wait_idle()
    conn = sqlite3.connect(services.settings.database_path)
    for table in ("quizzes", "quiz_questions", "quiz_answers"):
        assert conn.execute(f"SELECT COUNT(*) FROM {table} WHERE team_id = ?", [TEAM]).fetchone()[0] >= 1
        assert conn.execute(f"SELECT COUNT(*) FROM {table} WHERE team_id != ?", [TEAM]).fetchone()[0] == 0
    conn.close()


def test_where_slack_refuses_tables_the_results_are_a_text_leaderboard(http_app, stub, services, clock):
    quiz = start(http_app, stub, services, "section 1 timer 10")
    click(http_app, quiz, 0, 1, "UWIN")
    services.wait_idle()
    stub.respond_error("chat.postMessage", "invalid_blocks", times=1)
    runner_for(services).tick(clock.advance(seconds=10))
    refused, results = stub.calls("chat.postMessage")[-2:]
    assert any(b["type"] == "table" for b in refused.params["blocks"])
    assert_valid_message(results.params)
    assert not any(b["type"] == "table" for b in results.params["blocks"])
    assert "<@UWIN> · *" in json.dumps(results.params["blocks"], ensure_ascii=False)


def test_help_says_answers_are_final_and_how_points_are_scored(http_app):
    reply = http_app.command("/quiz", "help").json()
    assert_valid_message(reply)
    text = json.dumps(reply)
    assert "first answer is final" in text and "1 + speed" in text and "closeness" in text


def test_quick_check_and_home_start_while_a_quiz_runs_say_so_privately(http_app, stub, services):
    start(http_app, stub, services, "section 1 timer 10")
    http_app.action("home.start_quiz", "C0CHAN", user_id="U2")
    http_app.action("quiz.quick_check", "s2", user_id="U3", channel_id="C0CHAN")
    services.wait_idle()
    said = {c.params["user"]: c.params["text"] for c in stub.calls("chat.postEphemeral")}
    assert "already running" in said["U2"] and "already running" in said["U3"]
    assert len(questions_posted(stub)) == 1


def test_a_stop_racing_a_tick_leaves_no_question_open_and_refuses_later_answers(http_app, stub, services, clock):
    quiz = start(http_app, stub, services, "3 timer 20")
    runner = runner_for(services)
    stale = quizzes.get(services.store, TEAM, quiz.id)  # what /quiz stop read, at question 1
    runner.tick(clock.advance(seconds=20))  # meanwhile a tick reveals question 1 and asks question 2
    assert quizzes.asked(services.store, quiz.id, 1) is not None
    assert runner.finish(stale, "stopped")
    assert quizzes.unrevealed_positions(services.store, quiz.id) == []
    click(http_app, quiz, 1, 0, "ULATE")
    services.wait_idle()
    assert quizzes.answer_count(services.store, quiz.id, 1) == 0
    runner.tick(clock.advance(seconds=60))
    assert len(questions_posted(stub)) == 2  # nothing more was asked


def test_results_that_slack_refused_are_posted_on_a_later_tick(http_app, stub, services, clock):
    quiz = start(http_app, stub, services, "1 timer 10")
    runner = runner_for(services)
    stub.respond("chat.postMessage", {"ok": False, "error": "internal_error"}, times=1)
    runner.tick(clock.advance(seconds=10))  # reveal, then the results post fails
    assert quizzes.get(services.store, TEAM, quiz.id).results_ts is None
    runner.tick(clock.advance(seconds=1))
    assert quizzes.get(services.store, TEAM, quiz.id).results_ts is not None
    assert sum(1 for c in stub.calls("chat.postMessage") if c.params["text"].startswith("Quiz results")
               or "results" in c.params["text"].lower()) >= 1


def test_a_question_whose_post_failed_is_asked_again(http_app, stub, services, clock):
    quiz = start(http_app, stub, services, "2 timer 10")
    runner = runner_for(services)
    stub.respond("chat.postMessage", {"ok": False, "error": "internal_error"}, times=1)
    runner.tick(clock.advance(seconds=10))  # reveal 1, asking 2 fails
    assert quizzes.asked(services.store, quiz.id, 1) is None
    runner.tick(clock.advance(seconds=1))
    asked = quizzes.asked(services.store, quiz.id, 1)
    assert asked is not None and asked.ts is not None
