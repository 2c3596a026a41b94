"""A write transaction held open by another thread, for tests of what queues behind it."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator

from store import Store


@contextlib.contextmanager
def another_thread_holding_a_transaction(store: Store) -> Iterator[None]:
    """Inside the block, another thread holds a write transaction on `store` (one row written to
    `deliveries`); leaving the block lets it commit and waits for it."""
    inside, finish = threading.Event(), threading.Event()

    def hold() -> None:
        with store.write():
            store.write_one("INSERT INTO deliveries (team_id, delivery_key, received_at) VALUES ('T', 'held', 1)")
            inside.set()
            finish.wait(5)
        store.close()

    holder = threading.Thread(target=hold)
    holder.start()
    assert inside.wait(5)
    try:
        yield
    finally:
        finish.set()
        holder.join()
