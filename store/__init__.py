"""SQLite persistence: the only package that holds SQL.

`open_store(path)` opens the file and applies every module's migrations; the modules (`plans`,
`deliveries`, ...) are plain functions that take the `Store`.
"""

from pathlib import Path

from store import articles, deliveries, journal, plans, polls, quizzes, replies, teams, unconfirmed_posts
from store.db import Store, StoreError

MIGRATION_SETS = [deliveries.migrations, plans.migrations, polls.migrations, quizzes.migrations, teams.migrations,
                  unconfirmed_posts.migrations, journal.migrations, articles.migrations, replies.migrations]


def open_store(path: str | Path) -> Store:
    return Store(path).migrate(*MIGRATION_SETS)


__all__ = [
    "MIGRATION_SETS",
    "Store",
    "StoreError",
    "articles",
    "deliveries",
    "journal",
    "open_store",
    "plans",
    "polls",
    "quizzes",
    "replies",
    "teams",
    "unconfirmed_posts",
]
