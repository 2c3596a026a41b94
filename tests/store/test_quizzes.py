"""Quiz records in a real SQLite file: simultaneous answers, repeat answers, late answers, one quiz per channel."""

import threading

from store import open_store, quizzes

QUESTIONS = ["q-code-red-weeks", "q-weekly-users"]


def new_quiz(store, channel="C1", now=1000.0):
    return quizzes.start(store, team_id="T1", channel_id=channel, host="UHOST", pack_id="sample", language="en",
                         question_ids=QUESTIONS, timer_s=45, now=now)


def test_300_simultaneous_answers_make_300_rows_and_repeats_count_once(tmp_path):
    store = open_store(tmp_path / "bot.db")
    quiz = new_quiz(store)
    quizzes.open_question(store, quiz, 0, 1000.0)
    players = [f"U{n:03d}" for n in range(300)]
    repeaters = players[:50]  # these click twice, at the same moment as everyone else
    barrier = threading.Barrier(len(players) + len(repeaters))
    statuses: list[tuple[str, str]] = []
    lock = threading.Lock()

    def play(user, pick):
        barrier.wait()
        result = quizzes.answer(store, team_id="T1", quiz_id=quiz.id, position=0, user_id=user,
                                answer_text=pick, correct=pick == "1", score=120 if pick == "1" else 0, now=1010.0)
        with lock:
            statuses.append((user, result.status))

    threads = [threading.Thread(target=play, args=(u, str(i % 4))) for i, u in enumerate(players)]
    threads += [threading.Thread(target=play, args=(u, "1")) for u in repeaters]
    [t.start() for t in threads]
    [t.join() for t in threads]

    assert quizzes.answer_count(store, quiz.id, 0) == 300
    assert sorted(s for _, s in statuses) == ["already"] * 50 + ["locked"] * 300
    board = quizzes.quiz_leaderboard(store, quiz.id)
    assert len(board) == 300 and all(row["answered"] == 1 for row in board)
    locked_users = [u for u, s in statuses if s == "locked"]
    assert sorted(locked_users) == players  # every player got exactly one answer in


def test_answers_after_the_reveal_or_the_deadline_are_refused(tmp_path):
    store = open_store(tmp_path / "bot.db")
    quiz = new_quiz(store)
    quizzes.open_question(store, quiz, 0, 1000.0)
    late = dict(team_id="T1", quiz_id=quiz.id, position=0, answer_text="1", correct=True, score=100)
    assert quizzes.answer(store, user_id="ULATE", now=1045.5, **late).status == "closed"  # timer ran out
    assert quizzes.reveal(store, quiz.id, 0, 1040.0)
    assert not quizzes.reveal(store, quiz.id, 0, 1041.0)  # a second reveal does nothing
    assert quizzes.answer(store, user_id="UAFTER", now=1040.5, **late).status == "closed"
    assert quizzes.answer(store, user_id="U1", position=1, now=1040.5,
                          **{k: v for k, v in late.items() if k != "position"}).status == "unknown"  # not asked
    assert quizzes.answer_count(store, quiz.id, 0) == 0


def test_one_running_quiz_per_channel_and_what_a_channel_has_been_asked(tmp_path):
    store = open_store(tmp_path / "bot.db")
    quiz = new_quiz(store)
    assert new_quiz(store) is None
    assert new_quiz(store, channel="C2") is not None  # other channels are independent
    quizzes.open_question(store, quiz, 0, 1000.0)
    assert quizzes.open_question(store, quiz, 0, 1001.0) is None  # a racing tick asks nothing twice
    assert quizzes.asked_in_channel(store, "T1", "C1") == {"q-code-red-weeks"}
    assert quizzes.finish(store, quiz.id, "finished", 1100.0)
    assert not quizzes.finish(store, quiz.id, "stopped", 1101.0)  # ends once
    assert new_quiz(store) is not None  # and the channel is free again


def test_leaderboards_per_quiz_and_all_time(tmp_path):
    store = open_store(tmp_path / "bot.db")
    for round_, (winner_score, other_score) in enumerate([(150, 100), (0, 120)]):
        quiz = new_quiz(store, now=1000.0 + round_ * 1000)
        quizzes.open_question(store, quiz, 0, quiz.started_at)
        for user, score in (("UA", winner_score), ("UB", other_score)):
            quizzes.answer(store, team_id="T1", quiz_id=quiz.id, position=0, user_id=user, answer_text="1",
                           correct=score > 0, score=score, now=quiz.started_at + 5)
        quizzes.finish(store, quiz.id, "finished", quiz.started_at + 60)
        if round_ == 1:
            assert [r["user_id"] for r in quizzes.quiz_leaderboard(store, quiz.id)] == ["UB", "UA"]
    all_time = quizzes.channel_leaderboard(store, "T1", "C1")
    assert [(r["user_id"], r["score"], r["quizzes"]) for r in all_time] == [("UB", 220, 2), ("UA", 150, 2)]
    assert quizzes.channel_leaderboard(store, "T1", "COTHER") == []


def test_an_answer_the_grader_does_not_know_is_refused_and_not_stored(tmp_path):
    store = open_store(tmp_path / "bot.db")
    quiz = new_quiz(store)
    quizzes.open_question(store, quiz, 0, 1000.0)
    click = dict(team_id="T1", quiz_id=quiz.id, position=0, user_id="U1", answer_text="9", now=1010.0)
    assert quizzes.answer(store, grade=lambda *asked: None, **click).status == "unknown"
    assert quizzes.answer_count(store, quiz.id, 0) == 0
    # the same person can still answer properly: the refused click took nothing
    assert quizzes.answer(store, grade=lambda *asked: (False, 0), **{**click, "answer_text": "2"}).status == "locked"
    assert quizzes.answer_count(store, quiz.id, 0) == 1


def test_the_graders_verdict_is_what_is_stored_and_it_grades_from_the_asked_question(tmp_path):
    store = open_store(tmp_path / "bot.db")
    quiz = new_quiz(store)
    quizzes.open_question(store, quiz, 0, 1000.0)
    graded: list[tuple] = []

    def grade(pack_id, question_id, elapsed, timer_s):
        graded.append((pack_id, question_id, elapsed, timer_s))
        return True, 137

    result = quizzes.answer(store, team_id="T1", quiz_id=quiz.id, position=0, user_id="U1", answer_text="1",
                            now=1012.5, correct=False, score=0, grade=grade)  # the grader's verdict wins
    assert result.status == "locked"
    assert graded == [("sample", "q-code-red-weeks", 12.5, 45)]
    row = store.row("SELECT answer, correct, score, elapsed FROM quiz_answers WHERE user_id = 'U1'")
    assert row == {"answer": "1", "correct": 1, "score": 137, "elapsed": 12.5}
    assert [(r["user_id"], r["score"]) for r in quizzes.quiz_leaderboard(store, quiz.id)] == [("U1", 137)]
    # a second answer from the same person is refused, however the grader would have scored it
    again = quizzes.answer(store, team_id="T1", quiz_id=quiz.id, position=0, user_id="U1", answer_text="2",
                           now=1013.0, grade=lambda *asked: (True, 150))
    assert again.status == "already"
    assert quizzes.quiz_leaderboard(store, quiz.id)[0]["score"] == 137


def summed_from_answers(store, team_id):
    """What the totals must equal: the answers themselves, summed (the queries before m003_quiz_score_totals)."""
    per_channel = {(r["channel_id"], r["user_id"]): (r["score"], r["correct"], r["answered"], r["quizzes"])
                   for r in store.rows(
        "SELECT q.channel_id, a.user_id, SUM(a.score) AS score, SUM(a.correct) AS correct, COUNT(*) AS answered, "
        "COUNT(DISTINCT a.quiz_id) AS quizzes FROM quiz_answers a JOIN quizzes q ON q.id = a.quiz_id "
        "WHERE a.team_id = ? GROUP BY 1, 2", [team_id])}
    kept = {(r["channel_id"], r["user_id"]): (r["score"], r["correct"], r["answered"], r["quizzes"])
            for r in store.rows("SELECT * FROM quiz_totals WHERE team_id = ?", [team_id])}
    return per_channel, kept


def test_kept_totals_follow_every_answer_added_and_forgotten(tmp_path):
    from store import privacy, teams

    store = open_store(tmp_path / "bot.db")
    for channel, now in (("C1", 1000.0), ("C2", 2000.0), ("C1", 3000.0)):
        quiz = new_quiz(store, channel=channel, now=now)
        for position in (0, 1):
            quizzes.open_question(store, quiz, position, now)
            for n, user in enumerate(["UANN", "UBEN", "UCAT"][:3 - position]):
                quizzes.answer(store, team_id="T1", quiz_id=quiz.id, position=position, user_id=user,
                               answer_text="1", correct=n != 1, score=100 + n if n != 1 else 0, now=now + 1)
        quizzes.finish(store, quiz.id, "finished", now + 60)
    per_channel, kept = summed_from_answers(store, "T1")
    assert kept == per_channel and kept[("C1", "UANN")] == (400, 4, 4, 2)
    assert quizzes.user_rank(store, "T1", "UCAT") == (102 * 3, 2)  # three answers; UANN's 600 is ahead
    assert [r["user_id"] for r in quizzes.workspace_leaderboard(store, "T1")] == ["UANN", "UCAT", "UBEN"]
    assert [(r["user_id"], r["score"]) for r in quizzes.workspace_leaderboard(store, "T1", channels={"C2"})] == [
        ("UANN", 200), ("UCAT", 102), ("UBEN", 0)]
    assert quizzes.channel_leaderboard(store, "T1", "C1")[0] == {
        "user_id": "UANN", "score": 400, "correct": 4, "answered": 4, "quizzes": 2}

    privacy.forget_user(store, "UANN", "T1")
    per_channel, kept = summed_from_answers(store, "T1")
    assert kept == per_channel and not any(user == "UANN" for _, user in kept)
    assert quizzes.user_rank(store, "T1", "UANN") is None and quizzes.user_rank(store, "T1", "UCAT") == (306, 1)
    teams.forget_team(store, "T1")
    assert store.value("SELECT COUNT(*) FROM quiz_totals") == store.value("SELECT COUNT(*) FROM quiz_user_totals") == 0


def test_home_s_rank_and_leaderboards_read_the_totals_not_the_answers(tmp_path):
    store = open_store(tmp_path / "bot.db")
    asked: list[str] = []
    store.before_reading_responses = lambda: None
    real_rows, real_value = store.rows, store.value
    store.rows = lambda sql, params=(): asked.append(sql) or real_rows(sql, params)
    store.value = lambda sql, params=(): asked.append(sql) or real_value(sql, params)
    quizzes.user_rank(store, "T1", "U1")
    store.row = lambda sql, params=(): asked.append(sql) or (real_rows(sql, params) or [{"score": 5}])[0]
    quizzes.user_rank(store, "T1", "U1")
    quizzes.workspace_leaderboard(store, "T1")
    quizzes.workspace_leaderboard(store, "T1", channels={"C1", "C2"})
    quizzes.channel_leaderboard(store, "T1", "C1")
    assert len(asked) == 6 and not any("quiz_answers" in sql for sql in asked)
    for sql in asked:  # each one a search of an index on the workspace, never a scan
        plan = [r["detail"] for r in real_rows("EXPLAIN QUERY PLAN " + sql, ["T1"] + ["C1"] * (sql.count("?") - 1))]
        assert plan[0].startswith("SEARCH quiz_") and "USING" in plan[0] and "(team_id=?" in plan[0], plan


def test_an_upgrade_fills_the_totals_from_the_answers_already_stored(tmp_path):
    store = open_store(tmp_path / "bot.db")
    for channel in ("C1", "C2"):
        quiz = new_quiz(store, channel=channel)
        quizzes.open_question(store, quiz, 0, 1000.0)
        for n, user in enumerate(["UANN", "UBEN"]):
            quizzes.answer(store, team_id="T1", quiz_id=quiz.id, position=0, user_id=user, answer_text="1",
                           correct=True, score=100 + n, now=1001.0)
        quizzes.finish(store, quiz.id, "finished", 1100.0)
    with store.write():  # the database as it was before m003_quiz_score_totals
        for statement in ("DROP TRIGGER quiz_totals_when_answered", "DROP TRIGGER quiz_totals_when_forgotten",
                          "DROP TABLE quiz_totals", "DROP TABLE quiz_user_totals"):
            store.write_one(statement)
        store.write_one("DELETE FROM _sqlite_migrations WHERE migration_set = 'quizzes' AND name = ?",
                        ["m003_quiz_score_totals"])
    store.close()
    upgraded = open_store(tmp_path / "bot.db")
    per_channel, kept = summed_from_answers(upgraded, "T1")
    assert kept == per_channel and len(kept) == 4
    assert quizzes.user_rank(upgraded, "T1", "UBEN") == (202, 1)
