"""What Slack refuses that no JSON schema can say, and how Slack says it.

The Block Kit schema (`tests/support/schemas.py`) checks shapes. Slack also refuses payloads that every schema
accepts: an `action_id` twice in one block, a `block_id` twice in one message, a second table, a chart whose
series do not match its categories, a block type the surface does not show. Each rule below names the
reference page it comes from. The stand-in (`tests/support/slack_stub.py`) runs these checks on every
message, view and `response_url` post, and refuses the way Slack refuses:

- chat.postMessage / chat.update / chat.postEphemeral / chat.scheduleMessage: HTTP 200 with
  ``{"ok": false, "error": "invalid_blocks", "errors": ["<why> [json-pointer:/blocks/2/elements/1/action_id]"],
  "response_metadata": {"messages": ["[ERROR] <why> [json-pointer:...]"]}}``; a second table is
  ``invalid_attachments`` naming ``only_one_table_allowed``; over-long text is ``msg_too_long``
  (https://docs.slack.dev/reference/methods/chat.postMessage, "Errors"; the `errors` list and its
  `json-pointer` form are what Slack answers, as slackapi/java-slack-sdk#1017 quotes).
- views.open / views.push / views.update / views.publish: ``{"ok": false, "error": "invalid_arguments",
  "response_metadata": {"messages": ["[ERROR] <why> [json-pointer:/view/blocks/0/text]"]}}``
  (https://docs.slack.dev/reference/methods/views.open, "Errors").
- a `response_url`: HTTP 400 with the body ``invalid_blocks``, as incoming webhooks answer
  (https://docs.slack.dev/messaging/sending-messages-using-incoming-webhooks, "Handling errors").

Nothing a refused call carries is posted or stored.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from jsonschema.exceptions import relevance

from . import schemas

MESSAGE, MODAL, HOME = "message", "modal", "home"

# https://docs.slack.dev/reference/block-kit/blocks: "up to 50 blocks in each message, and 100 blocks in
# modals or Home tabs".
MAX_BLOCKS = {MESSAGE: 50, MODAL: 100, HOME: 100}

# Surfaces each block type is shown on: the "Available in surfaces" line of each block's reference page
# (https://docs.slack.dev/reference/block-kit/blocks/data-visualization-block: Messages;
# https://docs.slack.dev/reference/block-kit/blocks/table-block: Messages;
# https://docs.slack.dev/reference/block-kit/blocks/markdown-block: Messages).
NOT_ON_SURFACE = {
    MESSAGE: frozenset({"file", "alert"}),
    MODAL: frozenset({"data_visualization", "table", "data_table", "markdown", "file", "card", "carousel",
                      "context_actions", "plan", "task_card"}),
    HOME: frozenset({"data_visualization", "table", "data_table", "markdown", "file", "alert", "context_actions",
                     "plan", "task_card"}),
}

# https://docs.slack.dev/reference/methods/chat.postMessage: "truncating messages containing more than
# 40,000 characters" (and the `msg_too_long` error).
MESSAGE_TEXT_MAX = 40_000
# https://docs.slack.dev/reference/block-kit/blocks/markdown-block: "The cumulative limit for all markdown
# blocks in a single payload is 12,000 characters" (`msg_blocks_too_long`).
MARKDOWN_TOTAL_MAX = 12_000
# https://docs.slack.dev/reference/block-kit/blocks/data-visualization-block: chart title ≤ 50, 1–6 series,
# labels ≤ 20.
CHART_TITLE_MAX = 50
CHART_SERIES_MAX = 6
CHART_LABEL_MAX = 20
# https://docs.slack.dev/reference/views (view object): title, submit and close ≤ 24, private_metadata ≤ 3000,
# callback_id ≤ 255, external_id ≤ 255.
VIEW_TEXT_MAX = 24
PRIVATE_METADATA_MAX = 3000
CALLBACK_ID_MAX = 255
# https://docs.slack.dev/reference/block-kit/blocks/input-block: label and hint "Maximum length for the text in
# this field is 2000 characters". https://docs.slack.dev/reference/block-kit/block-elements/plain-text-input-element:
# min_length "between 0 and 3000, inclusive", max_length "between 1 and 3000, inclusive"; a placeholder's text
# is at most 150 (https://docs.slack.dev/tools/node-slack-sdk/reference/types/interfaces/Placeholdable).
INPUT_LABEL_MAX = 2000
INPUT_HINT_MAX = 2000
PLACEHOLDER_MAX = 150
INPUT_LENGTH_RANGE = {"min_length": (0, 3000), "max_length": (1, 3000)}


@dataclass(frozen=True)
class Problem:
    """One reason Slack would refuse a payload: the error Slack answers with, where, and why."""

    # invalid_blocks | invalid_attachments | msg_too_long | msg_blocks_too_long | no_text | invalid_arguments
    error: str
    pointer: str  # RFC 6901 JSON pointer into the request (`/blocks/2/elements/1/action_id`)
    why: str

    def slack_text(self) -> str:
        return f"{self.why} [json-pointer:{self.pointer}]"


def message_problems(payload: dict[str, Any]) -> list[Problem]:
    """Everything Slack would refuse in a chat.postMessage / chat.update / response_url message."""
    problems: list[Problem] = []
    text, blocks, attachments = payload.get("text"), payload.get("blocks"), payload.get("attachments")
    if not (text or blocks or attachments):
        # https://docs.slack.dev/reference/methods/chat.postMessage: `no_text`
        problems.append(Problem("no_text", "/text", "a message needs text, blocks or attachments"))
    if isinstance(text, str) and len(text) > MESSAGE_TEXT_MAX:
        problems.append(Problem("msg_too_long", "/text",
                                f"text is {len(text)} characters, Slack takes {MESSAGE_TEXT_MAX}"))
    if blocks is not None:
        problems += blocks_problems(blocks, MESSAGE, "/blocks")
    return problems


def view_problems(view: Any, surface: str) -> list[Problem]:
    """Everything Slack would refuse in a modal (views.open/push/update) or a Home tab (views.publish)."""
    if not isinstance(view, dict):
        return [Problem("invalid_arguments", "/view", "a view must be an object")]
    problems: list[Problem] = []
    if view.get("type") != surface:
        problems.append(Problem("invalid_arguments", "/view/type", f"must be {surface!r}"))
    if surface == MODAL:
        for key in ("title", "submit", "close"):
            value = view.get(key)
            if isinstance(value, dict) and len(str(value.get("text", ""))) > VIEW_TEXT_MAX:
                problems.append(Problem("invalid_arguments", f"/view/{key}/text",
                                        f"must be less than {VIEW_TEXT_MAX + 1} characters"))
    if len(str(view.get("private_metadata", ""))) > PRIVATE_METADATA_MAX:
        problems.append(Problem("invalid_arguments", "/view/private_metadata",
                                f"must be less than {PRIVATE_METADATA_MAX + 1} characters"))
    if len(str(view.get("callback_id", ""))) > CALLBACK_ID_MAX:
        problems.append(Problem("invalid_arguments", "/view/callback_id",
                                f"must be less than {CALLBACK_ID_MAX + 1} characters"))
    blocks = view.get("blocks")
    if not isinstance(blocks, list):
        problems.append(Problem("invalid_arguments", "/view/blocks", "a view needs a blocks array"))
    else:
        problems += blocks_problems(blocks, surface, "/view/blocks")
    if surface == MODAL:
        problems += _schema_problems_of_view(view)
    return [Problem("invalid_arguments", p.pointer, p.why) for p in problems]


def blocks_problems(blocks: Any, surface: str, at: str) -> list[Problem]:
    """The blocks of one message or view, against the schema and every rule the schema cannot state."""
    if not isinstance(blocks, list):
        return [Problem("invalid_blocks", at, "blocks must be an array")]
    problems: list[Problem] = []
    if len(blocks) > MAX_BLOCKS[surface]:
        problems.append(Problem("invalid_blocks", at,
                                f"no more than {MAX_BLOCKS[surface]} items allowed (got {len(blocks)})"))
    problems += _shape_problems(blocks, at)
    problems += _limit_problems(blocks, at)
    problems += _duplicate_block_ids(blocks, at)
    for i, block in enumerate(blocks):
        if not isinstance(block, dict):
            continue
        where = f"{at}/{i}"
        btype = block.get("type")
        if btype in NOT_ON_SURFACE[surface]:
            problems.append(Problem("invalid_blocks", f"{where}/type", f"{btype} blocks are not shown in a {surface}"))
        problems += _duplicate_action_ids(block, where)
        if btype == "data_visualization":
            problems += _chart_problems(block, where)
        if btype == "input":
            problems += _input_problems(block, where)
    if surface == MESSAGE:
        problems += _one_table(blocks, at)
        problems += _markdown_total(blocks, at)
    return problems


# --------------------------------------------------------------------------- the rules


def _repeats(items: Iterable[tuple[str, Any]]) -> Iterator[tuple[str, str, str]]:
    """(where, value, where first) for each string value met again among `(where, value)` pairs."""
    seen: dict[str, str] = {}
    for where, value in items:
        if not isinstance(value, str):
            continue
        if value in seen:
            yield where, value, seen[value]
        else:
            seen[value] = where


def _duplicate_block_ids(blocks: list[Any], at: str) -> Iterator[Problem]:
    """https://docs.slack.dev/reference/block-kit/blocks (block_id): "block_id should be unique for each
    message and each iteration of a message"; Slack refuses a second one in one payload."""
    ids = ((f"{at}/{i}", block.get("block_id") if isinstance(block, dict) else None) for i, block in enumerate(blocks))
    for where, block_id, first in _repeats(ids):
        yield Problem("invalid_blocks", f"{where}/block_id", f"duplicate block_id {block_id!r} (first at {first})")


def _duplicate_action_ids(block: dict[str, Any], where: str) -> Iterator[Problem]:
    """https://docs.slack.dev/reference/block-kit/block-elements/button-element (action_id): "Should be
    unique among all other action_ids in the containing block". A bolt-python maintainer: "please set a
    unique action_id for each interactive block element" (slackapi/bolt-python#988)."""
    def elements() -> Iterator[tuple[str, Any]]:
        for key in ("elements", "accessory", "element"):
            value = block.get(key)
            entries = [(f"{key}/{i}", e) for i, e in enumerate(value)] if isinstance(value, list) else [(key, value)]
            for rel, element in entries:
                yield f"{where}/{rel}", element.get("action_id") if isinstance(element, dict) else None

    for at, action_id, first in _repeats(elements()):
        yield Problem("invalid_blocks", f"{at}/action_id",
                      f"duplicate action_id {action_id!r} in one block (first at {first})")


def _one_table(blocks: list[Any], at: str) -> Iterator[Problem]:
    """https://docs.slack.dev/reference/block-kit/blocks/table-block ("Usage info"): one table per message;
    a second is refused with `invalid_attachments` / `only_one_table_allowed`."""
    tables = [i for i, b in enumerate(blocks) if isinstance(b, dict) and b.get("type") in ("table", "data_table")]
    for i in tables[1:]:
        yield Problem("invalid_attachments", f"{at}/{i}", "only_one_table_allowed")


def _markdown_total(blocks: list[Any], at: str) -> Iterator[Problem]:
    total = sum(len(str(b.get("text", ""))) for b in blocks if isinstance(b, dict) and b.get("type") == "markdown")
    if total > MARKDOWN_TOTAL_MAX:
        yield Problem("msg_blocks_too_long", at,
                      f"markdown blocks hold {total} characters, Slack takes {MARKDOWN_TOTAL_MAX} in one message")


def _chart_problems(block: dict[str, Any], where: str) -> Iterator[Problem]:
    """https://docs.slack.dev/reference/block-kit/blocks/data-visualization-block: title ≤ 50; bar, line and
    area charts take 1–6 series with distinct names, and each series has one point per category of
    `axis_config.categories`, labelled as that category; labels ≤ 20."""
    title = block.get("title")
    if isinstance(title, str) and len(title) > CHART_TITLE_MAX:
        yield Problem("invalid_blocks", f"{where}/title", f"must be less than {CHART_TITLE_MAX + 1} characters")
    chart = block.get("chart") if isinstance(block.get("chart"), dict) else {}
    if chart.get("type") == "pie":
        return
    series = chart.get("series") if isinstance(chart.get("series"), list) else []
    categories = (chart.get("axis_config") or {}).get("categories") or []
    if not 1 <= len(series) <= CHART_SERIES_MAX:
        yield Problem("invalid_blocks", f"{where}/chart/series", f"must hold 1 to {CHART_SERIES_MAX} series")
    if len(set(categories)) != len(categories):
        yield Problem("invalid_blocks", f"{where}/chart/axis_config/categories", "categories must be unique")
    for c, category in enumerate(categories):
        if isinstance(category, str) and len(category) > CHART_LABEL_MAX:
            yield Problem("invalid_blocks", f"{where}/chart/axis_config/categories/{c}",
                          f"must be less than {CHART_LABEL_MAX + 1} characters")
    names = [s.get("name") for s in series if isinstance(s, dict)]
    for s, item in enumerate(series):
        if not isinstance(item, dict):
            continue
        if names.count(item.get("name")) > 1:
            yield Problem("invalid_blocks", f"{where}/chart/series/{s}/name", "series names must be unique")
        labels = [point.get("label") for point in item.get("data") or [] if isinstance(point, dict)]
        if labels != list(categories):
            yield Problem("invalid_blocks", f"{where}/chart/series/{s}/data",
                          "each series needs one point per category, labelled as the category")


def _input_problems(block: dict[str, Any], where: str) -> Iterator[Problem]:
    """An input block's label and hint, and its plain_text_input's placeholder and length bounds (the
    limits above, from the input block and plain-text input element reference pages)."""
    for key, limit in (("label", INPUT_LABEL_MAX), ("hint", INPUT_HINT_MAX)):
        text = block.get(key).get("text") if isinstance(block.get(key), dict) else None
        if isinstance(text, str) and len(text) > limit:
            yield Problem("invalid_blocks", f"{where}/{key}/text", f"input {key} is {len(text)} characters, "
                                                                  f"Slack takes {limit}")
    element = block.get("element") if isinstance(block.get("element"), dict) else {}
    placeholder = element.get("placeholder")
    text = placeholder.get("text") if isinstance(placeholder, dict) else None
    if isinstance(text, str) and len(text) > PLACEHOLDER_MAX:
        yield Problem("invalid_blocks", f"{where}/element/placeholder/text",
                      f"placeholder is {len(text)} characters, Slack takes {PLACEHOLDER_MAX}")
    if element.get("type") == "plain_text_input":
        for key, (low, high) in INPUT_LENGTH_RANGE.items():
            value = element.get(key)
            if isinstance(value, int) and not low <= value <= high:
                yield Problem("invalid_blocks", f"{where}/element/{key}", f"{key} must be {low} to {high}")


# --------------------------------------------------------------------------- schema and length checks


def _pointer(at: str, path: Any) -> str:
    return at + "".join(f"/{p}" for p in path)


def _shape_problems(blocks: list[Any], at: str) -> list[Problem]:
    """Each block against its own definition in the Block Kit schema (tests/support/schemas.py)."""
    defs = schemas._block_kit()[0]["$defs"]
    problems: list[Problem] = []
    for i, block in enumerate(blocks):
        where = f"{at}/{i}"
        if not isinstance(block, dict):
            problems.append(Problem("invalid_blocks", where, "a block must be an object"))
            continue
        name = f"{block.get('type')}_block"
        if name not in defs:
            problems.append(Problem("invalid_blocks", f"{where}/type", f"unknown block type {block.get('type')!r}"))
            continue
        errors = list(schemas._bk_validator(name).iter_errors(block))
        if errors:
            err = schemas._refine(max(errors, key=relevance))
            problems.append(Problem("invalid_blocks", _pointer(where, err.absolute_path), err.message[:300]))
    return problems


def _schema_problems_of_view(view: dict[str, Any]) -> list[Problem]:
    """The modal's own fields (title, submit, close…) against the schema's `modal_view` definition; its
    blocks were checked one by one already."""
    shell = {**view, "blocks": [{"type": "divider"}]}
    errors = list(schemas._bk_validator("modal_view").iter_errors(shell))
    if not errors:
        return []
    err = schemas._refine(max(errors, key=relevance))
    return [Problem("invalid_arguments", _pointer("/view", err.absolute_path), err.message[:300])]


def _limit_problems(blocks: list[Any], at: str) -> list[Problem]:
    """The documented lengths and counts (`schemas.LIMITS`), with JSON pointers."""
    problems = []
    for text in schemas._limit_problems(blocks, "$"):
        where, _, why = text.partition(": ")
        problems.append(Problem("invalid_blocks", _dollar_to_pointer(where, at), why))
    return problems


def _dollar_to_pointer(path: str, at: str) -> str:
    """`$[2].elements[1].text.text` → `/blocks/2/elements/1/text/text`."""
    out = path[1:].replace("[", ".").replace("]", "")
    return at + "".join(f"/{part}" for part in out.split(".") if part)


# --------------------------------------------------------------------------- Slack's answers


def refusal_body(problems: list[Problem]) -> dict[str, Any]:
    """The Web API's answer to a refused message or view (the first problem's error names the refusal)."""
    error = problems[0].error
    texts = [p.slack_text() for p in problems]
    body: dict[str, Any] = {"ok": False, "error": error,
                            "response_metadata": {"messages": [f"[ERROR] {t}" for t in texts]}}
    if error != "invalid_arguments":
        body["errors"] = texts
    return body


def check_message(payload: dict[str, Any]) -> dict[str, Any] | None:
    """None if Slack would take this message, else Slack's answer refusing it."""
    problems = _cached_message_problems(json.dumps(payload, sort_keys=True, default=str))
    return refusal_body(problems) if problems else None


def check_view(view: Any, surface: str) -> dict[str, Any] | None:
    problems = _cached_view_problems(json.dumps(view, sort_keys=True, default=str), surface)
    return refusal_body(problems) if problems else None


# The same digest or tally is drawn many times in a test run: each distinct payload is checked once.
_message_cache: dict[str, list[Problem]] = {}
_view_cache: dict[tuple, list[Problem]] = {}


def _cached_message_problems(key: str) -> list[Problem]:
    if key not in _message_cache:
        if len(_message_cache) > 4096:
            _message_cache.clear()
        _message_cache[key] = message_problems(json.loads(key))
    return _message_cache[key]


def _cached_view_problems(key: str, surface: str) -> list[Problem]:
    if (key, surface) not in _view_cache:
        if len(_view_cache) > 1024:
            _view_cache.clear()
        _view_cache[(key, surface)] = view_problems(json.loads(key), surface)
    return _view_cache[(key, surface)]


def assert_slack_accepts_message(payload: dict[str, Any]) -> None:
    """For payloads that never reach the stand-in (a listener's `ack(...)` reply): fail as Slack would."""
    refusal = check_message({k: v for k, v in payload.items() if k not in ("response_type", "replace_original")})
    if refusal is not None:
        raise AssertionError(f"Slack would refuse this message: {refusal}\n  payload: {str(payload)[:600]}")


def assert_slack_accepts_view(view: Any, surface: str) -> None:
    """A modal or Home view built without sending it: fail as views.open / views.publish would."""
    refusal = check_view(view, surface)
    if refusal is not None:
        raise AssertionError(f"Slack would refuse this {surface} view: {refusal}\n  view: {str(view)[:600]}")
