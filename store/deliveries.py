"""A log of the Slack deliveries already handled, so a retried delivery has one effect.

Slack re-sends an event when it did not see our acknowledgement in time (header `X-Slack-Retry-Num`);
a double click or a proxy can do the same for interactions. Each delivery gets a key (event_id, or the
interaction's trigger_id) and the first process to insert it handles it; every later copy is only acked.
"""

from __future__ import annotations

import sqlite3
import time

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from store.db import Store

migrations = Migrations("deliveries")


@migrations()
def m001_create_deliveries(db: Database) -> None:
    db.execute(
        """
        CREATE TABLE deliveries (
            team_id TEXT NOT NULL,
            delivery_key TEXT NOT NULL,
            received_at REAL NOT NULL,
            PRIMARY KEY (team_id, delivery_key)
        )
        """
    )
    db.execute("CREATE INDEX deliveries_received_at ON deliveries(received_at)")


def claim(store: Store, team_id: str, delivery_key: str, now: float | None = None) -> bool:
    """True the first time a delivery is seen, False for every copy after it."""
    try:
        store.write_one(
            "INSERT INTO deliveries (team_id, delivery_key, received_at) VALUES (?, ?, ?)",
            [team_id, delivery_key, time.time() if now is None else now],
        )
    except sqlite3.IntegrityError:
        return False
    return True


def prune(store: Store, older_than: float) -> int:
    """Forget deliveries received before `older_than` (epoch seconds); Slack stops retrying within minutes."""
    return store.write_one("DELETE FROM deliveries WHERE received_at < ?", [older_than]).rowcount
