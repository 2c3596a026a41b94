"""The architecture's rules, checked over the source's syntax trees (the layout: README, CONTRIBUTING.md).

Who may import whom: the store knows nothing of the bot (no Slack listeners, no blocks); domain rules
are pure (no listeners, blocks, Slack, flows or store); drawing never reads the database nor talks to
Slack (the names in `bot.slack.ids` excepted: ids are names); flows never reach back into listeners;
packs are data. And SQL stays in `store/`: listeners never touch a store's connection, and nothing
outside `store/` calls `.execute(` or spells a SQL statement.

Imports under `if TYPE_CHECKING:` count too: a type a layer must not import is a dependency it must not
have (give it a `Protocol` instead, as `bot.blocks.digest.ShownPlan` does).
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SQL = re.compile(r"\b(SELECT|INSERT|UPDATE|DELETE) ")


@dataclass(frozen=True)
class ImportRule:
    name: str
    where: str  # a folder, relative to the root
    forbidden: tuple[str, ...]  # modules (and everything under them)
    allowed: tuple[str, ...] = ()  # exceptions under a forbidden module


IMPORT_RULES = (
    ImportRule("the store knows nothing of the bot (no Slack listeners or blocks)", "store", ("bot",)),
    ImportRule("domain rules are pure (no listeners, blocks, Slack, flows or store)", "bot/domain",
               ("bot.listeners", "bot.blocks", "bot.slack", "bot.flows", "slack_sdk", "slack_bolt", "store")),
    ImportRule("drawing never reads the database nor talks to Slack", "bot/blocks",
               ("store", "bot.slack", "bot.flows", "bot.listeners"), allowed=("bot.slack.ids",)),
    ImportRule("flows never reach back into listeners", "bot/flows", ("bot.listeners",)),
    ImportRule("packs are data", "questions", ("bot", "store")),
)
LISTENER_SQL = "listeners hold no SQL: they hand over to flows and store/"
SQL_OUTSIDE_STORE = "SQL only in store/"
SQL_CHECKED = ("bot", "questions")  # everything of the app outside store/


def _under(module: str, prefixes: tuple[str, ...]) -> bool:
    return any(module == p or module.startswith(p + ".") for p in prefixes)


def _module_of(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported(tree: ast.AST, module: str, is_package: bool) -> list[tuple[int, str]]:
    """(line, dotted name) of everything a module imports; `from a import b` gives `a.b` (b may be a module)."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: resolved against the importing module's package
                package = module.split(".") if is_package else module.split(".")[:-1]
                anchor = package[: len(package) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            found += [(node.lineno, f"{base}.{alias.name}" if alias.name != "*" else base) for alias in node.names]
    return found


def _strings(tree: ast.AST) -> list[tuple[int, str]]:
    return [(n.lineno, n.value) for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)]


def _touches_store_connection(node: ast.AST) -> bool:
    """`store.db`, `services.store.db`, `self.services.store.db`: the raw connection of a store."""
    if not (isinstance(node, ast.Attribute) and node.attr == "db"):
        return False
    owner = node.value
    return (isinstance(owner, ast.Name) and owner.id == "store") or (
        isinstance(owner, ast.Attribute) and owner.attr == "store")


def violations(root: Path) -> list[str]:
    """Every broken rule under `root`, as `path:line: rule: what`."""
    found = []
    for path in sorted(root.rglob("*.py")):
        relative = path.relative_to(root).as_posix()
        if not relative.startswith(("bot/", "store/", "questions/")):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=relative)
        module = _module_of(path, root)
        for rule in IMPORT_RULES:
            if not relative.startswith(rule.where + "/"):
                continue
            for line, name in imported(tree, module, path.name == "__init__.py"):
                if _under(name, rule.forbidden) and not _under(name, rule.allowed):
                    found.append(f"{relative}:{line}: {rule.name}: imports {name}")
        if relative.startswith("bot/listeners/"):
            found += [f"{relative}:{n.lineno}: {LISTENER_SQL}: reaches a store's connection (.db)"
                      for n in ast.walk(tree) if _touches_store_connection(n)]
        if relative.startswith(tuple(f"{top}/" for top in SQL_CHECKED)):
            found += [f"{relative}:{n.lineno}: {SQL_OUTSIDE_STORE}: calls .execute("
                      for n in ast.walk(tree)
                      if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr == "execute"]
            for line, text in _strings(tree):
                if match := SQL.search(text):  # the line of the statement, in a string of several lines
                    at = line + text.count("\n", 0, match.start())
                    found.append(f"{relative}:{at}: {SQL_OUTSIDE_STORE}: a SQL statement in a string "
                                 f"({text[match.start():].splitlines()[0][:40]!r})")
    return found


def test_the_source_keeps_the_architecture() -> None:
    broken = violations(ROOT)
    assert not broken, "the architecture's rules are broken:\n" + "\n".join(broken)


def test_every_rule_looks_at_a_layer_that_exists() -> None:
    """A rule over a folder that was renamed away would pass forever."""
    for where in [rule.where for rule in IMPORT_RULES] + ["bot/listeners", *SQL_CHECKED]:
        assert len(list((ROOT / where).rglob("*.py"))) > 1, where


def _write(root: Path, relative: str, source: str) -> None:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(source, encoding="utf-8")


BROKEN = {
    "store/plans.py": ("import os\nfrom bot.blocks.digest import digest_message\n", 2,
                       "the store knows nothing of the bot"),
    "bot/domain/quiz.py": ("from slack_sdk import WebClient\n", 1, "domain rules are pure"),
    "bot/domain/polls.py": ("\n\nfrom ..flows import polls\n", 3, "domain rules are pure"),
    "bot/domain/digest.py": ("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from store import plans\n", 3,
                             "domain rules are pure"),
    "bot/blocks/polls.py": ("from store import polls\n", 1, "drawing never reads the database"),
    "bot/blocks/quiz.py": ("from bot.slack import ids, posting\n", 1, "drawing never reads the database nor talks"),
    "bot/flows/home.py": ("import bot.listeners.events.home\n", 1, "flows never reach back into listeners"),
    "questions/loader.py": ("from bot.domain.text import escape\n", 1, "packs are data"),
    "bot/listeners/commands/quiz.py": ("def handle(services):\n    return services.store.db.query('x')\n", 2,
                                       LISTENER_SQL),
    "bot/flows/export.py": ("def rows(db):\n    return db.execute('x')\n", 2, SQL_OUTSIDE_STORE),
    "bot/flows/polls.py": ('QUERY = (\n    "SELECT id FROM poll_posts"\n)\n', 2, SQL_OUTSIDE_STORE),
    "bot/flows/digests.py": ('"""Posting.\n\nclaims with\nUPDATE plans SET next = 1\n"""\n', 4, SQL_OUTSIDE_STORE),
}


def test_each_rule_trips_with_its_file_line_and_rule(tmp_path: Path) -> None:
    for relative, (source, _, _) in BROKEN.items():
        _write(tmp_path, relative, source)
    found = violations(tmp_path)
    for relative, (_, line, rule) in BROKEN.items():
        assert any(v.startswith(f"{relative}:{line}: {rule}") for v in found), (relative, found)
    assert len(found) == len(BROKEN), found  # `bot.slack.ids` beside `posting` is allowed; `import os` too


def test_what_the_rules_allow_passes(tmp_path: Path) -> None:
    allowed = {
        "bot/blocks/digest.py": "from bot.slack import ids\nfrom bot.slack.ids import DIGEST_READ_FULL\n"
                                "from . import replies\n",
        "bot/domain/digest.py": "from bot.domain.text import escape\nfrom questions.schema import Pack\n",
        "bot/flows/polls.py": "from store import polls\nfrom bot.slack.posting import post\n"
                              "from bot.blocks import section\n",
        "bot/listeners/commands/digest.py": "from store import plans\nplans.get(services.store, 'T', 'C')\n",
        "store/plans.py": "def go(db):\n    db.execute('SELECT 1 FROM plans')\n",
        "questions/schema.py": "from pydantic import BaseModel\nTEXT = 'Select one option'\n",
    }
    for relative, source in allowed.items():
        _write(tmp_path, relative, source)
    assert violations(tmp_path) == []
