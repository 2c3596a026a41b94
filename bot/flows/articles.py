"""What a channel reads: `/digest articles` (the workspace's list), `/digest read ID` (start the channel on one,
keeping where it was in the last), `/digest add URL` (an admin's article, fetched and made into a pack inside
Slack), and the command line's `pack import` / `pack export` of a workspace's packs.

A pack added here is validated (the schema, then `pack check`'s review, reported to the adder) and stored
for that workspace only (store/articles.py): no other workspace lists or reads it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from slack_sdk import WebClient

from bot.blocks.articles import ArticleRow, articles_reply
from bot.blocks.replies import notice
from bot.context import Services
from bot.domain.digest import plan_items
from bot.domain.i18n import pick, t
from bot.domain.text import escape
from bot.library import parse_pack
from bot.slack.permissions import look_up
from questions.authoring import SourceError, draft_pack, read_source
from questions.authoring.check import check_pack
from questions.authoring.render import header_for, to_yaml
from questions.loader import PackError, load_pack
from questions.schema import Pack
from store import Store, articles, plans

log = logging.getLogger(__name__)


def list_articles(services: Services, team_id: str, channel_id: str, language: str) -> dict[str, Any]:
    """`/digest articles`: every article this workspace can read, the channel's own marked, with how far the
    channel got in those it left."""
    plan = plans.get(services.store, team_id, channel_id)
    current = plan.pack_id if plan else services.default_pack_id
    progress = articles.saved_progress(services.store, team_id, channel_id)
    if plan is not None:
        progress[plan.pack_id] = plan.next_index
    rows = []
    for article in services.library.available(team_id):
        pack = article.pack
        rows.append(ArticleRow(
            pack_id=pack.pack.id, title=pick(pack.pack.title, language, pack.pack.default_language),
            languages=pack.pack.languages, sections=len(pack.sections), questions=len(pack.quiz),
            builtin=article.builtin, done=progress.get(pack.pack.id), total=len(plan_items(pack)),
        ))
    return articles_reply(rows, current, language)


def read(services: Services, team_id: str, channel_id: str, pack_id: str, language: str) -> dict[str, Any]:
    """`/digest read ID` for a plan manager (the plan exists by now): the channel's plan moves to the article;
    the place in the one it leaves is kept."""
    plan = plans.get(services.store, team_id, channel_id)
    assert plan is not None
    pack = services.library.find(team_id, pack_id)
    if pack is None:
        return notice(t(language, "article_unknown", id=escape(pack_id[:64])))
    if pack.pack.id == plan.pack_id:
        return notice(t(language, "article_already", title=escape(pick(pack.pack.title, language))))
    old = services.pack(team_id, plan.pack_id)
    reading = plan.language if plan.language in pack.pack.languages else pack.pack.default_language
    updated = articles.switch_article(services.store, team_id, channel_id, pack.pack.id, reading)
    services.plan_changed(updated)
    total = len(plan_items(pack))
    title = escape(pick(pack.pack.title, reading))
    where = (t(reading, "article_from_start") if updated.next_index == 0
             else t(reading, "article_carry_on", done=min(updated.next_index, total), total=total))
    kept = t(reading, "article_kept", title=escape(pick(old.pack.title, reading)), id=old.pack.id)
    return notice(t(reading, "article_now_reading", title=title, where=where) + "\n" + kept)


# -- building a pack from a URL ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Built:
    pack: Pack
    yaml: str
    review: list[str]  # `pack check`'s findings: worth a look before a channel reads it


def build_from_url(url: str, *, allow_private: bool, choose_id: Callable[[str], str] = lambda wanted: wanted,
                   fallback_name: str = "article") -> Built:
    """Fetch, extract, draft and validate; raises SourceError or ValueError with the reason for a person.
    `choose_id` turns the id drafted from the title into one the workspace has free."""
    article = read_source(url, allow_private=allow_private)
    draft = draft_pack(article, fallback_name=fallback_name)
    draft.pack["pack"]["id"] = choose_id(draft.pack["pack"]["id"])
    text = to_yaml(draft, header_for(url, draft.language))
    pack = parse_pack(text)  # the schema's word on exactly what will be stored
    return Built(pack, text, [message for _, message in check_pack(pack)])


def free_id(services: Services, team_id: str, wanted: str) -> str:
    """`wanted`, or `wanted-2`, `wanted-3`… : an id neither built in nor already the workspace's."""
    taken = set(services.library.builtin) | articles.ids_of_team(services.store, team_id)
    base = wanted[:60].rstrip("-") or "article"
    ident, n = base, 2
    while ident in taken:
        ident, n = f"{base}-{n}", n + 1
    return ident


def save(services: Services, team_id: str, pack: Pack, text: str, *, source: str | None, added_by: str | None,
         replace: bool = True) -> articles.StoredPack | None:
    """Store the workspace's pack (None: `replace=False` and the id was taken meanwhile)."""
    language = pack.pack.default_language
    stored = articles.save(services.store, team_id, pack.pack.id, title=pick(pack.pack.title, language),
                           language=language, yaml=text, source=source, added_by=added_by, replace=replace)
    services.library.forget(team_id, pack.pack.id)
    return stored


def add(services: Services, client: WebClient, team_id: str, user_id: str, url: str, language: str,
        respond: Callable[..., object]) -> None:
    """`/digest add URL`, after the ack: admins only; the requester is told privately (the command's
    response_url) that it is being fetched, then that it is ready, or why not."""
    caller = look_up(client, user_id)
    if not (caller.is_workspace_admin or user_id in services.settings.admin_user_ids):
        respond(**notice(t(language, "article_admins_only")))
        return
    shown_url = escape(url[:200])
    respond(**notice(t(language, "article_fetching", url=shown_url)))
    try:
        built = build_from_url(url, allow_private=services.settings.articles_from_private_networks,
                               choose_id=lambda wanted: free_id(services, team_id, wanted))
        pack = built.pack
        if save(services, team_id, pack, built.yaml, source=url, added_by=user_id, replace=False) is None:
            raise ValueError(f"another article took the id {pack.pack.id} meanwhile: add it again")
    except (SourceError, ValueError) as exc:
        reason = str(exc).splitlines()[0][:300]
        log.info("/digest add of a URL failed for %s: %s", team_id, type(exc).__name__)
        respond(**notice(t(language, "article_failed", url=shown_url, reason=escape(reason))))
        return
    title = escape(pick(pack.pack.title, pack.pack.default_language))
    ready = t(language, "article_ready", title=title, id=pack.pack.id, sections=len(pack.sections),
              questions=len(pack.quiz), polls=len(pack.polls))
    if built.review:
        ready += "\n" + t(language, "article_review", count=len(built.review), id=pack.pack.id)
    respond(**notice(ready))


# -- the command line: `pack export ID`, `pack import FILE --team T` ----------------------------------------
class PackTransferError(Exception):
    """An export or import that cannot be done; the message says why, for the operator."""


def export_text(store: Store, builtin_dir: Path, pack_id: str, team_id: str | None) -> str:
    """The pack's YAML: a workspace's pack as it was stored (made by `/digest add` or imported), or a built-in
    pack's file, ready to edit and import again."""
    teams = [team_id] if team_id else articles.teams_with(store, pack_id)
    found = [s for s in (articles.get(store, t, pack_id) for t in teams) if s is not None]
    if len(found) > 1:
        raise PackTransferError(f"workspaces {', '.join(s.team_id for s in found)} each have a pack {pack_id!r}: "
                                "say which with --team")
    if found:
        return found[0].yaml
    for path in sorted(builtin_dir.glob("*.yaml")):
        try:
            if load_pack(path).pack.id == pack_id:
                return path.read_text(encoding="utf-8")
        except PackError:
            continue
    where = f" in workspace {team_id}" if team_id else ""
    raise PackTransferError(f"no pack {pack_id!r}{where} (nor among the built-in packs)")


def import_file(store: Store, builtin_ids: set[str], path: Path, team_id: str) -> tuple[Pack, bool]:
    """Validate the file and store it as the workspace's pack; (the pack, whether it replaced one). Raises
    PackError with `file:line: field: problem` rows, or PackTransferError."""
    pack = load_pack(path)
    if pack.pack.id in builtin_ids:
        raise PackTransferError(f"{path}: {pack.pack.id!r} is a built-in pack's id; give the pack another id")
    replaced = articles.get(store, team_id, pack.pack.id) is not None
    language = pack.pack.default_language
    articles.save(store, team_id, pack.pack.id, title=pick(pack.pack.title, language), language=language,
                  yaml=path.read_text(encoding="utf-8"), source=str(path), added_by=None)
    return pack, replaced
