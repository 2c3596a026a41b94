"""Quizzes, their questions (with deadlines, so timers survive a restart) and answers.

An answer is keyed by (quiz, position, user): the primary key makes a burst of simultaneous answers
count each person once, and the reveal check runs in the same write transaction, so nothing is accepted
after a question has been revealed. One running quiz per channel is a unique partial index.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from store import teams
from store.db import Row, Store, inserted_id, still_there

migrations = Migrations("quizzes")


@migrations()
def m001_create_quizzes(db: Database) -> None:
    db.execute(
        """
        CREATE TABLE quizzes (
            id INTEGER PRIMARY KEY,
            team_id TEXT NOT NULL,
            channel_id TEXT NOT NULL,
            host TEXT NOT NULL,
            pack_id TEXT NOT NULL,
            language TEXT NOT NULL,
            question_ids TEXT NOT NULL,      -- JSON list, in asking order
            timer_s INTEGER NOT NULL,
            current INTEGER NOT NULL DEFAULT 0,
            state TEXT NOT NULL,             -- running | finished | stopped
            started_at REAL NOT NULL,
            finished_at REAL,
            results_ts TEXT
        )
        """
    )
    db.execute("CREATE UNIQUE INDEX one_running_quiz ON quizzes(team_id, channel_id) WHERE state = 'running'")
    db.execute(
        """
        CREATE TABLE quiz_questions (
            quiz_id INTEGER NOT NULL REFERENCES quizzes(id),
            position INTEGER NOT NULL,
            question_id TEXT NOT NULL,
            ts TEXT,
            opened_at REAL NOT NULL,
            deadline REAL NOT NULL,
            revealed_at REAL,
            PRIMARY KEY (quiz_id, position)
        )
        """
    )
    db.execute(
        """
        CREATE TABLE quiz_answers (
            quiz_id INTEGER NOT NULL REFERENCES quizzes(id),
            position INTEGER NOT NULL,
            user_id TEXT NOT NULL,
            team_id TEXT NOT NULL,
            answer TEXT NOT NULL,
            correct INTEGER NOT NULL,
            score INTEGER NOT NULL,
            elapsed REAL NOT NULL,
            answered_at REAL NOT NULL,
            PRIMARY KEY (quiz_id, position, user_id)
        )
        """
    )


@migrations()
def m002_question_team_ids(db: Database) -> None:
    """Every record carries team_id: asked questions too, filled in from their quiz. `reveal_shown` records
    that the reveal reached the channel, so one that Slack refused is drawn again on the next tick."""
    db.execute("ALTER TABLE quiz_questions ADD COLUMN team_id TEXT NOT NULL DEFAULT ''")
    db.execute("UPDATE quiz_questions SET team_id = (SELECT q.team_id FROM quizzes q WHERE q.id = quiz_id)")
    db.execute("ALTER TABLE quiz_questions ADD COLUMN reveal_shown INTEGER NOT NULL DEFAULT 0")
    db.execute("UPDATE quiz_questions SET reveal_shown = 1 WHERE revealed_at IS NOT NULL")
    db.execute("CREATE INDEX quizzes_by_channel ON quizzes(team_id, channel_id)")


@migrations()
def m003_quiz_score_totals(db: Database) -> None:
    """Points per player, kept by SQLite as answers come and go, for Home and `/quiz scores`.

    Home's rank and the workspace leaderboard summed every answer of the workspace at each opening (1M
    answers: 168 and 69 ms). Measured against an index on quiz_answers(team_id, user_id, score), which
    brought the rank to 1.8 ms but left the leaderboard over the viewer's channels at 10 ms, the totals
    read in 0.03 and 0.9 ms, and stay there however the answers are spread (bench.data_growth). Triggers
    keep them, so no code path can forget to: an answer added (`answer`), deleted (`forget_user`,
    `forget_team`); answers are never changed. `quizzes` counts the quizzes a player answered in.
    """
    db.execute(
        """
        CREATE TABLE quiz_totals (
            team_id TEXT NOT NULL,
            channel_id TEXT NOT NULL,
            user_id TEXT NOT NULL,
            score INTEGER NOT NULL,
            correct INTEGER NOT NULL,
            answered INTEGER NOT NULL,
            quizzes INTEGER NOT NULL,
            PRIMARY KEY (team_id, channel_id, user_id)
        )
        """
    )
    db.execute(
        """
        CREATE TABLE quiz_user_totals (
            team_id TEXT NOT NULL,
            user_id TEXT NOT NULL,
            score INTEGER NOT NULL,
            correct INTEGER NOT NULL,
            answered INTEGER NOT NULL,
            PRIMARY KEY (team_id, user_id)
        )
        """
    )
    db.execute("CREATE INDEX quiz_user_totals_rank ON quiz_user_totals(team_id, score, correct)")
    db.execute(
        """
        CREATE TRIGGER quiz_totals_when_answered AFTER INSERT ON quiz_answers BEGIN
            INSERT INTO quiz_totals (team_id, channel_id, user_id, score, correct, answered, quizzes)
            SELECT NEW.team_id, q.channel_id, NEW.user_id, NEW.score, NEW.correct, 1, 1 FROM quizzes q
            WHERE q.id = NEW.quiz_id
            ON CONFLICT (team_id, channel_id, user_id) DO UPDATE SET
                score = score + excluded.score, correct = correct + excluded.correct, answered = answered + 1,
                quizzes = quizzes + NOT EXISTS (SELECT 1 FROM quiz_answers a WHERE a.quiz_id = NEW.quiz_id
                                                AND a.user_id = NEW.user_id AND a.position <> NEW.position);
            INSERT INTO quiz_user_totals (team_id, user_id, score, correct, answered)
            VALUES (NEW.team_id, NEW.user_id, NEW.score, NEW.correct, 1)
            ON CONFLICT (team_id, user_id) DO UPDATE SET
                score = score + excluded.score, correct = correct + excluded.correct, answered = answered + 1;
        END
        """
    )
    db.execute(
        """
        CREATE TRIGGER quiz_totals_when_forgotten AFTER DELETE ON quiz_answers BEGIN
            UPDATE quiz_totals SET score = score - OLD.score, correct = correct - OLD.correct,
                answered = answered - 1,
                quizzes = quizzes - NOT EXISTS (SELECT 1 FROM quiz_answers a WHERE a.quiz_id = OLD.quiz_id
                                                AND a.user_id = OLD.user_id)
            WHERE team_id = OLD.team_id AND user_id = OLD.user_id
              AND channel_id = (SELECT channel_id FROM quizzes WHERE id = OLD.quiz_id);
            DELETE FROM quiz_totals WHERE team_id = OLD.team_id AND user_id = OLD.user_id AND answered <= 0;
            UPDATE quiz_user_totals SET score = score - OLD.score, correct = correct - OLD.correct,
                answered = answered - 1
            WHERE team_id = OLD.team_id AND user_id = OLD.user_id;
            DELETE FROM quiz_user_totals WHERE team_id = OLD.team_id AND user_id = OLD.user_id AND answered <= 0;
        END
        """
    )
    db.execute(
        "INSERT INTO quiz_totals (team_id, channel_id, user_id, score, correct, answered, quizzes) "
        "SELECT a.team_id, q.channel_id, a.user_id, SUM(a.score), SUM(a.correct), COUNT(*), COUNT(DISTINCT a.quiz_id) "
        "FROM quiz_answers a JOIN quizzes q ON q.id = a.quiz_id GROUP BY a.team_id, q.channel_id, a.user_id")
    db.execute(
        "INSERT INTO quiz_user_totals (team_id, user_id, score, correct, answered) "
        "SELECT team_id, user_id, SUM(score), SUM(correct), COUNT(*) FROM quiz_answers GROUP BY team_id, user_id")


@migrations()
def m003_timers_index_quiz_states(db: Database) -> None:
    """The once-a-second timer reads only the quizzes it drives (`running`, `unreported`) from partial
    indexes that hold nothing else, constant in history (https://www.sqlite.org/partialindex.html: the
    queries repeat the indexes' WHERE terms)."""
    db.execute("CREATE INDEX quizzes_running ON quizzes(id) WHERE state = 'running'")
    db.execute("CREATE INDEX quizzes_unreported ON quizzes(id) "
               "WHERE state IN ('finished', 'stopped', 'interrupted') AND results_ts IS NULL")


@dataclass(frozen=True)
class Quiz:
    id: int
    team_id: str
    channel_id: str
    host: str
    pack_id: str
    language: str
    question_ids: list[str]
    timer_s: int
    current: int
    state: str
    started_at: float
    finished_at: float | None
    results_ts: str | None


@dataclass(frozen=True)
class AskedQuestion:
    quiz_id: int
    position: int
    question_id: str
    ts: str | None
    opened_at: float
    deadline: float
    revealed_at: float | None
    team_id: str
    reveal_shown: int


def _quiz(row: Row) -> Quiz:
    return Quiz(**{**row, "question_ids": json.loads(row["question_ids"])})


def start(store: Store, *, team_id: str, channel_id: str, host: str, pack_id: str, language: str,
          question_ids: list[str], timer_s: int, now: float) -> Quiz | None:
    """A new running quiz; None if the channel already has one running."""
    try:
        cursor = store.write_one(
            "INSERT INTO quizzes (team_id, channel_id, host, pack_id, language, question_ids, timer_s, state, "
            "started_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'running', ?)",
            [team_id, channel_id, host, pack_id, language, json.dumps(question_ids), timer_s, now],
        )
    except sqlite3.IntegrityError:
        return None
    return still_there(get(store, team_id, inserted_id(cursor)), "the new quiz")


def get(store: Store, team_id: str, quiz_id: int) -> Quiz | None:
    row = store.row("SELECT * FROM quizzes WHERE team_id = ? AND id = ?", [team_id, quiz_id])
    return None if row is None else _quiz(row)


def running(store: Store, team_id: str | None = None, channel_id: str | None = None) -> list[Quiz]:
    """Running quizzes of one workspace (or channel); without a team, those the timer drives: none of a
    workspace that uninstalled the app (store/teams.py)."""
    sql, params = "SELECT * FROM quizzes WHERE state = 'running'", list[str]()
    if team_id is None:
        sql += f" AND {teams.PRESENT}"
    else:
        sql, params = sql + " AND team_id = ?", params + [team_id]
    if channel_id is not None:
        sql, params = sql + " AND channel_id = ?", params + [channel_id]
    return [_quiz(r) for r in store.rows(sql + " ORDER BY id", params)]


def open_question(store: Store, quiz: Quiz, position: int, now: float) -> AskedQuestion | None:
    """Record question `position` as asked (deadline from now).

    None if it already was (a racing tick) or the quiz is no longer running (stopped while a tick was
    between the reveal and the next question): a stopped quiz never asks another question.
    """
    try:
        cursor = store.write_one(
            "INSERT INTO quiz_questions (quiz_id, team_id, position, question_id, opened_at, deadline) "
            "SELECT id, team_id, ?, ?, ?, ? FROM quizzes WHERE id = ? AND state = 'running'",
            [position, quiz.question_ids[position], now, now + quiz.timer_s, quiz.id],
        )
    except sqlite3.IntegrityError:
        return None
    return asked(store, quiz.id, position) if cursor.rowcount == 1 else None


def record_question_ts(store: Store, quiz_id: int, position: int, ts: str) -> None:
    store.write_one("UPDATE quiz_questions SET ts = ? WHERE quiz_id = ? AND position = ?", [ts, quiz_id, position])


def asked(store: Store, quiz_id: int, position: int) -> AskedQuestion | None:
    row = store.row("SELECT * FROM quiz_questions WHERE quiz_id = ? AND position = ?", [quiz_id, position])
    return None if row is None else AskedQuestion(**row)


def reveal(store: Store, quiz_id: int, position: int, now: float) -> bool:
    """True for the one caller that reveals the question (ticks may race across processes)."""
    cursor = store.write_one(
        "UPDATE quiz_questions SET revealed_at = ? WHERE quiz_id = ? AND position = ? AND revealed_at IS NULL",
        [now, quiz_id, position],
    )
    return cursor.rowcount == 1


def mark_reveal_shown(store: Store, quiz_id: int, position: int) -> None:
    store.write_one("UPDATE quiz_questions SET reveal_shown = 1 WHERE quiz_id = ? AND position = ?",
                    [quiz_id, position])


def advance(store: Store, quiz_id: int, to_position: int) -> None:
    store.write_one("UPDATE quizzes SET current = ? WHERE id = ? AND current < ?", [to_position, quiz_id, to_position])


def finish(store: Store, quiz_id: int, state: str, now: float) -> bool:
    cursor = store.write_one(
        "UPDATE quizzes SET state = ?, finished_at = ? WHERE id = ? AND state = 'running'", [state, now, quiz_id]
    )
    return cursor.rowcount == 1


def record_results_ts(store: Store, quiz_id: int, ts: str) -> None:
    store.write_one("UPDATE quizzes SET results_ts = ? WHERE id = ?", [ts, quiz_id])


@dataclass(frozen=True)
class AnswerResult:
    status: str  # locked | already | closed | unknown


def _asked_for_answers(store: Store, team_id: str, quiz_id: int, position: int) -> tuple[str, str, float, int] | None:
    """(pack_id, question_id, opened_at, timer_s) of an asked question: none changes once it is posted
    (see `Store.settled_row`)."""
    row = store.settled_row(
        "SELECT q.pack_id, a.question_id, a.opened_at, q.timer_s, a.ts FROM quizzes q "
        "JOIN quiz_questions a ON a.quiz_id = q.id AND a.position = ? WHERE q.team_id = ? AND q.id = ?",
        [position, team_id, quiz_id])
    return None if row is None else (row["pack_id"], row["question_id"], row["opened_at"], row["timer_s"])


# open at the moment of the answer (`?` three times): an answer journaled before a reveal or a stop
# counts when it is applied after it
_OPEN_AT = ("(a.revealed_at IS NULL OR a.revealed_at > ?) AND a.deadline >= ? "
            "AND (q.state = 'running' OR q.finished_at > ?)")
_LOCK_IN = (
    "INSERT INTO quiz_answers (quiz_id, position, user_id, team_id, answer, correct, score, elapsed, answered_at) "
    "SELECT a.quiz_id, a.position, ?, q.team_id, ?, ?, ?, ?, ? "
    "FROM quiz_questions a JOIN quizzes q ON q.id = a.quiz_id "
    "WHERE a.quiz_id = ? AND a.position = ? AND q.team_id = ? AND " + _OPEN_AT + " ON CONFLICT DO NOTHING"
)


def answer(store: Store, *, team_id: str, quiz_id: int, position: int, user_id: str, answer_text: str,
           now: float, correct: bool = False, score: int = 0,
           grade: Callable[[str, str, float, int], tuple[bool, int] | None] | None = None) -> AnswerResult:
    """Lock in one answer: stored once per person and question, and only while the question is open.

    Answers are applied from the click journal after the burst (bot/ingest/clicks.py), possibly after the
    reveal: "open" means open at `now`, the moment the answer was given. The write is one statement that
    checks that and inserts the answer (see `Store.write_one`); only an answer that is not taken reads,
    to say why. `grade(pack_id, question_id, elapsed, timer_s)`, when given, scores the
    answer (None: the answer or the question is not one the pack knows); otherwise `correct` and `score`
    are stored.
    """
    asked = _asked_for_answers(store, team_id, quiz_id, position)
    if asked is None:
        return AnswerResult("unknown")
    pack_id, question_id, opened_at, timer_s = asked
    elapsed = max(0.0, now - opened_at)
    if grade is not None:
        graded = grade(pack_id, question_id, elapsed, timer_s)
        if graded is None:
            return AnswerResult("unknown")
        correct, score = graded
    if store.write_one(_LOCK_IN, [user_id, answer_text, int(correct), score, elapsed, now, quiz_id, position, team_id,
                                  now, now, now]).rowcount:
        return AnswerResult("locked")
    still_open = store.row(
        "SELECT 1 FROM quiz_questions a JOIN quizzes q ON q.id = a.quiz_id WHERE a.quiz_id = ? AND a.position = ? "
        "AND " + _OPEN_AT, [quiz_id, position, now, now, now])
    return AnswerResult("already" if still_open else "closed")  # too late comes first, as the estimate form says


def unrevealed_positions(store: Store, quiz_id: int) -> list[int]:
    return [r["position"] for r in store.rows(
        "SELECT position FROM quiz_questions WHERE quiz_id = ? AND revealed_at IS NULL ORDER BY position", [quiz_id])]


def forget_question(store: Store, quiz_id: int, position: int) -> None:
    """An asked question whose message never reached Slack (and so has no answers)."""
    store.write_one("DELETE FROM quiz_questions WHERE quiz_id = ? AND position = ? AND ts IS NULL",
                    [quiz_id, position])


def unreported(store: Store) -> list[Quiz]:
    """Quizzes that ended (not abandoned) but whose results message was never posted."""
    return [_quiz(r) for r in store.rows(
        "SELECT * FROM quizzes WHERE state IN ('finished', 'stopped', 'interrupted') AND results_ts IS NULL "
        f"AND {teams.PRESENT} ORDER BY id")]


def answer_of(store: Store, quiz_id: int, position: int, user_id: str) -> str | None:
    """What `user_id` answered (their locked-in answer), or None."""
    row = store.row("SELECT answer FROM quiz_answers WHERE quiz_id = ? AND position = ? AND user_id = ?",
                    [quiz_id, position, user_id])
    return None if row is None else row["answer"]


def asked_in_channel(store: Store, team_id: str, channel_id: str) -> set[str]:
    """Ids of every question a quiz in this channel has put to it (for choosing fresh ones next time)."""
    rows = store.rows(
        "SELECT DISTINCT qq.question_id FROM quiz_questions qq JOIN quizzes q ON q.id = qq.quiz_id "
        "WHERE q.team_id = ? AND q.channel_id = ?", [team_id, channel_id])
    return {row["question_id"] for row in rows}


def answer_count(store: Store, quiz_id: int, position: int) -> int:
    return int(store.value("SELECT COUNT(*) FROM quiz_answers WHERE quiz_id = ? AND position = ?",
                           [quiz_id, position]))


def question_stats(store: Store, quiz_id: int, position: int) -> Row:
    """answered, correct, and the fastest correct answer (user, seconds)."""
    rows = store.rows(
        "SELECT COUNT(*) AS answered, COALESCE(SUM(correct), 0) AS correct FROM quiz_answers "
        "WHERE quiz_id = ? AND position = ?", [quiz_id, position])
    stats = dict(next(iter(rows)))
    fastest = store.rows(
        "SELECT user_id, elapsed FROM quiz_answers WHERE quiz_id = ? AND position = ? AND correct = 1 "
        "ORDER BY elapsed, answered_at LIMIT 1", [quiz_id, position])
    stats["fastest"] = next(iter(fastest), None)
    return stats


def quiz_leaderboard(store: Store, quiz_id: int) -> list[Row]:
    return (store.rows(
        "SELECT user_id, SUM(score) AS score, SUM(correct) AS correct, COUNT(*) AS answered FROM quiz_answers "
        "WHERE quiz_id = ? GROUP BY user_id ORDER BY score DESC, correct DESC, MIN(answered_at)", [quiz_id]))


def channel_leaderboard(store: Store, team_id: str, channel_id: str, limit: int = 10) -> list[Row]:
    """`/quiz scores`: the channel's all-time top players, from the kept totals (m003_quiz_score_totals)."""
    return store.rows(
        "SELECT user_id, score, correct, answered, quizzes FROM quiz_totals WHERE team_id = ? AND channel_id = ? "
        f"ORDER BY score DESC, correct DESC LIMIT {int(limit)}", [team_id, channel_id])


def workspace_leaderboard(store: Store, team_id: str, limit: int = 10, channels: set[str] | None = None) -> list[Row]:
    """Top players across the workspace, or across `channels` only (what a viewer may see), from the totals."""
    if channels is None:
        return store.rows("SELECT user_id, score, correct FROM quiz_user_totals WHERE team_id = ? "
                          f"ORDER BY score DESC, correct DESC LIMIT {int(limit)}", [team_id])
    marks = ", ".join("?" for _ in channels) or "NULL"
    return store.rows(
        "SELECT user_id, SUM(score) AS score, SUM(correct) AS correct FROM quiz_totals "
        f"WHERE team_id = ? AND channel_id IN ({marks}) GROUP BY user_id "
        f"ORDER BY score DESC, correct DESC LIMIT {int(limit)}", [team_id, *sorted(channels)])


def user_rank(store: Store, team_id: str, user_id: str) -> tuple[int, int] | None:
    """(points, rank) of a user across the workspace, or None if they never answered."""
    mine = store.row("SELECT score FROM quiz_user_totals WHERE team_id = ? AND user_id = ?", [team_id, user_id])
    if mine is None:
        return None
    ahead = store.value("SELECT COUNT(*) FROM quiz_user_totals WHERE team_id = ? AND score > ?",
                        [team_id, mine["score"]])
    return mine["score"], ahead + 1


def accuracy_by_question(store: Store, team_id: str, channel_id: str, pack_id: str) -> dict[str, tuple[int, int]]:
    """question_id → (answers, right answers) over every quiz of the channel on this pack (the team report)."""
    rows = store.rows(
        "SELECT qq.question_id, COUNT(*) AS answers, SUM(a.correct) AS right FROM quiz_answers a "
        "JOIN quizzes q ON q.id = a.quiz_id "
        "JOIN quiz_questions qq ON qq.quiz_id = a.quiz_id AND qq.position = a.position "
        "WHERE q.team_id = ? AND q.channel_id = ? AND q.pack_id = ? GROUP BY qq.question_id",
        [team_id, channel_id, pack_id])
    return {r["question_id"]: (r["answers"], r["right"] or 0) for r in rows}
