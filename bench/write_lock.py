"""Writers of one process with and without the store's write lock (store/db.py says why it is there).

    PYTHONPATH=. .venv/bin/python -m bench.write_lock [threads] [writes per thread] [busy timeout ms]

Each thread makes single writes (`write_one`) and, every 50th, a 200-statement transaction (`write()`),
the shape of the click journal's batches. Printed: throughput, write latency (p50, p99, max), writes lost
and `database is locked` errors, for the lock as it is and for SQLite's own locking alone.
"""

from __future__ import annotations

import sqlite3
import sys
import tempfile
import threading
import time
from pathlib import Path

from store.db import Store

BATCH_EVERY, BATCH = 50, 200


class _Unlocked:
    """Stands in for the RLock: `with` does nothing."""

    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None


def run(locked: bool, threads: int, per_thread: int, busy_timeout_ms: int) -> str:
    store = Store(Path(tempfile.mkdtemp()) / "bench.db", busy_timeout_ms=busy_timeout_ms)
    store.write_one("PRAGMA journal_mode=WAL")
    store.write_one("CREATE TABLE t (id INTEGER PRIMARY KEY, who INTEGER, n INTEGER)")
    if not locked:
        store._write_lock = _Unlocked()  # type: ignore[assignment]  # noqa: SLF001 - the point of the bench
    latencies: list[float] = []
    errors: list[str] = []
    start = threading.Barrier(threads)

    def work(who: int) -> None:
        start.wait()
        for i in range(per_thread):
            began = time.perf_counter()
            try:
                if i % BATCH_EVERY == 0:
                    with store.write():
                        for k in range(BATCH):
                            store.write_one("INSERT INTO t (who, n) VALUES (?, ?)", [-1, k])
                else:
                    store.write_one("INSERT INTO t (who, n) VALUES (?, ?)", [who, i])
            except sqlite3.OperationalError as exc:
                errors.append(str(exc))
            latencies.append(time.perf_counter() - began)
        store.close()

    workers = [threading.Thread(target=work, args=(n,)) for n in range(threads)]
    began = time.perf_counter()
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    wall = time.perf_counter() - began
    batches = threads * len(range(0, per_thread, BATCH_EVERY))
    expected = threads * per_thread - batches + batches * BATCH
    stored = store.value("SELECT COUNT(*) FROM t")
    latencies.sort()
    ms = [latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000 for p in (0.5, 0.99)]
    return (f"{'lock' if locked else 'sqlite only':11} {threads * per_thread / wall:7.0f} writes/s  "
            f"p50 {ms[0]:5.2f} ms  p99 {ms[1]:6.2f} ms  max {latencies[-1] * 1000:7.1f} ms  "
            f"lost {expected - stored - len(errors)}  locked errors {len(errors)}")


def main() -> None:
    threads, per_thread, busy = (int(a) for a in (sys.argv[1:] + ["32", "500", "2000"][len(sys.argv) - 1:]))
    print(f"{threads} threads x {per_thread} writes, busy timeout {busy} ms")
    for _ in range(3):
        for locked in (True, False):
            print(run(locked, threads, per_thread, busy))


if __name__ == "__main__":
    main()
