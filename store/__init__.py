"""SQLite persistence: the only package that holds SQL.

`open_store(path)` opens the file and applies every module's migrations; the modules (`plans`,
`deliveries`, ...) are plain functions that take the `Store`.
"""

from pathlib import Path

from store import deliveries, journal, plans, polls, quizzes, teams, unconfirmed_posts
from store.db import Store, StoreError

MIGRATION_SETS = [deliveries.migrations, plans.migrations, polls.migrations, quizzes.migrations, teams.migrations,
                  unconfirmed_posts.migrations, journal.migrations]


def open_store(path: str | Path) -> Store:
    return Store(path).migrate(*MIGRATION_SETS)


__all__ = ["Store", "StoreError", "open_store", "MIGRATION_SETS", "deliveries", "journal", "plans", "polls", "quizzes",
           "teams", "unconfirmed_posts"]
