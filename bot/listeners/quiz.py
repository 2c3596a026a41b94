"""/quiz, answer buttons, the numeric-estimate modal and the digests' "Quick check" button."""

from __future__ import annotations

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot import ids
from bot.blocks.digest import error_reply, notice
from bot.blocks.quiz import numeric_modal, scores_reply
from bot.digest import CommandError, find_section
from bot.i18n import t
from bot.listeners.delivery import delivery_of
from bot.permissions import look_up, may_manage
from bot.posting import ChannelPacer
from bot.quiz import QuizCommand, choose_questions, parse_number, parse_quiz
from bot.quiz_runner import QuizNotStarted, QuizRunner
from bot.services import Services
from bot.text import escape, is_number
from store import plans, quizzes

HELP = """*Quick quizzes on the article's key figures.*
• `/quiz` asks 5 questions across the sections; `/quiz 3` asks 3 (1–10); `/quiz section 4` one from section 4.
  Add `timer 30` for 30 seconds a question (default 45).
• Click an option, or *Answer* to type an estimate. Your first answer is final ("locked in"): changing it
  after watching the live count would be a hint. The answer is revealed when the timer ends.
• `/quiz scores` shows this channel's all-time leaderboard; `/quiz stop` ends a quiz (its host or an admin).
*Scoring:* a right answer is worth 100; an estimate within the tolerance is worth 50 + 50 × closeness
(closeness = 1 − |error| ÷ tolerance: exact 100, at the edge 50). Speed multiplies it by 1 + speed ÷ 2
(speed = 1 − seconds taken ÷ timer), so an instant answer earns half again: at most 150 a question.
Wrong answers and estimates outside the tolerance score 0."""


def register(app: App, services: Services, pacer: ChannelPacer | None = None) -> QuizRunner:
    runner = QuizRunner(services, pacer or ChannelPacer())
    services.timers.append(runner.tick)

    @app.command("/quiz")
    def handle_quiz(ack: Ack, body: dict, command: dict, client: WebClient, respond: Respond, context: BoltContext):
        team_id, channel_id, user_id = context.team_id or "", command.get("channel_id", ""), command["user_id"]
        parsed = parse_quiz(command.get("text", ""))
        if isinstance(parsed, CommandError):
            return ack(error_reply(parsed.message, parsed.usage))
        if parsed.action == "help":
            return ack({"response_type": "ephemeral", "text": "How to use /quiz",
                        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": HELP}}]})
        if parsed.action == "scores":
            return ack(scores_reply(quizzes.channel_leaderboard(services.store, team_id, channel_id)))
        if parsed.action == "start":
            problem = start_problem(services, team_id, channel_id, parsed)
            if problem:
                return ack(notice(problem))
        ack()
        services.after_ack(lambda: respond(act(services, runner, client, parsed, team_id, channel_id, user_id)),
                           delivery=delivery_of(body, context))

    def take_answer(ack: Ack, client: WebClient, context: BoltContext, body: dict, quiz_id: int, position: int,
                    raw_answer: str, channel_id: str, respond: Respond | None = None) -> None:
        player = dict(team_id=context.team_id or "", quiz_id=quiz_id, position=position, user_id=body["user"]["id"])
        status = runner.record_answer(raw_answer=raw_answer, **player)  # stored before Slack hears "ok"
        ack()
        services.after_ack(lambda: runner.after_answer(client, status=status, channel_id=channel_id,
                                                       raw_answer=raw_answer, respond=respond, **player))

    @app.action(ids.QUIZ_CHOICE)
    def handle_choice(ack: Ack, body: dict, action: dict, client: WebClient, context: BoltContext, respond: Respond):
        parts = action.get("value", "").split("|")
        if len(parts) != 3 or not all(is_number(p) for p in parts):
            return ack()
        take_answer(ack, client, context, body, int(parts[0]), int(parts[1]), parts[2],
                    (body.get("channel") or {}).get("id", ""), respond if body.get("response_url") else None)

    @app.action(ids.QUIZ_NUMERIC_OPEN)
    def handle_numeric_open(ack: Ack, body: dict, action: dict, client: WebClient, context: BoltContext,
                            respond: Respond):
        """Open the estimate modal, unless the question is already closed or answered: then say so instead."""
        ack()
        parts = action.get("value", "").split("|")
        if len(parts) != 2 or not all(is_number(p) for p in parts):
            return
        user_id, position = body["user"]["id"], int(parts[1])
        quiz = quizzes.get(services.store, context.team_id or "", int(parts[0]))
        state = runner.answer_state(quiz, position, user_id) if quiz else "unknown"
        if state != "open":
            if quiz is not None:
                services.after_ack(lambda: runner.after_answer(
                    client, status=state, team_id=quiz.team_id, quiz_id=quiz.id, position=position, user_id=user_id,
                    channel_id=(body.get("channel") or {}).get("id", ""),
                    respond=respond if body.get("response_url") else None))
            return
        question = services.pack(quiz.pack_id).question(quiz.question_ids[position])
        view = numeric_modal(question, quiz.id, position, quiz.language)
        services.after_ack(lambda: client.views_open(trigger_id=body["trigger_id"], view=view))

    @app.view(ids.QUIZ_NUMERIC_VIEW)
    def handle_numeric(ack: Ack, body: dict, view: dict, client: WebClient, context: BoltContext):
        """Validate the estimate (errors stay in the modal), then store it as a click's answer is stored."""
        raw = ((view["state"]["values"].get(ids.QUIZ_NUMERIC_BLOCK, {}).get(ids.QUIZ_NUMERIC_INPUT) or {})
               .get("value") or "")
        parts = view.get("private_metadata", "").split("|")
        if len(parts) != 2 or not all(is_number(p) for p in parts):
            return ack()
        quiz = quizzes.get(services.store, context.team_id or "", int(parts[0]))
        if parse_number(raw) is None:
            message = t(quiz.language if quiz else "en", "quiz_bad_number")
            return ack(response_action="errors", errors={ids.QUIZ_NUMERIC_BLOCK: message})
        take_answer(ack, client, context, body, int(parts[0]), int(parts[1]), raw.strip(),
                    quiz.channel_id if quiz else "")

    @app.action(ids.QUIZ_QUICK_CHECK)
    def handle_quick_check(ack: Ack, body: dict, action: dict, client: WebClient, context: BoltContext,
                           respond: Respond):
        ack()
        team_id, user_id = context.team_id or "", body["user"]["id"]
        channel_id = (body.get("channel") or {}).get("id", "")
        command = QuizCommand("start", count=1, section=action.get("value", ""))
        start_from_button(client, respond if body.get("response_url") else None, command, team_id, channel_id,
                          user_id)

    @app.action(ids.HOME_START_QUIZ)
    def handle_home_start(ack: Ack, body: dict, action: dict, client: WebClient, context: BoltContext):
        ack()
        team_id, user_id, channel_id = context.team_id or "", body["user"]["id"], action.get("value", "")
        start_from_button(client, None, QuizCommand("start"), team_id, channel_id, user_id)

    def start_from_button(client: WebClient, respond: Respond | None, command: QuizCommand, team_id: str,
                          channel_id: str, user_id: str) -> None:
        """A quiz started by a click (Quick check, App Home): the outcome goes to the clicker only."""
        def tell(reply: dict) -> None:
            if respond is not None:
                respond(replace_original=False, **reply)
            else:
                client.chat_postEphemeral(channel=channel_id, user=user_id, text=reply["text"])

        problem = start_problem(services, team_id, channel_id, command)
        if problem:
            services.after_ack(lambda: tell(notice(problem)))
            return
        services.after_ack(lambda: tell(act(services, runner, client, command, team_id, channel_id, user_id)))

    return runner


def start_problem(services: Services, team_id: str, channel_id: str, cmd: QuizCommand) -> str | None:
    """Why a quiz can't start (another is running, no such section), answered in the ack; None if it can."""
    if quizzes.running(services.store, team_id, channel_id):
        return "A quiz is already running in this channel. Join in, or `/quiz stop` it first."
    if cmd.section is not None:
        plan = plans.get(services.store, team_id, channel_id)
        pack = services.pack(plan.pack_id if plan else None)
        sec = find_section(pack, cmd.section)
        if sec is None or not any(q.section == sec.id for q in pack.quiz):
            return f"There are no quiz questions for section `{escape(cmd.section[:20])}`."
    return None


def act(services: Services, runner: QuizRunner, client: WebClient, cmd: QuizCommand, team_id: str,
        channel_id: str, user_id: str) -> dict:
    if cmd.action == "stop":
        running = quizzes.running(services.store, team_id, channel_id)
        if not running:
            return notice("No quiz is running in this channel.")
        quiz = running[0]
        if not may_manage(look_up(client, user_id), quiz.host, services.settings.admin_user_ids):
            return notice(f"Sorry, only <@{quiz.host}>, who started this quiz, or an admin can stop it.")
        runner.finish(quiz, "stopped")
        return notice("Quiz stopped; the results so far are in the channel.")
    plan = plans.get(services.store, team_id, channel_id)
    pack = services.pack(plan.pack_id if plan else None)
    language = plan.language if plan else pack.pack.default_language
    section = find_section(pack, cmd.section) if cmd.section else None
    seed = int(services.clock.now().timestamp())
    chosen = choose_questions(pack, cmd.count, seed, section.id if section else None,
                              already_asked=quizzes.asked_in_channel(services.store, team_id, channel_id))
    if not chosen:
        return notice("This article has no quiz questions yet.")
    try:
        quiz = runner.start(team_id=team_id, channel_id=channel_id, host=user_id, language=language,
                            question_ids=[q.id for q in chosen], timer_s=cmd.timer, pack_id=pack.pack.id)
    except QuizNotStarted as failure:
        return notice(f"Slack didn't take the first question (`{escape(failure.error)}`). "
                      "Is the app in this channel? `/invite` it, then try again.")
    if quiz is None:
        return notice("A quiz is already running in this channel.")
    return notice(f"Quiz on: {len(chosen)} question{'s' if len(chosen) > 1 else ''}, {cmd.timer}s each.")


