"""Running quizzes: ask, take answers, reveal on the timer, move on, post results.

Deadlines live in SQLite, and `tick()` does whatever is due at the clock's `now`: reveal questions whose
time is up, ask the next one, finish the quiz. The scheduler calls it every second; after a restart the
first tick reveals whatever ran out while the process was down and carries on, so no question is ever
left open. Reveals and finishes are conditional updates, so two processes ticking at once act once.
"""

from __future__ import annotations

import logging

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.blocks.quiz import question_message, results_message, reveal_message
from bot.posting import ChannelPacer, error_code, post_to_channel, with_block_fallback
from bot.quiz import parse_number, score_choice, score_numeric
from bot.services import Services
from bot.text import is_number
from store import quizzes

log = logging.getLogger(__name__)


class QuizRunner:
    def __init__(self, services: Services, pacer: ChannelPacer):
        self.services = services
        self.pacer = pacer

    def now(self) -> float:
        return self.services.clock.now().timestamp()

    # -- starting and asking ----------------------------------------------------------------------
    def start(self, *, team_id: str, channel_id: str, host: str, language: str, question_ids: list[str],
              timer_s: int, pack_id: str | None = None) -> quizzes.Quiz | None:
        pack = self.services.pack(pack_id)
        quiz = quizzes.start(self.services.store, team_id=team_id, channel_id=channel_id, host=host,
                             pack_id=pack.pack.id, language=language, question_ids=question_ids, timer_s=timer_s,
                             now=self.now())
        if quiz is not None:
            self.ask(quiz, 0)
        return quiz

    def ask(self, quiz: quizzes.Quiz, position: int) -> None:
        asked = quizzes.open_question(self.services.store, quiz, position, self.now())
        if asked is None:
            return  # another process asked it
        ts = post_to_channel(self.services.client_for(quiz.team_id), self.pacer, quiz.channel_id,
                             self.draw_question(quiz, position))
        quizzes.record_question_ts(self.services.store, quiz.id, position, ts)

    def draw_question(self, quiz: quizzes.Quiz, position: int) -> dict:
        pack = self.services.pack(quiz.pack_id)
        question = pack.question(quiz.question_ids[position])
        return question_message(pack, question, quiz_id=quiz.id, position=position, total=len(quiz.question_ids),
                                language=quiz.language, timer_s=quiz.timer_s,
                                answered=quizzes.answer_count(self.services.store, quiz.id, position))

    # -- answers -------------------------------------------------------------------------------------
    def record_answer(self, *, team_id: str, quiz_id: int, position: int, user_id: str, raw_answer: str) -> str:
        """Score and store one answer, before the acknowledgement: an acknowledged answer is never lost.

        Returns locked | already | closed | unknown.
        """
        quiz = quizzes.get(self.services.store, team_id, quiz_id)
        asked = quizzes.asked(self.services.store, quiz_id, position)
        if quiz is None or asked is None:
            return "unknown"
        question = self.services.pack(quiz.pack_id).question(asked.question_id)
        now = self.now()
        elapsed = max(0.0, now - asked.opened_at)
        if question.kind == "choice":
            if not is_number(raw_answer):
                return "unknown"
            correct, score = score_choice(question, int(raw_answer), elapsed, quiz.timer_s)
        else:
            value = parse_number(raw_answer)
            if value is None:
                return "unknown"
            correct, score = score_numeric(question, value, elapsed, quiz.timer_s)
        return quizzes.answer(self.services.store, team_id=team_id, quiz_id=quiz_id, position=position,
                              user_id=user_id, answer_text=raw_answer, correct=correct, score=score, now=now).status

    def after_answer(self, client: WebClient, *, status: str, team_id: str, quiz_id: int, position: int,
                     user_id: str, channel_id: str) -> None:
        """After the acknowledgement: "locked in" to the player only (never the solution), the count redrawn."""
        quiz = quizzes.get(self.services.store, team_id, quiz_id)
        if quiz is None:
            return
        text = {
            "locked": ":lock: Locked in. The answer is revealed when the timer ends.",
            "already": "Your first answer is already locked in; it can't be changed.",
            "closed": "Too late: this question has been revealed. Catch the next one!",
        }.get(status, "That question is no longer open.")
        try:
            client.chat_postEphemeral(channel=channel_id or quiz.channel_id, user=user_id, text=text)
        except SlackApiError as exc:
            log.info("answer confirmation not shown: %s", error_code(exc))
        if status == "locked":
            self.refresh_count(quiz, position)

    def refresh_count(self, quiz: quizzes.Quiz, position: int) -> None:
        def draw():
            asked = quizzes.asked(self.services.store, quiz.id, position)
            if asked is None or asked.ts is None or asked.revealed_at is not None:
                return  # the reveal replaced the live count
            self.services.client_for(quiz.team_id).chat_update(channel=quiz.channel_id, ts=asked.ts,
                                                               **self.draw_question(quiz, position))

        self.services.live.changed(("quiz", quiz.id, position), draw)

    # -- the timer -------------------------------------------------------------------------------------
    def tick(self) -> None:
        now = self.now()
        for quiz in quizzes.running(self.services.store):
            try:
                self._advance(quiz, now)
            except SlackApiError as exc:
                log.warning("quiz %s: Slack answered %s; trying again on the next tick", quiz.id, error_code(exc))

    def _advance(self, quiz: quizzes.Quiz, now: float) -> None:
        asked = quizzes.asked(self.services.store, quiz.id, quiz.current)
        if asked is None:  # interrupted between two questions: ask the current one
            self.ask(quiz, quiz.current)
            return
        if asked.revealed_at is None and now < asked.deadline:
            return
        if asked.revealed_at is None:
            if not quizzes.reveal(self.services.store, quiz.id, quiz.current, now):
                return
            self._draw_reveal(quiz, quiz.current)
        following = quiz.current + 1
        if following < len(quiz.question_ids):
            quizzes.advance(self.services.store, quiz.id, following)
            self.ask(quizzes.get(self.services.store, quiz.team_id, quiz.id), following)
        else:
            self.finish(quiz, "finished")

    def _draw_reveal(self, quiz: quizzes.Quiz, position: int) -> None:
        asked = quizzes.asked(self.services.store, quiz.id, position)
        pack = self.services.pack(quiz.pack_id)
        message = reveal_message(pack, pack.question(asked.question_id), position=position,
                                 total=len(quiz.question_ids), language=quiz.language,
                                 stats=quizzes.question_stats(self.services.store, quiz.id, position))
        if asked.ts:
            self.services.client_for(quiz.team_id).chat_update(channel=quiz.channel_id, ts=asked.ts, **message)

    def finish(self, quiz: quizzes.Quiz, state: str) -> bool:
        """End the quiz once (reveal the open question if stopping) and post the results."""
        if state == "stopped":
            asked = quizzes.asked(self.services.store, quiz.id, quiz.current)
            if asked is not None and quizzes.reveal(self.services.store, quiz.id, quiz.current, self.now()):
                self._draw_reveal(quiz, quiz.current)
        if not quizzes.finish(self.services.store, quiz.id, state, self.now()):
            return False
        pack = self.services.pack(quiz.pack_id)
        asked_questions = [pack.question(q) for q in quiz.question_ids[: quiz.current + 1]]
        rows = quizzes.quiz_leaderboard(self.services.store, quiz.id)
        client = self.services.client_for(quiz.team_id)
        ts = with_block_fallback(
            self.services.charts_refused, quiz.team_id,
            lambda message: post_to_channel(client, self.pacer, quiz.channel_id, message),
            lambda table: results_message(pack, asked_questions, rows, quiz.language, table=table,
                                          stopped=state == "stopped"),
        )
        quizzes.record_results_ts(self.services.store, quiz.id, str(ts))
        return True
