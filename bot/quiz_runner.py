"""Running quizzes: ask, take answers, reveal on the timer, move on, post results.

Deadlines live in SQLite, and `tick()` does whatever is due at the clock's `now`: reveal questions whose
time is up, ask the next one, finish the quiz. The scheduler calls it every second; after a restart the
first tick reveals whatever ran out while the process was down and carries on, so no question is ever
left open; if the app was down for longer than `RESUME_WITHIN_S` past a deadline, the quiz is closed with
the results so far instead. Reveals and finishes are conditional updates, so two processes ticking at
once act once.

A question's message is redrawn by two parties, the coalesced "N answered" count and the reveal. Both
hold the message's lock around "check whether it is revealed, then chat.update", so a count drawn just
before the reveal can never land after it and put the answer buttons back.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.blocks.quiz import answer_receipt, question_message, results_message, reveal_message
from bot.posting import ChannelPacer, error_code, post_to_channel, with_block_fallback
from bot.quiz import RESUME_WITHIN_S, parse_number, score_choice, score_numeric
from bot.services import Services
from bot.text import is_number
from store import quizzes

log = logging.getLogger(__name__)
MESSAGE_LOCKS = 64  # striped: a bounded set of locks, one per (quiz, position) modulo this


class QuizNotStarted(Exception):
    """Slack refused the first question (the app is not in the channel, say); the quiz was closed."""

    def __init__(self, error: str):
        super().__init__(error)
        self.error = error


class QuizRunner:
    def __init__(self, services: Services, pacer: ChannelPacer):
        self.services = services
        self.pacer = pacer
        self._message_locks = [threading.Lock() for _ in range(MESSAGE_LOCKS)]

    def message_lock(self, quiz_id: int, position: int) -> threading.Lock:
        return self._message_locks[hash((quiz_id, position)) % MESSAGE_LOCKS]

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
            try:
                self.ask(quiz, 0)
            except SlackApiError as exc:
                quizzes.finish(self.services.store, quiz.id, "failed", self.now())
                raise QuizNotStarted(error_code(exc)) from exc
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
                     user_id: str, channel_id: str, raw_answer: str = "",
                     respond: Callable[..., object] | None = None) -> None:
        """After the acknowledgement: the live count redrawn, and "locked in" to the player only (never the
        solution). Clicks answer through their response_url, which a 300-person burst can use without
        meeting chat.postEphemeral's per-minute limit; modal answers have none and use chat.postEphemeral.
        """
        quiz = quizzes.get(self.services.store, team_id, quiz_id)
        if quiz is None:
            return
        if status == "locked":
            self.refresh_count(quiz, position)
        asked = quizzes.asked(self.services.store, quiz_id, position)
        question = self.services.pack(quiz.pack_id).question(asked.question_id) if asked else None
        receipt = answer_receipt(status, question, raw_answer, quiz.language)
        if respond is not None:
            respond(response_type="ephemeral", replace_original=False, **receipt)
            return
        try:
            client.chat_postEphemeral(channel=channel_id or quiz.channel_id, user=user_id, **receipt)
        except SlackApiError as exc:
            log.info("answer confirmation not shown: %s", error_code(exc))

    def answer_state(self, quiz: quizzes.Quiz, position: int, user_id: str) -> str:
        """Before opening the estimate modal: open | already | closed | unknown."""
        asked = quizzes.asked(self.services.store, quiz.id, position)
        if asked is None:
            return "unknown"
        if asked.revealed_at is not None or self.now() > asked.deadline:
            return "closed"
        return "already" if quizzes.has_answered(self.services.store, quiz.id, position, user_id) else "open"

    def refresh_count(self, quiz: quizzes.Quiz, position: int) -> None:
        def draw():
            with self.message_lock(quiz.id, position):
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
        if self._stale(quiz, asked, now):
            self.finish(quiz, "interrupted")
            return
        if asked is None:  # interrupted between two questions: ask the current one
            self.ask(quiz, quiz.current)
            return
        if asked.revealed_at is None and now < asked.deadline:
            return
        if asked.revealed_at is None and not self.reveal(quiz, quiz.current):
            return
        following = quiz.current + 1
        if following < len(quiz.question_ids):
            quizzes.advance(self.services.store, quiz.id, following)
            self.ask(quizzes.get(self.services.store, quiz.team_id, quiz.id), following)
        else:
            self.finish(quiz, "finished")

    def _stale(self, quiz: quizzes.Quiz, asked: quizzes.AskedQuestion | None, now: float) -> bool:
        """True when the quiz's last deadline passed more than RESUME_WITHIN_S ago (the app was down)."""
        if asked is None and quiz.current > 0:
            asked = quizzes.asked(self.services.store, quiz.id, quiz.current - 1)
        last_moment = asked.deadline if asked is not None else quiz.started_at
        return now - last_moment > RESUME_WITHIN_S

    def reveal(self, quiz: quizzes.Quiz, position: int) -> bool:
        """Reveal once (ticks may race) and redraw the question's message in place with the answer."""
        with self.message_lock(quiz.id, position):
            if not quizzes.reveal(self.services.store, quiz.id, position, self.now()):
                return False
            asked = quizzes.asked(self.services.store, quiz.id, position)
            pack = self.services.pack(quiz.pack_id)
            message = reveal_message(pack, pack.question(asked.question_id), position=position,
                                     total=len(quiz.question_ids), language=quiz.language,
                                     stats=quizzes.question_stats(self.services.store, quiz.id, position))
            if asked.ts:
                try:
                    self.services.client_for(quiz.team_id).chat_update(channel=quiz.channel_id, ts=asked.ts,
                                                                       **message)
                except SlackApiError as exc:  # the quiz goes on: answers are refused from the store already
                    log.warning("quiz %s: reveal of question %s not drawn: %s", quiz.id, position, error_code(exc))
            return True

    def finish(self, quiz: quizzes.Quiz, state: str) -> bool:
        """End the quiz once (revealing a question still open) and post the results.

        state: finished | stopped | interrupted.
        """
        if quizzes.asked(self.services.store, quiz.id, quiz.current) is not None:
            self.reveal(quiz, quiz.current)
        if not quizzes.finish(self.services.store, quiz.id, state, self.now()):
            return False
        pack = self.services.pack(quiz.pack_id)
        asked_questions = [pack.question(question_id) for position, question_id in enumerate(quiz.question_ids)
                           if quizzes.asked(self.services.store, quiz.id, position) is not None]
        rows = quizzes.quiz_leaderboard(self.services.store, quiz.id)
        client = self.services.client_for(quiz.team_id)
        ts = with_block_fallback(
            self.services.charts_refused, quiz.team_id,
            lambda message: post_to_channel(client, self.pacer, quiz.channel_id, message),
            lambda table: results_message(pack, asked_questions, rows, quiz.language, table=table, state=state),
        )
        quizzes.record_results_ts(self.services.store, quiz.id, str(ts))
        return True
