"""Locate Slack's sample material (``shared/slack-samples``) without hard-coding /work.

Order: ``$SLACK_SAMPLES_DIR``; then, walking up from this file, ``<dir>/shared/slack-samples``
(the clone's parent holds ``shared/`` in CI: ``<clone>/../shared/slack-samples``).
"""

from __future__ import annotations

import functools
import json
import os
import subprocess
from pathlib import Path
from typing import Any

_MARKER = "SOURCES.md"


def _origin_parents(here: Path) -> list[Path]:
    """For a clone made elsewhere (`git clone <repo> /tmp/x`): the folders above the repository it came from."""
    try:
        url = subprocess.run(["git", "-C", str(here.parent), "config", "--get", "remote.origin.url"],
                             capture_output=True, text=True, timeout=5).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return []
    origin = Path(url)
    return list(origin.resolve().parents) if url and origin.is_dir() else []


@functools.cache
def samples_dir() -> Path:
    env = os.environ.get("SLACK_SAMPLES_DIR")
    if env:
        p = Path(env).expanduser().resolve()
        if not (p / _MARKER).is_file():
            raise FileNotFoundError(f"SLACK_SAMPLES_DIR={env!r} has no {_MARKER}")
        return p
    here = Path(__file__).resolve()
    tried = []
    for parent in [*here.parents, *_origin_parents(here)]:
        cand = parent / "shared" / "slack-samples"
        tried.append(str(cand))
        if (cand / _MARKER).is_file():
            return cand
    raise FileNotFoundError(
        "Slack samples not found; set SLACK_SAMPLES_DIR or put shared/slack-samples beside the clone. "
        f"Tried: {tried}"
    )


def sample_path(*parts: str) -> Path:
    p = samples_dir().joinpath(*parts)
    if not p.exists():
        raise FileNotFoundError(p)
    return p


@functools.cache
def _load(path: str) -> str:
    return Path(path).read_text(encoding="utf-8")


def load_json(*parts: str) -> Any:
    """Parse a sample JSON file afresh (callers may mutate the result)."""
    return json.loads(_load(str(sample_path(*parts))))


JAVA_SAMPLES = ("slackapi", "java-slack-sdk", "json-logs", "samples")
WEB_API_SPEC = ("slackapi", "slack-api-specs", "web-api", "slack_web_openapi_v2.json")
BLOCK_KIT_SCHEMA = ("TightknitAI", "slack-block-kit-validator", "src", "slack-block-kit.schema.json")
MANIFEST_SCHEMA_DIR = ("slackapi", "manifest-schema")
PY_SDK_FIXTURES = ("slackapi", "python-slack-sdk", "tests", "slack_sdk_fixture")
