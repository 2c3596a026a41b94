"""Running quizzes: ask, take answers, reveal on the timer, move on, post results.

Deadlines live in SQLite, and `tick(now)` does whatever is due at `now`: reveal questions whose time is
up, ask the next one, finish the quiz. The scheduler calls it every second (and the console after it
fast-forwards). After a restart the first tick reveals whatever ran out while the process was down: a
short outage and the quiz carries on; one longer than `STALE_AFTER` and it closes with the results so
far, since nobody is still waiting for question 3 an hour later. Either way no question is left open.

Reveals and finishes are conditional updates, so two ticks (or a tick and `/quiz stop`) act once, and a
stopped quiz never asks another question. A reveal replaces the live question under the message's
`live.exclusive` lock, so a coalesced "N answered" update still on its way cannot land on top of it.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from typing import Any

from slack_bolt.context.respond import Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.blocks.quiz import answer_label, question_message, results_message, reveal_message
from bot.blocks.replies import error_reply, notice
from bot.context import Services
from bot.domain.digest import find_section
from bot.domain.i18n import t
from bot.domain.quiz import (
    USAGE,
    QuizCommand,
    choose_questions,
    parse_number,
    score_choice,
    score_numeric,
    sections_to_reread,
)
from bot.domain.text import escape, is_number
from bot.flows.channel import channel_language, channel_reading
from bot.slack import message_slots
from bot.slack.exactly_once import post_once
from bot.slack.permissions import look_up, may_manage
from bot.slack.posting import (
    TABLE,
    ChannelPacer,
    PostNotConfirmed,
    error_code,
    failure_notice,
    is_permanent,
    with_block_fallback,
)
from store import quizzes

log = logging.getLogger(__name__)

# a question overdue by more than this when a tick first sees it means the app was away: close the quiz
STALE_AFTER = 10 * 60
# chat.update can't reach the question's message (deleted, too old to edit): the reveal is posted anew
GONE_MESSAGE_ERRORS = frozenset({"message_not_found", "cant_update_message", "edit_window_closed"})


def live_key(quiz_id: int, position: int) -> tuple[str, int, int]:
    return ("quiz", quiz_id, position)


class QuizRunner:
    def __init__(self, services: Services, pacer: ChannelPacer):
        self.services = services
        self.pacer = pacer

    def now(self) -> float:
        return self.services.clock.now().timestamp()

    # -- starting and asking ----------------------------------------------------------------------
    def start(self, *, team_id: str, channel_id: str, host: str, language: str, question_ids: list[str],
              timer_s: int, pack_id: str | None = None) -> quizzes.Quiz | None:
        """A running quiz with its first question posted; None if the channel already has one.

        Raises SlackApiError if the first question can't be posted; the quiz is closed by then (nobody has
        seen it), so the channel is free for another try.
        """
        pack = self.services.pack(team_id, pack_id)
        quiz = quizzes.start(self.services.store, team_id=team_id, channel_id=channel_id, host=host,
                             pack_id=pack.pack.id, language=language, question_ids=question_ids, timer_s=timer_s,
                             now=self.now())
        if quiz is not None:
            try:
                self.ask(quiz, 0)
            except SlackApiError:
                quizzes.finish(self.services.store, quiz.id, "abandoned", self.now())
                raise
            except PostNotConfirmed:
                pass  # the question may be in the channel: the next tick looks for it before asking again
        return quiz

    def ask(self, quiz: quizzes.Quiz, position: int) -> None:
        asked = quizzes.open_question(self.services.store, quiz, position, self.now())
        if asked is None:
            return  # another tick asked it, or the quiz was stopped meanwhile
        try:
            ts = post_once(self.services, self.pacer, quiz.team_id, quiz.channel_id, self.draw_question(quiz, position),
                           message_slots.quiz_question(quiz.team_id, quiz.id, position))
        except Exception:
            # nobody saw it (or, history unreadable, nobody can tell): forget it, so the next tick asks it
            # again with a fresh deadline, taking the message Slack may have stored if it finds it
            quizzes.forget_question(self.services.store, quiz.id, position)
            raise
        quizzes.record_question_ts(self.services.store, quiz.id, position, ts)

    def draw_question(self, quiz: quizzes.Quiz, position: int) -> dict[str, Any]:
        pack = self.services.pack(quiz.team_id, quiz.pack_id)
        question = pack.question(quiz.question_ids[position])
        return question_message(pack, question, quiz_id=quiz.id, position=position, total=len(quiz.question_ids),
                                language=quiz.language, timer_s=quiz.timer_s,
                                answered=quizzes.answer_count(self.services.store, quiz.id, position))

    # -- answers -------------------------------------------------------------------------------------
    def apply_answer(self, team_id: str, quiz_id: int, position: int, user_id: str, raw_answer: str,
                     channel_id: str, response_url: str, answered_at: float) -> Callable[[], None]:
        """A journaled answer (bot/ingest/clicks.py): scored and stored as of the moment it was given; its follow-up
        is the receipt and the live count."""
        status = self.record_answer(team_id=team_id, quiz_id=quiz_id, position=position, user_id=user_id,
                                    raw_answer=raw_answer, now=answered_at)
        respond = Respond(response_url=response_url) if response_url else None
        return lambda: self.after_answer(self.services.client_for(team_id), status=status, team_id=team_id,
                                         quiz_id=quiz_id, position=position, user_id=user_id,
                                         channel_id=channel_id, respond=respond)

    def record_answer(self, *, team_id: str, quiz_id: int, position: int, user_id: str, raw_answer: str,
                      now: float) -> str:
        """Score and store one answer given at `now`.

        Returns locked | already | closed | unknown.
        """
        def grade(pack_id: str, question_id: str, elapsed: float, timer_s: int) -> tuple[bool, int] | None:
            try:
                question = self.services.pack(team_id, pack_id).question(question_id)
            except KeyError:  # the pack was edited and this question is gone
                return None
            if question.kind == "choice":
                if not is_number(raw_answer) or int(raw_answer) >= len(question.options):
                    return None
                return score_choice(question, int(raw_answer), elapsed, timer_s)
            value = parse_number(raw_answer)
            return None if value is None else score_numeric(question, value, elapsed, timer_s)

        return quizzes.answer(self.services.store, team_id=team_id, quiz_id=quiz_id, position=position,
                              user_id=user_id, answer_text=raw_answer, now=now, grade=grade).status

    def after_answer(self, client: WebClient, *, status: str, team_id: str, quiz_id: int, position: int,
                     user_id: str, channel_id: str, respond: Callable[..., object] | None = None) -> None:
        """After the acknowledgement: the count redrawn, and "locked in" to the player only (never the solution).

        A click's receipt goes through its response_url (`respond`): a 300-person burst then never meets
        chat.postEphemeral's per-minute limit. Modal answers have no response_url and use chat.postEphemeral.
        """
        quiz = quizzes.get(self.services.store, team_id, quiz_id)
        asked = quizzes.asked(self.services.store, quiz_id, position)
        if quiz is None or asked is None:
            return
        if status == "locked":
            self.refresh_count(quiz, position)
        question = self.services.pack(quiz.team_id, quiz.pack_id).question(asked.question_id)
        mine = quizzes.answer_of(self.services.store, quiz_id, position, user_id)
        label = answer_label(question, mine, quiz.language) if mine is not None else ""
        key = {"locked": "quiz_locked", "already": "quiz_already", "closed": "quiz_closed"}.get(status, "quiz_gone")
        text = t(quiz.language, key, answer=label)
        if respond is not None:
            respond(text=text, response_type="ephemeral", replace_original=False)
            return
        try:
            client.chat_postEphemeral(channel=channel_id or quiz.channel_id, user=user_id, text=text)
        except SlackApiError as exc:
            log.info("answer confirmation not shown: %s", error_code(exc))

    def refresh_count(self, quiz: quizzes.Quiz, position: int) -> None:
        def draw() -> None:  # runs under live.exclusive(key): a reveal waits for it, or it sees the reveal and stops
            asked = quizzes.asked(self.services.store, quiz.id, position)
            if asked is None or asked.ts is None or asked.revealed_at is not None:
                return  # the reveal replaced the live count (and shows the final one)
            self.services.client_for(quiz.team_id).chat_update(channel=quiz.channel_id, ts=asked.ts,
                                                               **self.draw_question(quiz, position))

        self.services.live.changed(live_key(quiz.id, position), draw, quiz.team_id)

    # -- the timer -------------------------------------------------------------------------------------
    def tick(self, now: dt.datetime) -> None:
        """Do whatever is due at `now` in every running quiz (called every second by the scheduler)."""
        moment = now.timestamp()
        for quiz in quizzes.running(self.services.store) + quizzes.unreported(self.services.store):
            try:
                if quiz.state == "running":
                    self._advance(quiz, moment)
                else:
                    self.post_results(quiz)  # ended, but its results never reached Slack
            except SlackApiError as exc:
                if is_permanent(exc):  # the channel is gone or closed to us: end the quiz, don't retry forever
                    log.warning("quiz %s: Slack answered %s; closing it", quiz.id, error_code(exc))
                    quizzes.finish(self.services.store, quiz.id, "abandoned", moment)
                else:
                    log.warning("quiz %s: Slack answered %s; trying again on the next tick", quiz.id,
                                error_code(exc))
            except Exception:  # noqa: BLE001 - one broken quiz must not stop the others
                log.exception("quiz %s failed on this tick; trying again on the next", quiz.id)

    def _advance(self, quiz: quizzes.Quiz, now: float) -> None:
        asked = quizzes.asked(self.services.store, quiz.id, quiz.current)
        if asked is None:  # interrupted between two questions (or the first post failed): ask it now
            if now - quiz.started_at > STALE_AFTER + quiz.timer_s * (quiz.current + 1):
                self.finish(quiz, "interrupted", now)
            else:
                self.ask(quiz, quiz.current)
            return
        if asked.revealed_at is None:
            if now < asked.deadline:
                return
            overdue = now - asked.deadline
            if not self._reveal(quiz, quiz.current, now):
                return  # another tick revealed it and carries on
        else:
            overdue = now - asked.revealed_at
            if not asked.reveal_shown:  # Slack refused the reveal last time: draw it again
                with self.services.live.exclusive(live_key(quiz.id, quiz.current)):
                    self._draw_reveal(quiz, quiz.current)
        if overdue > STALE_AFTER:
            self.finish(quiz, "interrupted", now)  # the app was away: results so far, no more questions
            return
        following = quiz.current + 1
        if following < len(quiz.question_ids):
            quizzes.advance(self.services.store, quiz.id, following)
            advanced = quizzes.get(self.services.store, quiz.team_id, quiz.id)
            if advanced is not None:  # None: the workspace's data went meanwhile (uninstalled)
                self.ask(advanced, following)
        else:
            self.finish(quiz, "finished", now)

    def _reveal(self, quiz: quizzes.Quiz, position: int, now: float) -> bool:
        """Close the question to answers and turn its message into the answer, once (False if already done).

        Under the message's live lock: a count update in flight finishes first, and any later one sees
        `revealed_at` and draws nothing.
        """
        with self.services.live.exclusive(live_key(quiz.id, position)):
            if not quizzes.reveal(self.services.store, quiz.id, position, now):
                return False
            # every answer given before the reveal is in it: the reveal's reads apply those still journaled
            # (Store.before_reading_responses), each checked against the moment it was given
            self._draw_reveal(quiz, position)
        return True

    def _draw_reveal(self, quiz: quizzes.Quiz, position: int) -> None:
        asked = quizzes.asked(self.services.store, quiz.id, position)
        if asked is None:  # the workspace's data went meanwhile (uninstalled): nothing to reveal
            return
        pack = self.services.pack(quiz.team_id, quiz.pack_id)
        message = reveal_message(pack, pack.question(asked.question_id), position=position,
                                 total=len(quiz.question_ids), language=quiz.language,
                                 stats=quizzes.question_stats(self.services.store, quiz.id, position))
        client = self.services.client_for(quiz.team_id)
        try:
            if not asked.ts:
                raise LookupError  # the question's ts was never recorded (failed post, or the process died)
            client.chat_update(channel=quiz.channel_id, ts=asked.ts, **message)
        except (LookupError, SlackApiError) as exc:
            if isinstance(exc, SlackApiError) and error_code(exc) not in GONE_MESSAGE_ERRORS:
                raise
            post_once(self.services, self.pacer, quiz.team_id, quiz.channel_id, message,  # say it anew
                      message_slots.quiz_reveal(quiz.team_id, quiz.id, position))
        quizzes.mark_reveal_shown(self.services.store, quiz.id, position)

    def finish(self, quiz: quizzes.Quiz, state: str, now: float | None = None) -> bool:
        """End the quiz once, reveal whatever is still open, and post the results with the leaderboard.

        `state` is finished, stopped (`/quiz stop`) or interrupted (the app was away too long). The state
        changes first, so no tick can ask another question afterwards; then every asked question still open
        (a tick may have asked one more in between) is revealed.
        """
        now = self.now() if now is None else now
        if not quizzes.finish(self.services.store, quiz.id, state, now):
            return False
        for position in quizzes.unrevealed_positions(self.services.store, quiz.id):
            self._reveal(quiz, position, now)
        finished = quizzes.get(self.services.store, quiz.team_id, quiz.id)
        if finished is not None:  # None: the workspace's data went meanwhile (uninstalled)
            self.post_results(finished)
        return True

    def post_results(self, quiz: quizzes.Quiz) -> None:
        """The results message; retried by `tick` until Slack has taken it (recorded by its ts)."""
        pack = self.services.pack(quiz.team_id, quiz.pack_id)
        asked_questions = [pack.question(q) for q in quiz.question_ids[: quiz.current + 1]]
        rows = quizzes.quiz_leaderboard(self.services.store, quiz.id)
        stats = [quizzes.question_stats(self.services.store, quiz.id, p) for p in range(len(asked_questions))]
        reread = sections_to_reread([q.section for q in asked_questions], stats)
        ts = with_block_fallback(
            self.services.block_refusals, quiz.team_id,
            lambda message: post_once(self.services, self.pacer, quiz.team_id, quiz.channel_id, message,
                                      message_slots.quiz_results(quiz.team_id, quiz.id)),
            lambda omit: results_message(pack, reread, rows, quiz.language, table=TABLE not in omit,
                                         state=quiz.state),
        )
        quizzes.record_results_ts(self.services.store, quiz.id, str(ts))


# ------------------------------------------------------------------ what /quiz and the quiz buttons set going

def tell(client: WebClient, channel_id: str, user_id: str, reply: dict[str, Any]) -> None:
    """A button has no response to reply in: say privately why the quiz could not start."""
    try:
        client.chat_postEphemeral(channel=channel_id, user=user_id, text=reply.get("text", ""))
    except SlackApiError:
        pass  # not in the channel: nothing more we can say


def start_problem(services: Services, team_id: str, channel_id: str, cmd: QuizCommand) -> dict[str, Any] | None:
    """Why a quiz can't start (another is running, no such section), as the ack's ephemeral reply; None if
    it can."""
    reading = channel_reading(services, team_id, channel_id)
    pack, language = reading.pack, reading.language
    if quizzes.running(services.store, team_id, channel_id):
        return notice(t(language, "quiz_already_running_join"))
    if cmd.section is not None:
        sec = find_section(pack, cmd.section)
        with_questions = [s for s in pack.sections if any(q.section == s.id for q in pack.quiz)]
        if sec is None or sec not in with_questions:
            numbers = ", ".join(str(s.number or s.id) for s in with_questions)
            return error_reply(t(language, "quiz_no_section_questions", ref=escape(cmd.section[:20]),
                                 numbers=escape(numbers)), USAGE["section"], language)
    return None


def quiz_command(services: Services, runner: QuizRunner, client: WebClient, cmd: QuizCommand, team_id: str,
        channel_id: str, user_id: str) -> dict[str, Any]:
    if cmd.action == "stop":
        running = quizzes.running(services.store, team_id, channel_id)
        if not running:
            return notice(t(channel_language(services, team_id, channel_id), "quiz_none_running"))
        quiz = running[0]
        if not may_manage(look_up(client, user_id), quiz.host, services.settings.admin_user_ids):
            return notice(t(quiz.language, "quiz_stop_not_yours", host=quiz.host))
        runner.finish(quiz, "stopped")
        return notice(t(quiz.language, "quiz_stopped_reply"))
    started = start_quiz(services, runner, cmd, team_id, channel_id, user_id)
    if isinstance(started, dict):
        return started
    count = len(started.question_ids)
    return notice(t(started.language, "quiz_on" if count > 1 else "quiz_on_one", count=count, timer=cmd.timer))


def start_quiz(services: Services, runner: QuizRunner, cmd: QuizCommand, team_id: str, channel_id: str,
               user_id: str) -> quizzes.Quiz | dict[str, Any]:
    """Start a quiz: the quiz once it is on, else the reply that says why it could not start."""
    reading = channel_reading(services, team_id, channel_id)
    pack, language = reading.pack, reading.language
    section = find_section(pack, cmd.section) if cmd.section else None
    seed = int(services.clock.now().timestamp())
    chosen = choose_questions(pack, cmd.count, seed, section.id if section else None,
                              already_asked=quizzes.asked_in_channel(services.store, team_id, channel_id))
    if not chosen:
        return notice(t(language, "quiz_no_questions"))
    try:
        quiz = runner.start(team_id=team_id, channel_id=channel_id, host=user_id, language=language,
                            question_ids=[q.id for q in chosen], timer_s=cmd.timer, pack_id=pack.pack.id)
    except SlackApiError as exc:
        return notice(failure_notice(error_code(exc), t(language, "quiz_first_question"), language))
    if quiz is None:
        return notice(t(language, "quiz_already_running"))
    return quiz


def start_from_button(services: Services, runner: QuizRunner, client: WebClient, team_id: str, channel_id: str,
                      user_id: str, command: QuizCommand) -> None:
    """Quick check and Home's *Start a quiz*, after the acknowledgement: start, or say privately why not (a
    button has no reply of its own)."""
    outcome = (start_problem(services, team_id, channel_id, command)
               or start_quiz(services, runner, command, team_id, channel_id, user_id))
    if isinstance(outcome, dict):  # not started: say why
        tell(client, channel_id, user_id, outcome)
