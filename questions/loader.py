"""Load content packs from YAML and report errors the way an editor needs them: file, line, field.

pydantic tells us *which* field is wrong as a path (`sections.2.digest.0.en`); YAML's composed node tree
still knows where that path sits in the file, so we walk it to turn the path into a line number.

Languages a pack declares as derived (`pack.derived_languages`, e.g. zh-Hans from zh-Hant by OpenCC `tw2s`)
are filled in here, before validation, so every text exists in them like in any other language; a text the
pack writes out in a derived language is kept as written.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import TypeAdapter, ValidationError

from questions.schema import Derivation, LanguageTag, Pack
from questions.scripts import convert

BUILTIN_DIR = Path(__file__).resolve().parent


@dataclass(frozen=True)
class PackProblem:
    path: Path
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.field}: {self.message}"


class PackError(Exception):
    """A pack that does not load; `problems` lists each as file:line: field: message."""

    def __init__(self, problems: list[PackProblem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


def load_pack(path: str | Path) -> Pack:
    path = Path(path)
    text = path.read_text(encoding="utf-8")
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else 1
        raise PackError([PackProblem(path, line, "(yaml)", str(getattr(exc, "problem", exc)))]) from None
    if not isinstance(data, dict):
        raise PackError([PackProblem(path, 1, "(root)", "a pack is a mapping with pack, sections, quiz, polls")])
    try:
        return Pack.model_validate(derive_languages(data))
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            loc = [str(p) for p in err["loc"]]
            problems.append(PackProblem(path, _line_of(root, loc), ".".join(loc) or "(root)", err["msg"]))
        raise PackError(problems) from None


def derive_languages(data: dict[str, Any]) -> dict[str, Any]:
    """The pack's raw mapping with each derived language filled into every text that lacks it.

    A text is a mapping of language tags to strings that has the language converted from. Declarations the
    schema will refuse (an unknown conversion, a malformed tag) are skipped here and reported by validation.
    """
    meta = data.get("pack")
    declared = meta.get("derived_languages") if isinstance(meta, dict) else None
    if not isinstance(declared, dict):
        return data
    derivations: dict[str, Derivation] = {}
    for language, how in declared.items():
        try:
            derivations[_TAG.validate_python(language)] = Derivation.model_validate(how)
        except ValidationError:
            continue
    return _filled(data, derivations) if derivations else data


_TAG: TypeAdapter[str] = TypeAdapter(LanguageTag)


def _filled(node: Any, derivations: dict[str, Derivation]) -> Any:
    if isinstance(node, list):
        return [_filled(item, derivations) for item in node]
    if not isinstance(node, dict):
        return node
    if node and all(isinstance(k, str) and isinstance(v, str) for k, v in node.items()) and any(
            how.convert_from in node for how in derivations.values()):
        text = dict(node)
        for language, how in derivations.items():
            if language not in text and how.convert_from in text:
                text[language] = convert(text[how.convert_from], how.opencc)
        return text
    return {key: _filled(value, derivations) for key, value in node.items()}


def load_packs(directory: str | Path) -> dict[str, Pack]:
    """Every `*.yaml` pack under `directory`, keyed by pack id; all problems of all files in one error."""
    packs: dict[str, Pack] = {}
    problems: list[PackProblem] = []
    files = sorted(Path(directory).glob("*.yaml"))
    for file in files:
        try:
            pack = load_pack(file)
        except PackError as exc:
            problems += exc.problems
            continue
        if pack.pack.id in packs:
            problems.append(PackProblem(file, 1, "pack.id", f"pack id {pack.pack.id!r} is used by another file"))
        packs[pack.pack.id] = pack
    if problems:
        raise PackError(problems)
    if not packs:
        raise PackError([PackProblem(Path(directory), 0, "(directory)", "no *.yaml content packs here")])
    return packs


def _line_of(node: yaml.Node | None, loc: list[str]) -> int:
    """The 1-based line of the deepest YAML node that `loc` reaches."""
    line = node.start_mark.line + 1 if node is not None else 1
    for key in loc:
        if isinstance(node, yaml.MappingNode):
            node = next((v for k, v in node.value if k.value == key), None)
        elif isinstance(node, yaml.SequenceNode) and key.isdigit() and int(key) < len(node.value):
            node = node.value[int(key)]
        else:
            break
        if node is None:
            break
        line = node.start_mark.line + 1
    return line
