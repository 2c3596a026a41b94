"""Which articles a workspace can read: the built-in packs (CONTENT_DIR, loaded at start) and its own
(added with `/digest add` or `python -m bot pack import`, kept in the database: store/articles.py).

A workspace pack is parsed and validated once and kept per (team, id); the stored version is looked at
again at most every `RECHECK_SECONDS`, so a pack replaced by another process (`pack import` while the app
serves) is seen within that time without a read on every lookup (a quiz answer's acknowledgement looks
its pack up). A built-in id always means the built-in pack: workspace packs never take one
(`is_taken`).
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from dataclasses import dataclass

import yaml
from pydantic import ValidationError

from bot.domain.clock import Clock
from questions.schema import Pack
from store import Store, articles

log = logging.getLogger(__name__)

RECHECK_SECONDS = 30.0
# parsed workspace packs kept at once (least recently used dropped first): the busy ones, not every one
MAX_CACHED = 64


@dataclass(frozen=True)
class _Cached:
    pack: Pack
    version: int
    checked_at: float


@dataclass(frozen=True)
class Article:
    """One article a workspace can read, as `/digest articles` and Home list it."""

    pack: Pack
    builtin: bool


def parse_pack(text: str) -> Pack:
    """A pack from its YAML text; raises ValueError (with pydantic's or YAML's reason) if it is not one."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ValueError(f"not YAML: {exc}") from None
    try:
        return Pack.model_validate(data)
    except ValidationError as exc:
        raise ValueError(str(exc)) from None


class Library:
    def __init__(self, builtin: dict[str, Pack], store: Store, clock: Clock):
        self.builtin = builtin
        self._store = store
        self._clock = clock
        self._cache: OrderedDict[tuple[str, str], _Cached] = OrderedDict()
        self._lock = threading.Lock()

    @property
    def default_id(self) -> str:
        """The article's own pack when it is installed, else the first pack by id."""
        preferred = [pid for pid in self.builtin if not pid.startswith("sample")]
        return min(preferred or self.builtin)

    def find(self, team_id: str, pack_id: str | None) -> Pack | None:
        """The pack this workspace knows by `pack_id` (built-in, or its own); None if it has none."""
        if not pack_id:
            return None
        if pack_id in self.builtin:
            return self.builtin[pack_id]
        if not team_id:
            return None
        now = self._clock.now().timestamp()
        key = (team_id, pack_id)
        with self._lock:
            cached = self._cache.get(key)
            if cached is not None:
                self._cache.move_to_end(key)
        if cached is not None and now - cached.checked_at < RECHECK_SECONDS:
            return cached.pack
        current = articles.version(self._store, team_id, pack_id)
        if current is None:
            self.forget(team_id, pack_id)
            return None
        if cached is not None and cached.version == current:
            self._keep(key, _Cached(cached.pack, current, now))
            return cached.pack
        stored = articles.get(self._store, team_id, pack_id)
        if stored is None:
            return None
        try:
            pack = parse_pack(stored.yaml)
        except ValueError as exc:  # stored only after validating; a schema change since could still refuse it
            log.warning("workspace pack %s/%s no longer loads: %s", team_id, pack_id, str(exc).splitlines()[0])
            return None
        self._keep(key, _Cached(pack, stored.version, now))
        return pack

    def get(self, team_id: str, pack_id: str | None) -> Pack:
        """The pack, or the default article where the workspace has none of that id (a plan from before)."""
        return self.find(team_id, pack_id) or self.builtin[self.default_id]

    def available(self, team_id: str) -> list[Article]:
        """The built-in articles, then the workspace's own in the order they were added."""
        found = [Article(pack, True) for _, pack in sorted(self.builtin.items())]
        for stored in articles.of_team(self._store, team_id):
            pack = self.find(team_id, stored.pack_id)
            if pack is not None:
                found.append(Article(pack, False))
        return found

    def is_taken(self, team_id: str, pack_id: str) -> bool:
        return pack_id in self.builtin or articles.version(self._store, team_id, pack_id) is not None

    def _keep(self, key: tuple[str, str], entry: _Cached) -> None:
        with self._lock:
            self._cache[key] = entry
            self._cache.move_to_end(key)
            while len(self._cache) > MAX_CACHED:
                self._cache.popitem(last=False)

    def forget(self, team_id: str, pack_id: str) -> None:
        """Drop the cached copy (after this process replaced it)."""
        with self._lock:
            self._cache.pop((team_id, pack_id), None)
