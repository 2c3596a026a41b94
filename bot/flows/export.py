"""Exporting the team's responses (votes, comments, quiz answers, thread replies) as CSV or JSON.

Each row names the question and the section it belongs to, in the pack's default language. CSV cells a
spreadsheet would run as a formula (starting with = + - @, or a tab or carriage return) get a leading
apostrophe, so opening the file can never execute anything a participant typed.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import logging
import os
import re
import subprocess
import sys
import tempfile
import threading
import urllib.request
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, TextIO

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.blocks.replies import notice
from bot.context import Services
from bot.domain.i18n import pick, t
from bot.domain.text import is_number
from bot.slack.posting import error_code
from store import exports

log = logging.getLogger(__name__)

COLUMNS = ["kind", "team_id", "channel_id", "at", "user_id", "item_id", "question", "section", "answer",
           "answer_label", "previous_answer", "score", "text"]
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: object) -> object:
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def records(services: Services, team_id: str | None = None,
            channel_id: str | None = None) -> Iterator[dict[str, Any]]:
    """Every response as an export row, one at a time, from a stream of the store's rows: memory stays at
    one batch however many there are (2M rows: bench `export`)."""
    for row in exports.response_rows(services.store, team_id, channel_id):
        yield {**{c: row.get(c, "") for c in COLUMNS}, **describe(services, row)}


def rows(services: Services, team_id: str | None = None, channel_id: str | None = None) -> list[dict[str, Any]]:
    """All of them in a list: for small exports only (one person's rows, a test)."""
    return list(records(services, team_id, channel_id))


def describe(services: Services, row: dict[str, Any]) -> dict[str, Any]:
    """The question text, section and option label behind a row's ids."""
    pack = services.packs.get(row["pack_id"])
    at = dt.datetime.fromtimestamp(row["at"], dt.UTC).isoformat(timespec="seconds")
    described = {"at": at, "question": "", "section": "", "answer_label": ""}
    if pack is None:
        return described
    language = pack.pack.default_language
    if row["kind"] == "reply":  # a reply in a digest's thread (its section) or a poll's (the poll's question)
        if any(s.id == row["item_id"] for s in pack.sections):
            described["section"] = row["item_id"]
            described["question"] = pick(pack.section(row["item_id"]).prompt, language)
            return described
    if row["kind"] in ("vote", "comment", "reply"):
        try:
            poll = pack.poll(row["item_id"])
        except KeyError:
            return described
        described["question"] = pick(poll.question, language)
        described["section"] = poll.section or ""
        described["answer_label"] = next((pick(o.label, language) for o in poll.options if o.id == row["answer"]), "")
    else:
        try:
            question = pack.question(row["item_id"])
        except KeyError:
            return described
        described["question"] = pick(question.question, language)
        described["section"] = question.section
        if question.kind == "choice" and is_number(str(row["answer"])) and int(row["answer"]) < len(question.options):
            described["answer_label"] = pick(question.options[int(row["answer"])], language)
    return described


def write_csv(records: Iterable[dict[str, Any]], out: TextIO) -> int:
    """Each record as a CSV line as it comes, formula cells neutralised; the count written."""
    writer = csv.DictWriter(out, fieldnames=COLUMNS, extrasaction="ignore")
    writer.writeheader()
    count = 0
    for record in records:
        writer.writerow({k: neutralise("" if v is None else v) for k, v in record.items()})
        count += 1
    return count


def write_json(records: Iterable[dict[str, Any]], out: TextIO) -> int:
    """A JSON array written element by element, laid out as `json.dumps(list, indent=2)` would be."""
    count = 0
    for record in records:
        element = json.dumps(record, ensure_ascii=False, indent=2).replace("\n", "\n  ")
        out.write(("[\n  " if count == 0 else ",\n  ") + element)
        count += 1
    out.write("\n]" if count else "[]")
    return count


def to_csv(records: Iterable[dict[str, Any]]) -> str:
    buffer = io.StringIO()
    write_csv(records, buffer)
    return buffer.getvalue()


def to_json(records: Iterable[dict[str, Any]]) -> str:
    buffer = io.StringIO()
    write_json(records, buffer)
    return buffer.getvalue()


# --------------------------------------------------------------------------- `/discuss export`, in the background
# The export of a whole workspace is CPU work in Python for every row (about 30 µs each: a minute for 2M
# rows). In the web worker it held the interpreter lock against the request threads: acknowledgements fell
# to 0.05–0.23× during it. It runs instead in a process of its own (`python -m bot export`, at the lowest
# CPU priority) writing a temporary file; the after-ack thread that started it only waits, then streams the
# file to Slack (files.getUploadURLExternal, a POST of the bytes, files.completeUploadExternal; see
# https://docs.slack.dev/reference/methods/files.getUploadURLExternal) and tells the requester.
EXPORT_TIMEOUT_SECONDS = 3600
UPLOAD_TIMEOUT_SECONDS = 600
_one_export_at_a_time = threading.Lock()  # per process: a second request is told to wait for the first


def export_in_background(services: Services, team_id: str, out: Path) -> int:
    """Run `python -m bot export --team T --out FILE` at the lowest priority; the number of rows written.

    Clicks this process acknowledged and still holds in its journal are applied first, so the file has them."""
    services.settle()
    env = {**os.environ, "DATABASE_PATH": str(services.settings.database_path),
           "CONTENT_DIR": str(services.settings.content_dir), "LOG_LEVEL": "WARNING"}
    command = [sys.executable, "-m", "bot", "export", "--format", "csv", "--team", team_id, "--out", str(out),
               "--low-priority"]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=EXPORT_TIMEOUT_SECONDS,
                          check=False)
    written = re.search(r"wrote (\d+) rows", done.stderr)
    if done.returncode != 0 or written is None:
        raise RuntimeError(f"export exited with {done.returncode}: {done.stderr.strip()[-300:]}")
    return int(written.group(1))


def upload_file(client: WebClient, path: Path, *, channel: str, filename: str, title: str, comment: str) -> None:
    """A file to a channel in Slack's three steps, read from disk as it is sent (never whole in memory)."""
    size = path.stat().st_size
    target = client.files_getUploadURLExternal(filename=filename, length=size)
    with path.open("rb") as body:
        request = urllib.request.Request(str(target["upload_url"]), data=body, method="POST",
                                         headers={"Content-Length": str(size),
                                                  "Content-Type": "application/octet-stream"})
        with urllib.request.urlopen(request, timeout=UPLOAD_TIMEOUT_SECONDS) as answer:
            answer.read()
    client.files_completeUploadExternal(files=[{"id": target["file_id"], "title": title}], channel_id=channel,
                                        initial_comment=comment)


def send_export(services: Services, client: WebClient, team_id: str, user_id: str,
                tell: Callable[[dict[str, Any]], object], language: str = "en") -> dict[str, Any]:
    """`/discuss export`: the workspace's responses as a CSV file in the requester's direct messages. `tell`
    is told at once that the file is being made; the reply returned says it was sent, or why not."""
    if not _one_export_at_a_time.acquire(blocking=False):
        return notice(t(language, "export_busy"))
    try:
        tell(notice(t(language, "export_preparing")))
        stamp = services.clock.now().strftime("%Y%m%d-%H%M")
        with tempfile.TemporaryDirectory(prefix="export-") as folder:
            path = Path(folder) / f"responses-{stamp}.csv"
            try:
                count = export_in_background(services, team_id, path)
            except (RuntimeError, OSError, subprocess.SubprocessError) as exc:
                log.error("export failed: %s", exc)
                return notice(t(language, "export_prepare_failed"))
            try:
                dm = client.conversations_open(users=user_id)["channel"]["id"]
                upload_file(client, path, channel=dm, filename=path.name,
                            title=t(language, "export_title", count=count), comment=t(language, "export_comment"))
            except SlackApiError as exc:
                log.warning("export upload failed: %s", error_code(exc))
                return notice(t(language, "export_failed", error=error_code(exc)))
            except OSError as exc:
                log.warning("export upload failed: %s", exc)
                return notice(t(language, "export_send_failed"))
        return notice(t(language, "export_sent", count=count))
    finally:
        _one_export_at_a_time.release()
