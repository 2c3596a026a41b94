"""Installing to many workspaces: Bolt's OAuth endpoints against the Web API stand-in, data kept apart."""

import dataclasses
import json
import re
import urllib.parse
import urllib.request

import pytest
from slack_bolt.authorization import AuthorizeResult

from bot.app import build_services
from bot.slack.authorize import AuthorizationCache
from store import plans, teams
from tests.conftest import TEAM, HttpApp
from tests.support.signing import event_envelope


@pytest.fixture
def oauth_app(settings, clock, stub):
    oauth = dataclasses.replace(settings, bot_token=None, client_id="111.222", client_secret="shh")
    services = build_services(oauth, clock=clock)
    app = HttpApp(services, stub)
    yield app
    app.close()


def install(app: HttpApp, stub, team_id: str | None, token: str, **answer) -> str:
    """Walk the install flow as a browser would: /slack/install, then Slack redirects back with a code.
    `answer` replaces fields of Slack's oauth.v2.access answer (an Enterprise Grid org, a refresh token)."""
    base = app.url.replace("/slack/events", "")
    with urllib.request.urlopen(f"{base}/slack/install", timeout=10) as page:
        html = page.read().decode()
        # Bolt's state cookie is Secure; a browser on https would send it back, so the test does
        cookie = page.headers["Set-Cookie"].split(";")[0]
    authorize = re.search(r'href="(https://slack.com/oauth/v2/authorize\?[^"]+)"', html).group(1)
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(authorize.replace("&amp;", "&")).query)
    assert query["client_id"] == ["111.222"]
    assert set(query["scope"][0].split(",")) >= {"commands", "chat:write"}
    stub.respond("oauth.v2.access", {
        "ok": True, "access_token": token, "token_type": "bot", "scope": query["scope"][0],
        "bot_user_id": "UBOT", "app_id": "A0001", "team": {"id": team_id, "name": team_id}, "enterprise": None,
        "authed_user": {"id": "UINSTALLER"}, "is_enterprise_install": False, **answer,
    }, times=1)
    redirect = urllib.request.Request(f"{base}/slack/oauth_redirect?code=code-{team_id}&state={query['state'][0]}",
                                      headers={"Cookie": cookie})
    with urllib.request.urlopen(redirect, timeout=10) as r:
        return r.read().decode()


def test_install_and_redirect_store_each_workspaces_token(oauth_app, stub):
    page = install(oauth_app, stub, "T0001", "xoxb-team-one")
    assert "Thank you" in page or "success" in page.lower()
    exchange = stub.calls("oauth.v2.access")[-1]
    assert exchange.params["code"] == "code-T0001"
    install(oauth_app, stub, "T0002", "xoxb-team-two")

    oauth_app.command("/digest", "next", user_id="UOWNER")  # from T0001 (the fixture's team)
    post = stub.wait_for("chat.postMessage")[0]
    assert post.token == "xoxb-team-one"


def test_a_redirect_with_a_forged_state_is_refused(oauth_app, stub):
    base = oauth_app.url.replace("/slack/events", "")
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(f"{base}/slack/oauth_redirect?code=x&state=forged", timeout=10)
    assert refused.value.code in (400, 401, 403)
    assert stub.calls("oauth.v2.access") == []


def test_two_workspaces_never_see_each_others_plans(services):
    for team, channel in (("T0001", "C0CHAN"), ("T0002", "C0CHAN")):
        plans.ensure(services.store, team, channel, pack_id="sample", language="en", days="", post_time="09:00",
                     timezone="UTC", created_by="U1")
    plans.claim_next(services.store, "T0001", "C0CHAN", slot="now:1", item_count=6)
    assert plans.get(services.store, "T0001", "C0CHAN").next_index == 1
    assert plans.get(services.store, "T0002", "C0CHAN").next_index == 0  # same channel id, other workspace
    assert {p.team_id for p in plans.all_plans(services.store, "T0002")} == {"T0002"}
    assert {p["team_id"] for p in plans.posts(services.store)} == {"T0001"}  # T0002's plan posted nothing


# ------------------------------------------------------------------ the authorize cache (bot/slack/authorize.py)
def uninstall_event(app: HttpApp, kind: str, event_id: str, **fields) -> None:
    envelope = event_envelope({"type": kind, **fields}, team_id=TEAM, event_id=event_id)
    assert app.post(json.dumps(envelope)).status == 200
    app.services.wait_idle()


def digest_next(app: HttpApp) -> None:
    assert app.command("/digest", "next", user_id="UOWNER").status == 200
    app.services.wait_idle()


def posted_tokens(stub) -> list[str | None]:
    return [call.token for call in stub.calls("chat.postMessage")]


def test_after_the_first_request_a_workspace_is_authorized_without_slack_or_the_database(oauth_app, stub,
                                                                                           monkeypatch):
    install(oauth_app, stub, TEAM, "xoxb-team-one")
    installs = oauth_app.services.token_for_team.installs
    looked_up = []
    real = installs.find_installation
    monkeypatch.setattr(installs, "find_installation", lambda **kw: looked_up.append(kw) or real(**kw))
    installed = len(stub.calls("auth.test"))  # the install flow asks who the new bot is

    for user in ("UOWNER", "U0ONE", "U0TWO", "U0THREE"):  # clickers other than the installer too
        assert oauth_app.command("/digest", "help", user_id=user).status == 200
    assert len(stub.calls("auth.test")) == installed + 1  # Bolt alone calls it on every request
    assert 1 <= len(looked_up) <= 3  # the first request's look-ups (Bolt's two, the rotation check), none after
    before = len(looked_up)
    oauth_app.command("/digest", "help", user_id="U0FOUR")
    assert len(looked_up) == before and len(stub.calls("auth.test")) == installed + 1


@pytest.mark.parametrize("kind, fields", [("app_uninstalled", {}),
                                          ("tokens_revoked", {"tokens": {"oauth": [], "bot": ["UBOT"]}})])
def test_an_uninstalled_or_revoked_workspace_is_not_served_from_the_cache(oauth_app, stub, kind, fields):
    install(oauth_app, stub, TEAM, "xoxb-team-one")
    digest_next(oauth_app)
    assert posted_tokens(stub) == ["xoxb-team-one"]
    assert len(oauth_app.services.authorizations) == 1

    uninstall_event(oauth_app, kind, "EvGONE1", **fields)
    assert len(oauth_app.services.authorizations) == 0  # dropped at once
    digest_next(oauth_app)
    assert posted_tokens(stub) == ["xoxb-team-one"]  # nothing more with the dead token


def test_a_reinstall_with_a_new_token_replaces_the_cached_one(oauth_app, stub):
    install(oauth_app, stub, TEAM, "xoxb-team-one")
    digest_next(oauth_app)
    # slack_sdk stamps rows in whole seconds and reads the newest: the first install was a while ago
    for table in teams.SLACK_SDK_TABLES:
        oauth_app.services.store.write_one(f"UPDATE {table} SET installed_at = datetime('now', '-1 hour')")
    install(oauth_app, stub, TEAM, "xoxb-team-rotated")
    digest_next(oauth_app)
    assert posted_tokens(stub) == ["xoxb-team-one", "xoxb-team-rotated"]
    assert stub.calls("users.info")[-1].token == "xoxb-team-rotated"  # the request's own client, too


@pytest.mark.parametrize("error", ["invalid_auth", "token_revoked", "account_inactive"])
def test_a_token_slack_stops_accepting_is_looked_up_again_not_served_stale(oauth_app, stub, error):
    install(oauth_app, stub, TEAM, "xoxb-team-one")
    oauth_app.command("/digest", "help")
    authorized = len(stub.calls("auth.test"))
    # the installation changed behind this process's back (another process took a reinstall)
    for table in teams.SLACK_SDK_TABLES:
        oauth_app.services.store.write_one(f"UPDATE {table} SET bot_token = 'xoxb-new' WHERE team_id = ?", [TEAM])
    stub.respond_error("users.info", error, times=1)  # on the client Bolt made for the request

    digest_next(oauth_app)
    assert stub.calls("users.info")[0].token == "xoxb-team-one"
    assert len(oauth_app.services.authorizations) == 0
    digest_next(oauth_app)
    assert len(stub.calls("auth.test")) == authorized + 1  # looked up again
    assert stub.calls("users.info")[-1].token == "xoxb-new"


def test_an_entry_lasts_until_its_token_is_due_for_rotation_or_its_lifetime():
    now = [1000.0]
    cache = AuthorizationCache(now=lambda: now[0], lifetime=900.0, max_entries=2)
    result = AuthorizeResult(enterprise_id=None, team_id=TEAM, bot_token="xoxb-one")
    cache.put((None, TEAM, False), result, cache.generation(), refresh_after=1060.0)
    cache.put((None, "T0002", False), result, cache.generation(), refresh_after=None)
    now[0] = 1059.0
    assert cache.get((None, TEAM, False)) is result
    now[0] = 1060.0
    assert cache.get((None, TEAM, False)) is None  # Bolt's authorize rotates it on the next request
    assert cache.get((None, "T0002", False)) is result
    now[0] = 1900.0
    assert cache.get((None, "T0002", False)) is None


def test_a_look_up_that_raced_a_drop_is_not_kept():
    cache = AuthorizationCache()
    result = AuthorizeResult(enterprise_id=None, team_id=TEAM, bot_token="xoxb-one")
    read_before = cache.generation()
    cache.forget_teams([TEAM])  # an uninstall while the look-up ran
    cache.put((None, TEAM, False), result, read_before, refresh_after=None)
    assert cache.get((None, TEAM, False)) is None
