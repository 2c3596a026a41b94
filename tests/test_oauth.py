"""Installing to many workspaces: Bolt's OAuth endpoints against the Web API stand-in, data kept apart."""

import dataclasses
import re
import urllib.parse
import urllib.request

import pytest

from bot.app import build_services
from store import plans
from tests.conftest import HttpApp


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
