"""Quiz messages: a live question, its reveal (the same message, updated), the results, the leaderboard."""

from __future__ import annotations

from typing import Any

from bot.blocks import actions, button, context, header, modal, section
from bot.domain.i18n import pick, t
from bot.domain.text import escape, truncate
from bot.slack import ids
from questions.schema import Pack, QuizQuestion

LETTERS = "ABCD"


def _section_name(pack: Pack, section_id: str, language: str) -> str:
    sec = pack.section(section_id)
    title = pick(sec.title, language)
    return f"§{sec.number} {title}" if sec.number is not None else title


def question_message(pack: Pack, question: QuizQuestion, *, quiz_id: int, position: int, total: int,
                     language: str, answered: int, timer_s: int) -> dict[str, Any]:
    text = pick(question.question, language)
    blocks: list[dict[str, Any]] = [header(t(language, "quiz_question_of", number=position + 1, total=total)),
                                    section(f"*{escape(text)}*")]
    value = f"{quiz_id}|{position}"
    if question.kind == "choice":
        blocks.append(actions(*[
            button(truncate(f"{LETTERS[i]}. {pick(option, language)}", 75), ids.indexed(ids.QUIZ_CHOICE, i),
                   value=f"{value}|{i}")
            for i, option in enumerate(question.options)
        ], block_id=f"quiz|{quiz_id}|{position}"))
    else:
        unit = f" ({escape(pick(question.unit, language))})" if question.unit else ""
        blocks.append(actions(button(f"{t(language, 'quiz_answer_button')}{unit}"[:75], ids.QUIZ_NUMERIC_OPEN,
                                     value=value, style="primary"),
                              block_id=f"quiz|{quiz_id}|{position}"))
    blocks.append(context(t(language, "quiz_live", timer=timer_s, answered=answered)))
    return {"text": t(language, "quiz_question_text", number=position + 1, question=truncate(text, 150)),
            "blocks": blocks}


def answer_label(question: QuizQuestion, raw: str, language: str) -> str:
    """What a player answered, as they'd recognise it ("B. 6 weeks", "780 million"), escaped."""
    if question.kind == "choice":
        index = int(raw) if raw.isdigit() and int(raw) < len(question.options) else None
        return escape(f"{LETTERS[index]}. {pick(question.options[index], language)}") if index is not None else "?"
    unit = f" {pick(question.unit, language)}" if question.unit else ""
    return escape(truncate(f"{raw}{unit}", 60))


def correct_answer(question: QuizQuestion, language: str) -> str:
    if question.kind == "choice":
        return f"{LETTERS[question.answer or 0]}. {pick(question.options[question.answer or 0], language)}"
    unit = f" {pick(question.unit, language)}" if question.unit else ""
    return f"{question.answer_value:g}{unit} (±{question.tolerance:g})"


def reveal_message(pack: Pack, question: QuizQuestion, *, position: int, total: int, language: str,
                   stats: dict[str, Any]) -> dict[str, Any]:
    text = pick(question.question, language)
    fastest = stats.get("fastest")
    fastest_text = t(language, "quiz_fastest", user=f"<@{fastest['user_id']}>",
                     seconds=f"{fastest['elapsed']:.1f}") if fastest else ""
    blocks = [
        header(t(language, "quiz_reveal_of", number=position + 1, total=total)),
        section(f"*{escape(text)}*\n:white_check_mark: *{escape(correct_answer(question, language))}*"),
        section(f"_{escape(pick(question.explanation, language))}_"),
        context(t(language, "quiz_reveal_stats", section=escape(_section_name(pack, question.section, language)),
                  answered=stats["answered"], correct=stats["correct"], fastest=fastest_text)),
    ]
    return {"text": t(language, "quiz_reveal_text", answer=truncate(correct_answer(question, language), 150)),
            "blocks": blocks}


def numeric_modal(question: QuizQuestion, quiz_id: int, position: int, language: str) -> dict[str, Any]:
    unit = pick(question.unit, language) if question.unit else t(language, "quiz_a_number")
    blocks = [
        section(f"*{escape(pick(question.question, language))}*"),
        {"type": "input", "block_id": ids.QUIZ_NUMERIC_BLOCK,
         "label": {"type": "plain_text", "text": truncate(t(language, "quiz_estimate_label", unit=unit), 2000)},
         "element": {"type": "plain_text_input", "action_id": ids.QUIZ_NUMERIC_INPUT, "max_length": 30,
                     "placeholder": {"type": "plain_text", "text": t(language, "quiz_placeholder")}}},
    ]
    return modal(t(language, "quiz_estimate_title"), blocks, callback_id=ids.QUIZ_NUMERIC_VIEW,
                 submit=t(language, "quiz_lock_in"), close=t(language, "quiz_cancel"),
                 private_metadata=f"{quiz_id}|{position}")


def leaderboard_table(rows: list[dict[str, Any]], language: str = "en") -> dict[str, Any]:
    """Slack's table block: rank, player, points, right answers."""
    header_row = [{"type": "raw_text", "text": text}
                  for text in ("#", *(t(language, key) for key in ("quiz_col_player", "quiz_col_points",
                                                                  "quiz_col_right")))]
    body = []
    for rank, row in enumerate(rows[:20], 1):
        body.append([
            {"type": "raw_text", "text": str(rank)},
            {"type": "rich_text", "elements": [{"type": "rich_text_section",
                                                "elements": [{"type": "user", "user_id": row["user_id"]}]}]},
            {"type": "raw_text", "text": str(row["score"])},
            {"type": "raw_text", "text": str(row["correct"])},
        ])
    return {"type": "table", "rows": [header_row, *body],
            "column_settings": [{"align": "right"}, None, {"align": "right"}, {"align": "right"}]}


def leaderboard_text(rows: list[dict[str, Any]], language: str = "en") -> str:
    medals = {1: ":first_place_medal:", 2: ":second_place_medal:", 3: ":third_place_medal:"}
    return "\n".join(t(language, "quiz_row", medal=medals.get(rank, f"{rank}."), user=f"<@{row['user_id']}>",
                       points=row["score"], correct=row["correct"])
                     for rank, row in enumerate(rows[:20], 1)) or t(language, "quiz_nobody")


RESULT_HEADERS = {"finished": "quiz_finished", "stopped": "quiz_stopped", "interrupted": "quiz_interrupted"}


def results_message(pack: Pack, reread: list[str], rows: list[dict[str, Any]], language: str, *, table: bool = True,
                    state: str = "finished") -> dict[str, Any]:
    """The quiz's leaderboard (a table block, or text where Slack refuses tables) and where to reread."""
    title = t(language, RESULT_HEADERS.get(state, "quiz_finished"))
    blocks: list[dict[str, Any]] = [header(title)]
    if table and rows:
        blocks.append(leaderboard_table(rows, language))
    else:
        blocks.append(section(leaderboard_text(rows, language)))
    if reread:
        pointers = ", ".join(f"`/digest show {pack.section(s).number or s}` "
                             f"({escape(truncate(_section_name(pack, s, language), 60))})" for s in reread)
        blocks.append(section(truncate(t(language, "quiz_reread", pointers=pointers), 3000)))
    else:
        blocks.append(section(t(language, "quiz_nothing_to_reread")))
    blocks.append(context(t(language, "quiz_all_time")))
    winner = t(language, "quiz_leads", user=f"<@{rows[0]['user_id']}>", points=rows[0]["score"]) if rows else ""
    return {"text": f"{title}{winner}", "blocks": blocks}


def scores_reply(rows: list[dict[str, Any]], language: str = "en") -> dict[str, Any]:
    text = leaderboard_text(rows, language) if rows else t(language, "quiz_scores_empty")
    return {"response_type": "ephemeral", "text": t(language, "quiz_scores_text"),
            "blocks": [header(t(language, "quiz_scores_title")), section(text)]}


QUIZ_HELP = t("en", "quiz_help")  # the English text; every language's is `t(language, "quiz_help")`


def quiz_help(language: str = "en") -> dict[str, Any]:
    """`/quiz help`: how it works and how it scores, only to the caller."""
    return {"response_type": "ephemeral", "text": t(language, "quiz_help_text"),
            "blocks": [section(t(language, "quiz_help"))]}
