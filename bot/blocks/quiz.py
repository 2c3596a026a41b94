"""Quiz messages: a live question, its reveal (the same message, updated), the results, the leaderboard.

Everything a channel sees is drawn in the quiz's language (the channel plan's); the pack supplies the
question text, `bot.i18n` the frame around it.
"""

from __future__ import annotations

from bot import ids
from bot.blocks import actions, button, context, header, modal, section
from bot.i18n import pick, t
from bot.text import escape, truncate
from questions.schema import Pack, QuizQuestion

LETTERS = "ABCD"
MAX_REREAD_BUTTONS = 10  # a quiz has at most 10 questions, so at most 10 sections
LEADERBOARD_ROWS = 20
MEDALS = {1: ":first_place_medal:", 2: ":second_place_medal:", 3: ":third_place_medal:"}
RESULTS_TITLES = {"finished": "quiz_results", "stopped": "quiz_results_stopped",
                  "interrupted": "quiz_results_interrupted"}


def _section_name(pack: Pack, section_id: str, language: str) -> str:
    sec = pack.section(section_id)
    title = pick(sec.title, language)
    return f"§{sec.number} {title}" if sec.number is not None else title


def question_message(pack: Pack, question: QuizQuestion, *, quiz_id: int, position: int, total: int,
                     language: str, answered: int, timer_s: int) -> dict:
    """The live question: option buttons (value quiz|position|option) or one "Answer" button for estimates."""
    text = pick(question.question, language)
    blocks: list[dict] = [header(t(language, "quiz_question_of", number=position + 1, total=total)),
                          section(f"*{escape(text)}*")]
    value = f"{quiz_id}|{position}"
    if question.kind == "choice":
        blocks.append(actions(*[
            button(truncate(f"{LETTERS[i]}. {pick(option, language)}", 75), ids.QUIZ_CHOICE, value=f"{value}|{i}")
            for i, option in enumerate(question.options)
        ], block_id=f"quiz|{quiz_id}|{position}"))
    else:
        label = t(language, "quiz_answer_button")
        unit = f" ({pick(question.unit, language)})" if question.unit else ""
        blocks.append(actions(button(truncate(f"{label}{unit}", 75), ids.QUIZ_NUMERIC_OPEN, value=value,
                                     style="primary"), block_id=f"quiz|{quiz_id}|{position}"))
    blocks.append(context(t(language, "quiz_live", timer=timer_s, count=answered)))
    return {"text": t(language, "quiz_question_text", number=position + 1, question=truncate(text, 150)),
            "blocks": blocks}


def correct_answer(question: QuizQuestion, language: str) -> str:
    if question.kind == "choice":
        return f"{LETTERS[question.answer or 0]}. {pick(question.options[question.answer or 0], language)}"
    unit = f" {pick(question.unit, language)}" if question.unit else ""
    return f"{question.answer_value:g}{unit} (±{question.tolerance:g})"


def reveal_message(pack: Pack, question: QuizQuestion, *, position: int, total: int, language: str,
                   stats: dict) -> dict:
    """The question's own message once its timer ends: answer, explanation, section, counts, fastest right."""
    text = pick(question.question, language)
    answer = correct_answer(question, language)
    fastest = stats.get("fastest")
    line = [escape(_section_name(pack, question.section, language)),
            t(language, "quiz_reveal_stats", answered=stats["answered"], correct=stats["correct"])]
    if fastest:
        line.append(t(language, "quiz_fastest", user=fastest["user_id"], seconds=f"{fastest['elapsed']:.1f}"))
    blocks = [
        header(t(language, "quiz_answer_of", number=position + 1, total=total)),
        section(f"*{escape(text)}*\n:white_check_mark: *{escape(answer)}*"),
        section(f"_{escape(pick(question.explanation, language))}_"),
        context(" · ".join(line)),
    ]
    return {"text": t(language, "quiz_answer_text", answer=truncate(answer, 150)), "blocks": blocks}


def numeric_modal(question: QuizQuestion, quiz_id: int, position: int, language: str) -> dict:
    unit = pick(question.unit, language) if question.unit else t(language, "quiz_a_number")
    blocks = [
        section(f"*{escape(pick(question.question, language))}*"),
        {"type": "input", "block_id": ids.QUIZ_NUMERIC_BLOCK,
         "label": {"type": "plain_text", "text": truncate(t(language, "quiz_estimate_label", unit=unit), 2000)},
         "element": {"type": "plain_text_input", "action_id": ids.QUIZ_NUMERIC_INPUT, "max_length": 30,
                     "placeholder": {"type": "plain_text", "text": "1.4"}}},
    ]
    return modal(t(language, "quiz_estimate_title"), blocks, callback_id=ids.QUIZ_NUMERIC_VIEW,
                 submit=t(language, "quiz_lock_in"), close=t(language, "close"),
                 private_metadata=f"{quiz_id}|{position}")


def leaderboard_table(rows: list[dict], language: str = "en") -> dict:
    """Slack's table block: rank, player, points, right answers."""
    titles = ("#", t(language, "quiz_player"), t(language, "quiz_points"), t(language, "quiz_right"))
    body = []
    for rank, row in enumerate(rows[:LEADERBOARD_ROWS], 1):
        body.append([
            {"type": "raw_text", "text": str(rank)},
            {"type": "rich_text", "elements": [{"type": "rich_text_section",
                                                "elements": [{"type": "user", "user_id": row["user_id"]}]}]},
            {"type": "raw_text", "text": str(row["score"])},
            {"type": "raw_text", "text": str(row["correct"])},
        ])
    return {"type": "table", "rows": [[{"type": "raw_text", "text": title} for title in titles], *body],
            "column_settings": [{"align": "right"}, None, {"align": "right"}, {"align": "right"}]}


def leaderboard_text(rows: list[dict], language: str = "en") -> str:
    """The same ranking as lines of text, for workspaces whose Slack refuses the table block."""
    return "\n".join(t(language, "quiz_board_line", place=MEDALS.get(rank, f"{rank}."), user=row["user_id"],
                       score=row["score"], correct=row["correct"])
                     for rank, row in enumerate(rows[:LEADERBOARD_ROWS], 1)) or t(language, "quiz_nobody")


def results_message(pack: Pack, questions: list[QuizQuestion], rows: list[dict], language: str, *,
                    table: bool = True, state: str = "finished") -> dict:
    """The leaderboard (a native table, or text where Slack refuses tables) and a way back to the sections.

    Each "Reread" button opens that section's full text, as the digest's own button does.
    """
    order = [s.id for s in pack.sections]
    sections = sorted({q.section for q in questions}, key=order.index)
    title = t(language, RESULTS_TITLES.get(state, "quiz_results"))
    blocks: list[dict] = [header(title)]
    if table and rows:
        blocks.append(leaderboard_table(rows, language))
    else:
        blocks.append(section(leaderboard_text(rows, language)))
    if sections:
        blocks.append(actions(*[
            button(truncate(t(language, "quiz_reread", section=_section_name(pack, s, language)), 75),
                   ids.DIGEST_READ_FULL, value=f"{pack.pack.id}|{s}|{language}")
            for s in sections[:MAX_REREAD_BUTTONS]
        ], block_id="quiz|reread"))
    blocks.append(context(t(language, "quiz_results_footer")))
    return {"text": title, "blocks": blocks}


def answer_receipt(status: str, question: QuizQuestion | None, raw_answer: str, language: str) -> dict:
    """The private reply to one answer: what was locked in (never whether it is right), or why not."""
    if status == "locked" and question is not None:
        text = t(language, "quiz_locked", answer=escape(your_answer(question, raw_answer, language)))
    else:
        key = {"already": "quiz_already", "closed": "quiz_closed"}.get(status, "quiz_unknown")
        text = t(language, key)
    return {"text": text, "blocks": [section(text)]}


def your_answer(question: QuizQuestion, raw_answer: str, language: str) -> str:
    if question.kind == "choice":
        index = int(raw_answer) if raw_answer.isdigit() else -1
        if 0 <= index < len(question.options):
            return f"{LETTERS[index]}. {pick(question.options[index], language)}"
        return truncate(raw_answer, 30)
    unit = f" {pick(question.unit, language)}" if question.unit else ""
    return f"{truncate(raw_answer, 30)}{unit}"


def scores_reply(rows: list[dict]) -> dict:
    text = leaderboard_text(rows) if rows else "No quiz has been played in this channel yet. `/quiz` starts one."
    return {"response_type": "ephemeral", "text": "Quiz leaderboard",
            "blocks": [header("Leaderboard: this channel, all time"), section(text)]}
