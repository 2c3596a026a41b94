"""One lock per key, made on first use and dropped once nobody holds it or waits for it: a turn per
channel, per workspace's token, or per live message.

Keys come and go for the life of the process (every channel that ever posted, every poll message ever
redrawn), so a lock kept for each one would grow for ever. Each key's entry counts the threads that hold
it or are waiting for it; the last one to let go removes the entry, under the same guard that makes
entries. `locks(key)` hands out a `KeyedLock`, a handle naming the key rather than the lock itself: it
finds (or makes) the key's entry when it acquires, so a handle kept across a removal still meets every
other holder of that key at the one current lock, never at a stale one of its own.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from types import TracebackType
from typing import Protocol


class _Lock(Protocol):
    def acquire(self, blocking: bool = ..., timeout: float = ...) -> bool: ...

    def release(self) -> None: ...


class _Entry:
    __slots__ = ("lock", "users")

    def __init__(self, lock: _Lock):
        self.lock = lock
        self.users = 0  # threads holding the lock or waiting for it (an RLock held twice counts twice)


class KeyedLock:
    """The lock of one key, used like `threading.Lock`: `with`, `acquire(blocking, timeout)`, `release()`."""

    __slots__ = ("_key", "_locks")

    def __init__(self, locks: KeyedLocks, key: Hashable):
        self._locks, self._key = locks, key

    def acquire(self, blocking: bool = True, timeout: float = -1) -> bool:
        return self._locks._acquire(self._key, blocking, timeout)

    def release(self) -> None:
        self._locks._release(self._key)

    def __enter__(self) -> bool:
        return self.acquire()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.release()


class KeyedLocks:
    def __init__(self, factory: Callable[[], _Lock] = threading.Lock):
        """`factory` makes a key's lock: `threading.Lock`, or `threading.RLock` for a lock its holder may
        take again."""
        self._factory = factory
        self._entries: dict[Hashable, _Entry] = {}
        self._guard = threading.Lock()

    def __call__(self, key: Hashable) -> KeyedLock:
        return KeyedLock(self, key)

    def __len__(self) -> int:
        """Keys held or waited for right now: the map holds nothing else."""
        with self._guard:
            return len(self._entries)

    def _acquire(self, key: Hashable, blocking: bool, timeout: float) -> bool:
        with self._guard:
            entry = self._entries.get(key)
            if entry is None:
                entry = self._entries[key] = _Entry(self._factory())
            entry.users += 1  # before waiting: the entry stays while this thread waits for it
        taken = False
        try:
            taken = entry.lock.acquire(blocking, timeout) if blocking else entry.lock.acquire(False)
        finally:
            if not taken:
                self._let_go(key, entry)
        return taken

    def _release(self, key: Hashable) -> None:
        with self._guard:
            entry = self._entries.get(key)
        if entry is None:
            raise RuntimeError(f"release of an unheld keyed lock: {key!r}")
        entry.lock.release()  # raises, and leaves the count alone, if this thread could not release it
        self._let_go(key, entry)

    def _let_go(self, key: Hashable, entry: _Entry) -> None:
        with self._guard:
            entry.users -= 1
            if entry.users == 0 and self._entries.get(key) is entry:
                del self._entries[key]
