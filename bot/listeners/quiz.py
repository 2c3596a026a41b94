"""/quiz, answer buttons, the numeric-estimate modal and the digests' "Quick check" button."""

from __future__ import annotations

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.slack import ids
from bot.blocks.digest import error_reply, notice
from bot.blocks.quiz import numeric_modal, scores_reply
from bot.domain.digest import CommandError, find_section
from bot.slack.deliveries import delivery_of
from bot.slack.permissions import look_up, may_manage
from bot.slack.posting import ChannelPacer, error_code, failure_notice
from bot.domain.quiz import USAGE, QuizCommand, choose_questions, parse_number, parse_quiz
from bot.flows.quizzes import QuizRunner
from bot.context import Services
from bot.domain.text import escape, is_number
from store import plans, quizzes

HELP = """*Quick quizzes on the article's key figures.*
• `/quiz` asks 5 questions across the sections; `/quiz 3` asks 3 (1–10); `/quiz section 4` one from section 4.
  Add `timer 30` for 30 seconds a question (10–300, default 45), e.g. `/quiz 5 timer 30`.
• Click an option, or *Answer* to type an estimate. Only you see "locked in" with your answer.
  *Your first answer is final:* it can't be changed, so the live "N answered" count gives nothing away.
• When the timer ends the question shows the answer, who got it right and the fastest; then the next one.
  At the end: the quiz's leaderboard and the sections worth rereading.
• `/quiz scores` shows this channel's all-time leaderboard; `/quiz stop` ends a quiz (its host or an admin).
*Scoring:* speed = 1 − seconds taken ÷ timer. A right choice scores 100 × (1 + speed ÷ 2), so 100–150.
An estimate within the tolerance scores (50 + 50 × closeness) × (1 + speed ÷ 2), closeness = 1 − error ÷
tolerance: exact and instant is 150, at the edge of the tolerance 50–75. Wrong answers score 0."""


def take_answer(services: Services, ack: Ack, context: BoltContext, body: dict, quiz_id: int, position: int,
                raw_answer: str, channel_id: str, response_url: str = "") -> None:
    """Journal the answer with the moment it was given, acknowledge, and leave the scoring, the receipt and
    the live count for after the burst (bot/ingest/clicks.py; `QuizRunner.apply_answer`)."""
    services.clicks.record("answer", context.team_id or "", quiz_id, position, body["user"]["id"], raw_answer,
                           channel_id, response_url, services.clock.now().timestamp())
    ack()


def take_choice(services: Services, ack: Ack, body: dict, action: dict, context: BoltContext) -> None:
    """An answer button (`bot.listeners.clicks`): value `quiz id|position|option`."""
    parts = action.get("value", "").split("|")
    if len(parts) != 3 or not all(is_number(p) for p in parts):
        return ack()
    take_answer(services, ack, context, body, int(parts[0]), int(parts[1]), parts[2],
                (body.get("channel") or {}).get("id", ""), body.get("response_url") or "")


def register(app: App, services: Services, pacer: ChannelPacer | None = None) -> QuizRunner:
    runner = QuizRunner(services, pacer or services.pacer)
    services.timers.append(lambda: runner.tick(services.clock.now()))

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
            services.settle()  # answers acknowledged a moment ago count
            return ack(scores_reply(quizzes.channel_leaderboard(services.store, team_id, channel_id)))
        if parsed.action == "start":
            problem = start_problem(services, team_id, channel_id, parsed)
            if problem:
                return ack(problem)
        ack()
        services.after_ack(lambda: respond(act(services, runner, client, parsed, team_id, channel_id, user_id)),
                           delivery=delivery_of(body, context))

    @app.action(ids.QUIZ_NUMERIC_OPEN)
    def handle_numeric_open(ack: Ack, body: dict, action: dict, client: WebClient, context: BoltContext,
                            respond: Respond):
        ack()
        parts = action.get("value", "").split("|")
        if len(parts) != 2 or not all(is_number(p) for p in parts):
            return
        quiz = quizzes.get(services.store, context.team_id or "", int(parts[0]))
        asked = quizzes.asked(services.store, int(parts[0]), int(parts[1])) if quiz else None
        if asked is None:
            return
        user_id, channel_id = body["user"]["id"], (body.get("channel") or {}).get("id") or quiz.channel_id
        if asked.revealed_at is not None or runner.now() > asked.deadline:
            status = "closed"  # no form for a question that can't take answers any more
        elif quizzes.answer_of(services.store, quiz.id, asked.position, user_id) is not None:
            status = "already"
        elif asked.question_id not in {q.id for q in services.pack(quiz.pack_id).quiz}:
            status = "unknown"  # the pack was edited and this question is gone
        else:
            question = services.pack(quiz.pack_id).question(asked.question_id)
            view = numeric_modal(question, quiz.id, asked.position, quiz.language)
            services.open_view(client, body["trigger_id"], view)
            return
        services.after_ack(lambda: runner.after_answer(client, status=status, team_id=quiz.team_id, quiz_id=quiz.id,
                                                       position=asked.position, user_id=user_id,
                                                       channel_id=channel_id,
                                                       respond=respond if body.get("response_url") else None))

    @app.view(ids.QUIZ_NUMERIC_VIEW)
    def handle_numeric(ack: Ack, body: dict, view: dict, client: WebClient, context: BoltContext):
        raw = ((view["state"]["values"].get(ids.QUIZ_NUMERIC_BLOCK, {}).get(ids.QUIZ_NUMERIC_INPUT) or {})
               .get("value") or "")
        if parse_number(raw) is None:
            return ack(response_action="errors", errors={ids.QUIZ_NUMERIC_BLOCK: "Type a number, like 1.4 or 800."})
        parts = view.get("private_metadata", "").split("|")
        if len(parts) != 2 or not all(is_number(p) for p in parts):
            return ack()
        quiz = quizzes.get(services.store, context.team_id or "", int(parts[0]))
        take_answer(services, ack, context, body, int(parts[0]), int(parts[1]), raw.strip(),
                    quiz.channel_id if quiz else "")

    def start_from_button(client: WebClient, team_id: str, channel_id: str, user_id: str,
                          command: QuizCommand) -> None:
        """Quick check and Home's Start a quiz: start, or say privately why not (a button has no reply)."""
        def work():
            outcome = (start_problem(services, team_id, channel_id, command)
                       or start_quiz(services, runner, command, team_id, channel_id, user_id))
            if isinstance(outcome, dict):  # not started: say why
                tell(client, channel_id, user_id, outcome)

        services.after_ack(work)

    @app.action(ids.QUIZ_QUICK_CHECK)
    def handle_quick_check(ack: Ack, body: dict, action: dict, client: WebClient, context: BoltContext):
        ack()
        start_from_button(client, context.team_id or "", (body.get("channel") or {}).get("id", ""),
                          body["user"]["id"], QuizCommand("start", count=1, section=action.get("value", "")))

    @app.action(ids.HOME_START_QUIZ)
    def handle_home_start(ack: Ack, body: dict, action: dict, client: WebClient, context: BoltContext):
        ack()
        start_from_button(client, context.team_id or "", action.get("value", ""), body["user"]["id"],
                          QuizCommand("start"))

    return runner


def tell(client: WebClient, channel_id: str, user_id: str, reply: dict) -> None:
    """A button has no response to reply in: say privately why the quiz could not start."""
    try:
        client.chat_postEphemeral(channel=channel_id, user=user_id, text=reply.get("text", ""))
    except SlackApiError:
        pass  # not in the channel: nothing more we can say


def start_problem(services: Services, team_id: str, channel_id: str, cmd: QuizCommand) -> dict | None:
    """Why a quiz can't start (another is running, no such section), as the ack's ephemeral reply; None if
    it can."""
    if quizzes.running(services.store, team_id, channel_id):
        return notice("A quiz is already running in this channel. Join in, or `/quiz stop` it first.")
    if cmd.section is not None:
        plan = plans.get(services.store, team_id, channel_id)
        pack = services.pack(plan.pack_id if plan else None)
        sec = find_section(pack, cmd.section)
        with_questions = [s for s in pack.sections if any(q.section == s.id for q in pack.quiz)]
        if sec is None or sec not in with_questions:
            numbers = ", ".join(str(s.number or s.id) for s in with_questions)
            return error_reply(f"There are no quiz questions for section `{escape(cmd.section[:20])}`; "
                               f"sections with questions: {escape(numbers)}.", USAGE["section"])
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
    started = start_quiz(services, runner, cmd, team_id, channel_id, user_id)
    if isinstance(started, dict):
        return started
    count = len(started.question_ids)
    return notice(f"Quiz on: {count} question{'s' if count > 1 else ''}, {cmd.timer}s each.")


def start_quiz(services: Services, runner: QuizRunner, cmd: QuizCommand, team_id: str, channel_id: str,
               user_id: str) -> quizzes.Quiz | dict:
    """Start a quiz: the quiz once it is on, else the reply that says why it could not start."""
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
    except SlackApiError as exc:
        return notice(failure_notice(error_code(exc), "the first question"))
    if quiz is None:
        return notice("A quiz is already running in this channel.")
    return quiz


