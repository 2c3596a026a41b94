"""A channel chooses what it reads: `/digest articles`, `/digest read ID` (the place in the last article kept),
`/digest add URL` (fetched from a local server only), one workspace's articles never another's, packs kept in
the database across restarts, and `pack export` / `pack import` through the command line."""

from __future__ import annotations

import dataclasses
import http.server
import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from bot.app import build_services
from bot.library import RECHECK_SECONDS
from questions.authoring import draft_pack, read_source
from questions.authoring.render import to_yaml
from store import articles, plans
from tests.conftest import TEAM

ROOT = Path(__file__).resolve().parents[2]
ARTICLES = ROOT / "tests" / "articles"
OTHER = "T0OTHER"


def drafted(name: str, pack_id: str) -> str:
    draft = draft_pack(read_source(str(ARTICLES / name)), pack_id=pack_id, fallback_name=pack_id)
    return to_yaml(draft)


def add_pack(services, team_id: str, pack_id: str, name: str = "python-license.txt") -> None:
    articles.save(services.store, team_id, pack_id, title=pack_id, language="en", yaml=drafted(name, pack_id),
                  source=name, added_by="U1")


def text_of(reply) -> str:
    return json.dumps(reply.get("blocks", []), ensure_ascii=False) + reply.get("text", "")


def test_articles_lists_the_built_in_and_the_workspaces_own_but_never_anothers(http_app, services):
    add_pack(services, TEAM, "licence")
    add_pack(services, OTHER, "theirs")
    listing = http_app.command("/digest", "articles").json()
    text = text_of(listing)
    assert listing["response_type"] == "ephemeral"
    assert "`sample`" in text and "`licence`" in text and "added here" in text and "built in" in text
    assert "theirs" not in text
    assert "this channel is reading it" in text  # no plan: the default article is what the channel reads
    assert services.library.find(OTHER, "licence") is None and services.library.find(TEAM, "theirs") is None


def test_read_moves_the_channel_and_keeps_its_place_in_the_article_it_left(http_app, stub, services):
    add_pack(services, TEAM, "licence")
    http_app.command("/digest", "next", user_id="UOWNER")
    http_app.command("/digest", "next", user_id="UOWNER")
    stub.wait_for("chat.postMessage", count=2)
    stub.wait_for_response(count=2)

    http_app.command("/digest", "read licence", user_id="USTRANGER")  # not a plan manager
    refusal = stub.wait_for_response(count=3)[2]
    assert "Sorry" in refusal.params["text"]
    assert plans.get(services.store, TEAM, "C0CHAN").pack_id == "sample"

    http_app.command("/digest", "read licence", user_id="UOWNER")
    moved = stub.wait_for_response(count=4)[3].params["text"]
    assert "now reads" in moved and "from the introduction" in moved and "`/digest read sample`" in moved
    plan = plans.get(services.store, TEAM, "C0CHAN")
    assert (plan.pack_id, plan.next_index) == ("licence", 0)
    http_app.command("/digest", "next", user_id="UOWNER")
    post = stub.wait_for("chat.postMessage", count=3)[2]
    assert "A. HISTORY OF THE SOFTWARE" in json.dumps(post.params["blocks"], ensure_ascii=False) or \
        "Introduction" in json.dumps(post.params["blocks"], ensure_ascii=False)
    stub.wait_for_response(count=5)
    listing = text_of(http_app.command("/digest", "articles").json())
    assert "read 2 of" in listing  # the sample article's place, shown while away from it

    http_app.command("/digest", "read sample", user_id="UOWNER")
    back = stub.wait_for_response(count=6)[5].params["text"]
    assert "carrying on where this channel left it (2 of" in back
    assert plans.get(services.store, TEAM, "C0CHAN").next_index == 2
    http_app.command("/digest", "next", user_id="UOWNER")
    third = stub.wait_for("chat.postMessage", count=4)[3]
    assert "2. Layers" in json.dumps(third.params["blocks"], ensure_ascii=False)  # not the introduction again
    http_app.command("/digest", "read licence", user_id="UOWNER")
    assert "(1 of" in stub.wait_for_response(count=8)[7].params["text"]  # and back again, one part in


def test_read_refuses_an_article_the_workspace_does_not_have(http_app, stub, services):
    add_pack(services, OTHER, "theirs")
    http_app.command("/digest", "read theirs", user_id="UOWNER")
    assert "no article `theirs`" in stub.wait_for_response()[0].params["text"]
    assert plans.get(services.store, TEAM, "C0CHAN").pack_id == "sample"
    bad = http_app.command("/digest", "read").json()
    assert "/digest read ARTICLE-ID" in text_of(bad)


# -- /digest add: a local site only ---------------------------------------------------------------------------
class _Pages(http.server.BaseHTTPRequestHandler):
    pages: dict[str, bytes] = {}

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        body = self.pages.get(self.path)
        self.send_response(200 if body else 404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body or b"")))
        self.end_headers()
        self.wfile.write(body or b"")

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def site():
    _Pages.pages = {"/faq.html": (ARTICLES / "python-faq-general.html").read_bytes()}
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Pages)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_an_admin_adds_an_article_from_a_url_and_a_channel_reads_it(http_app, stub, services, site, settings):
    services.settings = dataclasses.replace(services.settings, articles_from_private_networks=True)
    assert http_app.command("/digest", f"add <{site}/faq.html>", user_id="UADMIN").body == ""
    replies = stub.wait_for_response(count=2)
    assert "Fetching" in replies[0].params["text"]
    ready = replies[1].params["text"]
    assert "*General Python FAQ* is ready" in ready and "`/digest read general-python-faq`" in ready
    assert replies[1].params["response_type"] == "ephemeral"
    stored = articles.get(services.store, TEAM, "general-python-faq")
    assert stored is not None and stored.source == f"{site}/faq.html" and stored.added_by == "UADMIN"
    assert "General Python FAQ" in text_of(http_app.command("/digest", "articles").json())

    http_app.command("/digest", "read general-python-faq", user_id="UADMIN")
    assert "now reads *General Python FAQ*" in stub.wait_for_response(count=3)[2].params["text"]
    http_app.command("/digest", "next", user_id="UADMIN")
    assert "General Information" in json.dumps(stub.wait_for("chat.postMessage")[0].params["blocks"])

    # the same article added again gets an id of its own; the first is kept
    http_app.command("/digest", f"add {site}/faq.html", user_id="UADMIN")
    assert "`/digest read general-python-faq-2`" in stub.wait_for_response(count=6)[5].params["text"]

    # kept in the database: a new process on the same file lists and reads it
    again = build_services(settings)
    try:
        assert again.library.find(TEAM, "general-python-faq").pack.title["en"] == "General Python FAQ"
        assert again.library.find(OTHER, "general-python-faq") is None
    finally:
        again.background.shutdown(wait=True)
        again.store.close()


def test_add_is_for_admins_and_refuses_private_addresses_and_other_schemes(http_app, stub, services, site):
    http_app.command("/digest", f"add {site}/faq.html", user_id="USTRANGER")
    assert "only workspace admins" in stub.wait_for_response()[0].params["text"]

    http_app.command("/digest", f"add {site}/faq.html", user_id="UADMIN")  # the default: public addresses only
    failed = stub.wait_for_response(count=3)[2].params["text"]
    assert "couldn't make an article" in failed and "private or local address (127.0.0.1)" in failed

    services.settings = dataclasses.replace(services.settings, articles_from_private_networks=True)
    http_app.command("/digest", f"add {site}/missing.html", user_id="UADMIN")
    assert "could not be fetched" in stub.wait_for_response(count=5)[4].params["text"]
    assert articles.of_team(services.store, TEAM) == []

    for bad in ("ftp://example.org/a", "file:///etc/passwd", "example.org/a", ""):
        reply = http_app.command("/digest", f"add {bad}").json()
        assert "starting with http:// or https://" in reply["text"], bad


def test_a_pack_replaced_by_another_process_is_seen_within_the_recheck_time(services, clock):
    add_pack(services, TEAM, "licence")
    first = services.library.find(TEAM, "licence").pack.title["en"]
    changed = drafted("python-license.txt", "licence").replace("title:\n    en: ", "title:\n    en: Edited ", 1)
    assert "Edited" in changed
    # written as `pack import` in another process writes it: this process's cache is not told
    articles.save(services.store, TEAM, "licence", title="Edited", language="en", yaml=changed, source=None,
                  added_by=None)
    assert services.library.find(TEAM, "licence").pack.title["en"] == first  # cached: no read per lookup
    clock.advance(seconds=RECHECK_SECONDS + 1)
    assert services.library.find(TEAM, "licence").pack.title["en"] == "Edited " + first


# -- the command line ---------------------------------------------------------------------------------------
def cli(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLACK_")}
    env |= {"DATABASE_PATH": str(tmp_path / "cli.db"), "PYTHONPATH": str(ROOT), "LOG_LEVEL": "WARNING"}
    return subprocess.run([sys.executable, "-m", "bot", *args], capture_output=True, text=True, env=env,
                          cwd=tmp_path, timeout=120)


def test_export_and_import_round_trip(tmp_path):
    made = tmp_path / "licence.yaml"
    assert cli(tmp_path, "pack", "new", str(ARTICLES / "python-license.txt"), "--id", "licence",
               "--out", str(made)).returncode == 0
    added = cli(tmp_path, "pack", "import", str(made), "--team", TEAM)
    assert added.returncode == 0 and added.stdout.startswith("added licence for workspace T0001"), added.stderr
    exported = cli(tmp_path, "pack", "export", "licence")
    assert exported.returncode == 0 and exported.stdout == made.read_text(encoding="utf-8")

    edited = tmp_path / "edited.yaml"
    edited.write_text(exported.stdout.replace("title:\n    en: ", "title:\n    en: Edited ", 1), encoding="utf-8")
    replaced = cli(tmp_path, "pack", "import", str(edited), "--team", TEAM)
    assert replaced.returncode == 0 and replaced.stdout.startswith("replaced licence")
    assert "en: Edited" in cli(tmp_path, "pack", "export", "licence", "--team", TEAM).stdout
    assert cli(tmp_path, "pack", "import", str(made), "--team", OTHER).returncode == 0
    ambiguous = cli(tmp_path, "pack", "export", "licence")
    assert ambiguous.returncode == 2 and "say which with --team" in ambiguous.stderr

    broken = tmp_path / "broken.yaml"
    broken.write_text(made.read_text(encoding="utf-8").replace("kind: choice", "kind: guess", 1), encoding="utf-8")
    refused = cli(tmp_path, "pack", "import", str(broken), "--team", TEAM)
    assert refused.returncode == 1 and f"{broken}:" in refused.stderr and "kind" in refused.stderr

    builtin = cli(tmp_path, "pack", "export", "altman-2025-12")  # built-in packs export as their file
    assert builtin.returncode == 0 and "id: altman-2025-12" in builtin.stdout
    clash = tmp_path / "clash.yaml"
    clash.write_text(builtin.stdout, encoding="utf-8")
    taken = cli(tmp_path, "pack", "import", str(clash), "--team", TEAM)
    assert taken.returncode == 2 and "built-in pack's id" in taken.stderr
    assert cli(tmp_path, "pack", "export", "nothing-here").returncode == 2
