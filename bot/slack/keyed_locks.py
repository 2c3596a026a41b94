"""One lock per key, made on first use: a turn per channel or per live message."""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from typing import Any


class KeyedLocks:
    def __init__(self, factory: Callable[[], Any] = threading.Lock):
        self._factory = factory
        self._locks: dict[Hashable, Any] = {}
        self._guard = threading.Lock()

    def __call__(self, key: Hashable) -> Any:
        with self._guard:
            lock = self._locks.get(key)
            if lock is None:
                lock = self._locks[key] = self._factory()
            return lock
