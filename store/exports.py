"""Read-only queries that flatten the team's responses for export: one row per vote click, comment, quiz answer and
thread reply (of people who share theirs: store/replies.py).

Anonymous polls export no user ids: the query blanks them, so nothing downstream can leak them.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from store.db import Row, Store
from store.replies import REPLY_ROWS

VOTE_ROWS = """
SELECT 'vote' AS kind, l.team_id, p.channel_id, p.pack_id, p.poll_id AS item_id, p.number,
       CASE WHEN p.anonymous THEN '' ELSE l.user_id END AS user_id,
       l.option_id AS answer, COALESCE(l.previous_option_id, '') AS previous_answer, '' AS text,
       NULL AS score, l.at AS at
FROM vote_log l JOIN poll_posts p ON p.id = l.poll_post_id
"""

COMMENT_ROWS = """
SELECT 'comment' AS kind, c.team_id, p.channel_id, p.pack_id, p.poll_id AS item_id, p.number,
       CASE WHEN p.anonymous THEN '' ELSE c.user_id END AS user_id,
       '' AS answer, '' AS previous_answer, c.text AS text, NULL AS score, c.created_at AS at
FROM comments c JOIN poll_posts p ON p.id = c.poll_post_id
"""

QUIZ_ANSWER_ROWS = """
SELECT 'quiz_answer' AS kind, a.team_id, q.channel_id, q.pack_id, qq.question_id AS item_id, a.position AS number,
       a.user_id, a.answer, '' AS previous_answer, '' AS text, a.score AS score, a.answered_at AS at
FROM quiz_answers a JOIN quizzes q ON q.id = a.quiz_id
JOIN quiz_questions qq ON qq.quiz_id = a.quiz_id AND qq.position = a.position
"""

SOURCES: list[str] = [VOTE_ROWS, COMMENT_ROWS, QUIZ_ANSWER_ROWS, REPLY_ROWS]


def response_rows(store: Store, team_id: str | None = None, channel_id: str | None = None) -> Iterator[Row]:
    """Every response row, oldest first, streamed (`Store.stream`): never all of them in memory."""
    where: list[str] = []
    params: list[Any] = []
    if team_id:
        where.append("team_id = ?")
        params.append(team_id)
    if channel_id:
        where.append("channel_id = ?")
        params.append(channel_id)
    sql = "SELECT * FROM (" + " UNION ALL ".join(SOURCES) + ")"
    if where:
        sql += " WHERE " + " AND ".join(where)
    return store.stream(sql + " ORDER BY at, kind", params)
