"""A draft pack as YAML a person can edit (long texts as `|` blocks, keys in the schema's order), and the
line of each field the draft asks to be reviewed."""

from __future__ import annotations

from pathlib import Path

import yaml

from questions.authoring.draft import Draft
from questions.loader import _line_of


class _Dumper(yaml.SafeDumper):
    pass


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)


def to_yaml(draft: Draft, header: str = "") -> str:
    body = yaml.dump(draft.pack, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=120,
                     default_flow_style=False)
    return header + body


def review_lines(draft: Draft, path: Path, text: str) -> list[str]:
    """`file:line: what` for every field the draft marked for review, in file order."""
    root = yaml.compose(text, Loader=yaml.SafeLoader)
    rows = [(_line_of(root, item.path.split(".")), item.what) for item in draft.review]
    return [f"{path}:{line}: {what}" for line, what in sorted(rows)]


def header_for(source: str, language: str) -> str:
    return (f"# Drafted by `python -m bot pack new` from {source} ({language}).\n"
            "# Review the digests, distractors, tolerances, prompts and poll options listed when it was made,\n"
            "# then check it with `python -m bot pack check FILE`.\n")


def write(draft: Draft, out: Path, source: str) -> list[str]:
    text = to_yaml(draft, header_for(source, draft.language))
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    return review_lines(draft, out, text)


