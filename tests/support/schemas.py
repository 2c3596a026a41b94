"""Validate what an app sends to Slack: Block Kit blocks, modal/home views, message payloads, app manifests.

Block Kit: ``TightknitAI/slack-block-kit-validator`` ``src/slack-block-kit.schema.json`` (JSON Schema 2020-12,
third-party, request-shaped). Its ``$defs`` used here: the top-level schema (an array of ``#/$defs/block``,
1..100 items) for message blocks, ``#/$defs/modal_view`` and ``#/$defs/home_view`` for views, and
``#/$defs/<type>_block`` to explain a failing block. Slack limits the schema leaves to the surface (≤50 blocks
in a message) or that we want reported plainly are checked on top (``LIMITS``).

Manifests: ``slackapi/manifest-schema`` (draft-07). The top-level ``manifest.schema.json`` only dispatches on
``_metadata.major_version`` to ``schemas/manifest.schema.{1,2}.0.0.json`` by raw.githubusercontent.com URLs,
so offline we dispatch the same way ourselves: major version 1, or no ``_metadata``/``major_version`` at all
(a classic Bolt app manifest, which uses display_information, features.bot_user/slash_commands/app_home,
oauth_config.scopes.bot, settings.event_subscriptions/interactivity/socket_mode_enabled) → **1.0.0**;
major version 2 → 2.0.0. The two differ only in the Workflow/“hermes” parts (functions, workflows,
third-party auth), which a Bolt app does not use; everything a Bolt manifest has is the same in both. The
schema's non-standard ``regex`` keyword (``display_information.background_color``) is enforced here like
``pattern``.
"""

from __future__ import annotations

import functools
import json
import re
from typing import Any

import jsonschema
from jsonschema import Draft7Validator, Draft202012Validator
from jsonschema.exceptions import ValidationError, best_match, relevance
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7, DRAFT202012

from .paths import BLOCK_KIT_SCHEMA, MANIFEST_SCHEMA_DIR, load_json

LIMITS = {
    "message_blocks": 50,
    "view_blocks": 100,
    "section_text": 3000,
    "section_fields": 10,
    "section_field_text": 2000,
    "header_text": 150,
    "button_text": 75,
    "action_id": 255,
    "block_id": 255,
    "button_value": 2000,
    "actions_elements": 25,
    "context_elements": 10,
    "modal_title": 24,
    "message_text": 40000,
}

MESSAGE_KEYS = frozenset({
    "channel", "text", "blocks", "attachments", "thread_ts", "reply_broadcast", "mrkdwn", "unfurl_links",
    "unfurl_media", "metadata", "icon_emoji", "icon_url", "username", "as_user", "link_names", "parse", "ts",
    "user", "response_type", "replace_original", "delete_original", "token", "markdown_text", "post_at",
    "file_ids",
})


# --------------------------------------------------------------------------- Block Kit
@functools.lru_cache(maxsize=1)
def _block_kit() -> tuple[dict[str, Any], Registry]:
    schema = load_json(*BLOCK_KIT_SCHEMA)
    registry = Registry().with_resource(schema["$id"], Resource(contents=schema, specification=DRAFT202012))
    return schema, registry


@functools.cache
def _bk_validator(def_name: str | None) -> Draft202012Validator:
    schema, registry = _block_kit()
    target = schema if def_name is None else {"$ref": f"{schema['$id']}#/$defs/{def_name}"}
    return Draft202012Validator(target, registry=registry)


def block_kit_defs() -> list[str]:
    return sorted(_block_kit()[0]["$defs"])


def _fmt_path(prefix: str, err: ValidationError) -> str:
    rel = err.json_path[1:] if err.json_path.startswith("$") else err.json_path
    return prefix + rel


def _short(value: Any, limit: int = 200) -> str:
    text = json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else repr(value)
    return text if len(text) <= limit else text[:limit] + f"... ({len(text)} chars)"


def _refine(err: ValidationError) -> ValidationError:
    """Descend through oneOf/anyOf failures into the branch whose ``type`` matched (a discriminated union).

    jsonschema's best_match stops at an ambiguous oneOf ("not valid under any of the given schemas"); for
    Block Kit the branch with the right ``type`` const is the one the author meant.
    """
    while err.validator in ("oneOf", "anyOf") and err.context:
        branches: dict[Any, list[ValidationError]] = {}
        for sub in err.context:
            branches.setdefault(sub.schema_path[0] if sub.schema_path else None, []).append(sub)
        plausible = [
            errs for errs in branches.values()
            if not any(list(e.relative_path) == ["type"] and e.validator in ("const", "enum") for e in errs)
        ]
        if len(plausible) != 1:
            return best_match([err])
        err = max(plausible[0], key=relevance)
    return best_match([err])


def _describe(err: ValidationError, prefix: str) -> str:
    err = _refine(err)
    return f"{_fmt_path(prefix, err)}: {err.message if len(err.message) < 400 else err.message[:400] + '...'}" \
           f" [schema: {'/'.join(map(str, err.schema_path))[:200]}]"


def _block_problem(block: Any, path: str) -> str | None:
    """Explain why one block fails, validating it against its own ``<type>_block`` definition."""
    defs = _block_kit()[0]["$defs"]
    if not isinstance(block, dict):
        return f"{path}: a block must be an object, got {_short(block)}"
    btype = block.get("type")
    name = f"{btype}_block"
    if not isinstance(btype, str) or name not in defs:
        known = sorted(d[:-6] for d in defs if d.endswith("_block") and d not in ("container_child_block",))
        return f"{path}.type: unknown block type {btype!r} (known: {', '.join(known)})"
    errors = list(_bk_validator(name).iter_errors(block))
    return _describe(max(errors, key=relevance), path) if errors else None


def _schema_problems(instance: Any, def_name: str | None, blocks_path: str, blocks: Any) -> list[str]:
    errors = list(_bk_validator(def_name).iter_errors(instance))
    if not errors:
        return []
    problems: list[str] = []
    if isinstance(blocks, list):
        for i, block in enumerate(blocks):
            p = _block_problem(block, f"{blocks_path}[{i}]")
            if p:
                problems.append(p)
    if not problems:
        problems.append(_describe(max(errors, key=relevance), "$"))
    return problems


def _text_of(obj: Any) -> str | None:
    if isinstance(obj, dict) and isinstance(obj.get("text"), str):
        return obj["text"]
    return None


def _limit_problems(node: Any, path: str) -> list[str]:
    """Slack limits checked by walking every nested object (blocks, elements, accessories...)."""
    out: list[str] = []

    def too_long(value: str | None, limit: int, where: str, what: str):
        if value is not None and len(value) > limit:
            out.append(f"{where}: {what} is {len(value)} chars, Slack allows {limit}")

    def walk(n: Any, p: str):
        if isinstance(n, list):
            for i, item in enumerate(n):
                walk(item, f"{p}[{i}]")
            return
        if not isinstance(n, dict):
            return
        t = n.get("type")
        if isinstance(n.get("action_id"), str):
            too_long(n["action_id"], LIMITS["action_id"], f"{p}.action_id", "action_id")
        if isinstance(n.get("block_id"), str):
            too_long(n["block_id"], LIMITS["block_id"], f"{p}.block_id", "block_id")
        if t == "section":
            too_long(_text_of(n.get("text")), LIMITS["section_text"], f"{p}.text.text", "section text")
            fields = n.get("fields") or []
            if isinstance(fields, list):
                if len(fields) > LIMITS["section_fields"]:
                    out.append(f"{p}.fields: {len(fields)} fields, Slack allows {LIMITS['section_fields']}")
                for i, f in enumerate(fields):
                    too_long(_text_of(f), LIMITS["section_field_text"], f"{p}.fields[{i}].text", "section field")
        elif t == "header":
            too_long(_text_of(n.get("text")), LIMITS["header_text"], f"{p}.text.text", "header text")
        elif t == "button":
            if _text_of(n.get("text")) is None:
                out.append(f"{p}.text: a button needs a plain_text text object")
            too_long(_text_of(n.get("text")), LIMITS["button_text"], f"{p}.text.text", "button text")
            if isinstance(n.get("value"), str):
                too_long(n["value"], LIMITS["button_value"], f"{p}.value", "button value")
        elif t == "actions" and isinstance(n.get("elements"), list):
            if len(n["elements"]) > LIMITS["actions_elements"]:
                out.append(f"{p}.elements: {len(n['elements'])} elements, Slack allows {LIMITS['actions_elements']}")
        elif t == "context" and isinstance(n.get("elements"), list):
            if len(n["elements"]) > LIMITS["context_elements"]:
                out.append(f"{p}.elements: {len(n['elements'])} elements, Slack allows {LIMITS['context_elements']}")
        for k, v in n.items():
            if isinstance(v, (dict, list)):
                walk(v, f"{p}.{k}")

    walk(node, path)
    return out


def _raise(kind: str, problems: list[str], instance: Any) -> None:
    if problems:
        raise AssertionError(f"invalid {kind}:\n  " + "\n  ".join(problems) + f"\n  instance: {_short(instance, 600)}")


def block_problems(blocks: Any) -> list[str]:
    """Everything wrong with a message's ``blocks`` list (empty list means valid)."""
    if not isinstance(blocks, list):
        return [f"$: blocks must be a list, got {type(blocks).__name__}"]
    problems = []
    if len(blocks) > LIMITS["message_blocks"]:
        problems.append(f"$: {len(blocks)} blocks, a message allows {LIMITS['message_blocks']}")
    problems += _schema_problems(blocks, None, "$", blocks)
    problems += _limit_problems(blocks, "$")
    return problems


def assert_valid_blocks(blocks: Any) -> None:
    """A message's blocks list: the Block Kit schema plus Slack's limits."""
    _raise("blocks", block_problems(blocks), blocks)


def _view_problems(view: Any, def_name: str) -> list[str]:
    if not isinstance(view, dict):
        return [f"$: a view must be an object, got {type(view).__name__}"]
    blocks = view.get("blocks")
    problems = []
    if isinstance(blocks, list) and len(blocks) > LIMITS["view_blocks"]:
        problems.append(f"$.blocks: {len(blocks)} blocks, a view allows {LIMITS['view_blocks']}")
    problems += _schema_problems(view, def_name, "$.blocks", blocks)
    problems += _limit_problems(blocks, "$.blocks")
    return problems


def assert_valid_modal(view: Any) -> None:
    """A modal for views.open/push/update (request-shaped: no id/hash/state)."""
    problems = _view_problems(view, "modal_view")
    if isinstance(view, dict):
        title = _text_of(view.get("title"))
        if title is not None and len(title) > LIMITS["modal_title"]:
            problems.append(f"$.title.text: modal title is {len(title)} chars, Slack allows {LIMITS['modal_title']}")
    _raise("modal view", list(dict.fromkeys(problems)), view)


def assert_valid_home(view: Any) -> None:
    """An App Home view for views.publish (request-shaped)."""
    _raise("home view", _view_problems(view, "home_view"), view)


def assert_valid_message(payload: dict[str, Any]) -> None:
    """A chat.postMessage / chat.update / postEphemeral / response_url / ack payload (text and/or blocks)."""
    problems: list[str] = []
    if not isinstance(payload, dict):
        _raise("message", [f"$: a message must be an object, got {type(payload).__name__}"], payload)
    unknown = sorted(set(payload) - MESSAGE_KEYS)
    if unknown:
        problems.append(f"$: unknown message keys {unknown}")
    text, blocks, attachments = payload.get("text"), payload.get("blocks"), payload.get("attachments")
    if not (text or blocks or attachments):
        problems.append("$: a message needs text, blocks or attachments")
    if text is not None:
        if not isinstance(text, str):
            problems.append(f"$.text: must be a string, got {type(text).__name__}")
        elif len(text) > LIMITS["message_text"]:
            problems.append(f"$.text: {len(text)} chars, Slack truncates messages over {LIMITS['message_text']}")
    if blocks is not None:
        problems += [p.replace("$", "$.blocks", 1) for p in block_problems(blocks)]
    if attachments is not None and not isinstance(attachments, list):
        problems.append("$.attachments: must be a list")
    _raise("message", problems, payload)


# --------------------------------------------------------------------------- manifests
def _regex_keyword(validator, regex, instance, schema):
    if isinstance(instance, str) and not re.search(regex, instance):
        yield ValidationError(f"{instance!r} does not match {regex!r}")


_ManifestValidator = jsonschema.validators.extend(Draft7Validator, {"regex": _regex_keyword})


@functools.cache
def _manifest_schema(version: str) -> dict[str, Any]:
    return load_json(*MANIFEST_SCHEMA_DIR, "schemas", f"manifest.schema.{version}.json")


def manifest_schema_version(manifest: dict[str, Any]) -> str:
    """The schema manifest.schema.json would pick: 2.0.0 for ``_metadata.major_version == 2``, else 1.0.0."""
    meta = manifest.get("_metadata") if isinstance(manifest, dict) else None
    major = meta.get("major_version") if isinstance(meta, dict) else None
    return "2.0.0" if major == 2 else "1.0.0"


def manifest_dispatch_registry() -> Registry:
    """Registry resolving manifest.schema.json's remote $refs to the local schema files (for cross-checks)."""
    top = load_json(*MANIFEST_SCHEMA_DIR, "manifest.schema.json")
    registry = Registry()
    for branch in top["oneOf"]:
        for part in branch["allOf"]:
            ref = part.get("$ref")
            if ref:
                version = re.search(r"manifest\.schema\.(\d+\.\d+\.\d+)\.json$", ref).group(1)
                registry = registry.with_resource(ref, Resource(contents=_manifest_schema(version),
                                                                specification=DRAFT7))
    return registry


def manifest_problems(manifest: Any, version: str | None = None) -> list[str]:
    version = version or manifest_schema_version(manifest)
    validator = _ManifestValidator(_manifest_schema(version))
    errors = list(validator.iter_errors(manifest))
    if not errors:
        return []
    best = _describe(max(errors, key=relevance), "$")
    rest = [_describe(e, "$") for e in sorted(errors, key=lambda e: e.json_path)]
    return [f"(manifest schema {version}, best match) {best}"] + [r for r in rest if r != best]


def assert_valid_manifest(manifest: dict[str, Any], version: str | None = None) -> None:
    """An app manifest against slackapi/manifest-schema (1.0.0 unless _metadata.major_version is 2)."""
    _raise("app manifest", manifest_problems(manifest, version), manifest)
