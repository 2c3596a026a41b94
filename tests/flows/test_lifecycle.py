"""Workspaces coming and going: Enterprise Grid installs, uninstalls and revoked tokens, token rotation.

Everything over the app's real endpoints: the install flow over HTTP, signed slash commands and event
callbacks (shaped like Slack's AppUninstalledPayload.json / TokensRevokedPayload.json samples), and the
Web API at the stand-in, whose calls show which token each request carried.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import json
import time
from urllib.parse import urlencode

import pytest

from bot.app import build_services
from bot.config import ConfigError, load_settings
from bot.flows.digests import post_next
from bot.scheduler import DigestScheduler, job_id
from bot.slack.posting import ChannelPacer
from store import articles, deliveries, installations, plans, polls, quizzes, replies, teams, unconfirmed_posts
from tests.conftest import SAMPLE_PACKS, TEAM, HttpApp
from tests.support.signing import event_envelope, slash_command_params
from tests.test_oauth import install

UTC = dt.UTC
ORG = "E0001"
OTHER = "T0002"
WEEKDAYS = "mon,tue,wed,thu,fri"
GRID_ORG = {"id": ORG, "name": "Test Org"}


def oauth_services(settings, clock, **changes):
    oauth = dataclasses.replace(settings, bot_token=None, client_id="111.222", client_secret="shh", **changes)
    return build_services(oauth, clock=clock, pacer=ChannelPacer(interval=0.0))


@pytest.fixture
def make_app(settings, clock, stub):
    """An OAuth app with the given settings, its scheduler's jobs synced (not started: the test fires them)."""
    made: list[tuple[HttpApp, DigestScheduler]] = []

    def make(**changes) -> HttpApp:
        services = oauth_services(settings, clock, **changes)
        app = HttpApp(services, stub)
        scheduler = DigestScheduler(services)
        scheduler.scheduler.start(paused=True)
        services.on_plan_change = scheduler.sync
        app.scheduler = scheduler
        made.append((app, scheduler))
        return app

    yield make
    for app, scheduler in made:
        scheduler.shutdown()
        app.close()
        app.services.background.shutdown(wait=True)
        app.services.store.close()


def command(app: HttpApp, text: str, *, team_id: str = TEAM, enterprise_id: str | None = None,
            org_wide: bool = False, channel_id: str = "C0CHAN"):
    """A signed slash command from a workspace, as Slack sends it for a Grid or an org-wide install."""
    params = slash_command_params("/digest", text, user_id="UOWNER", channel_id=channel_id, team_id=team_id,
                                  enterprise_id=enterprise_id, response_url=app.stub.response_url())
    if org_wide:
        params["is_enterprise_install"] = "true"
    return app.post(urlencode(params))


def event(app: HttpApp, kind: str, *, team_id: str | None = TEAM, enterprise_id: str | None = None,
          org_wide: bool = False, event_id: str | None = None, **fields):
    envelope = event_envelope({"type": kind, **fields}, team_id=team_id or "", enterprise_id=enterprise_id,
                              event_id=event_id)
    if org_wide:  # an org-wide install's events name the org and no team in their authorization
        envelope["authorizations"][0].update(team_id=None, is_enterprise_install=True)
    response = app.post(json.dumps(envelope))
    assert response.status == 200
    app.services.wait_idle()
    return response


def scheduled_plan(services, team_id: str = TEAM, channel: str = "C0CHAN") -> plans.Plan:
    plans.ensure(services.store, team_id, channel, pack_id="sample", language="en", days="", post_time="09:30",
                 timezone="UTC", created_by="UOWNER")
    return plans.set_schedule(services.store, team_id, channel, days=WEEKDAYS, post_time="09:30", timezone="UTC",
                              now=dt.datetime(2026, 5, 31, tzinfo=UTC).timestamp())


def team_rows(services, team_id: str) -> dict[str, int]:
    """Rows per table that carries team_id, for one workspace (slack_sdk's tables included)."""
    counts = {}
    for table in schema_tables_with_team_id(services):
        counts[table] = services.store.row(f"SELECT COUNT(*) AS n FROM {table} WHERE team_id = ?", [team_id])["n"]
    return counts


def schema_tables_with_team_id(services) -> list[str]:
    tables = [r["name"] for r in services.store.rows("SELECT name FROM sqlite_master WHERE type = 'table'")]
    return sorted(t for t in tables
                  if any(c["name"] == "team_id" for c in services.store.rows(f"PRAGMA table_info({t})")))


def seed_everything(services, team_id: str) -> None:
    """One of each record a workspace leaves: a plan and its post, a poll with a vote, a comment and its log,
    a quiz with an asked question and an answer, a remembered delivery, a post whose outcome is unknown, an
    article of its own and the place kept in the one it left."""
    store, now = services.store, services.clock.now().timestamp()
    plan = scheduled_plan(services, team_id)
    claim = plans.claim_next(store, team_id, plan.channel_id, slot="now:1", item_count=6)
    plans.record_posted(store, claim, "1.000100")
    post = polls.create_post(store, team_id=team_id, channel_id="C0CHAN", pack_id="sample", poll_id="p1", number=1,
                             language="en", anonymous=False, results_hidden=False, closes_at=None, posted_by="U1")
    polls.record_ts(store, post.id, "1.000200")
    assert polls.cast_vote(store, team_id, post.id, "U2", "yes", now)
    polls.add_comment(store, team_id, post.id, "U2", "a comment", now)
    quiz = quizzes.start(store, team_id=team_id, channel_id="C0CHAN", host="U1", pack_id="sample", language="en",
                         question_ids=["q1"], timer_s=30, now=now)
    assert quizzes.open_question(store, quiz, 0, now) is not None
    assert quizzes.answer(store, team_id=team_id, quiz_id=quiz.id, position=0, user_id="U2", answer_text="a",
                          now=now).status == "locked"
    assert deliveries.claim(store, team_id, f"event:seed-{team_id}")
    unconfirmed_posts.note(store, team_id, "C0CHAN", "poll:9", now)  # a post whose answer was lost
    sample = (SAMPLE_PACKS / "sample.yaml").read_text(encoding="utf-8").replace("id: sample", "id: own", 1)
    articles.save(store, team_id, "own", title="Own", language="en", yaml=sample, source=None, added_by="U1")
    plans.ensure(store, team_id, "C0READS", pack_id="sample", language="en", days="", post_time="09:00",
                 timezone="UTC", created_by="U1")
    articles.switch_article(store, team_id, "C0READS", "own", "en")  # the place in `sample` is kept
    # a reply in the digest's thread, a reaction to it, an opt-out and a recap (store/replies.py)
    thread = replies.thread_of(store, team_id, "C0CHAN", "1.000100")
    assert thread is not None
    assert replies.add_reply(store, f"event:reply-{team_id}", team_id=team_id, thread=thread, item_ref="intro",
                             ts="1.000300", user_id="U2", text="a reply", now=now)
    assert replies.react(store, f"event:react-{team_id}", team_id=team_id, channel_id="C0CHAN", ts="1.000300",
                         user_id="U3", reaction="tada", added=True, now=now)
    replies.set_sharing(store, team_id, "U3", False, now)
    replies.save_recap(store, team_id, claim.post_id, "a recap")


# ----------------------------------------------------------------------------------- Enterprise Grid
def test_a_grid_workspace_install_posts_with_its_own_token(make_app, stub):
    app = make_app()
    install(app, stub, TEAM, "xoxb-grid-workspace", enterprise=GRID_ORG)
    stored = installations.installation_for_team(app.services.token_for_team.installs, app.services.store, TEAM)
    assert (stored.enterprise_id, stored.team_id, stored.is_enterprise_install) == (ORG, TEAM, False)

    assert command(app, "next", enterprise_id=ORG).status == 200
    post = stub.wait_for("chat.postMessage")[0]  # sent by the work after the acknowledgement (client_for)
    assert post.token == "xoxb-grid-workspace"
    # the install's own auth.test, then Bolt's authorize of the command, which found the installation by org
    assert [c.token for c in stub.calls("auth.test")] == ["xoxb-grid-workspace"] * 2


def test_an_org_wide_install_posts_in_each_workspace_of_the_org(make_app, stub):
    app = make_app()
    install(app, stub, None, "xoxb-org-wide", team=None, enterprise=GRID_ORG, is_enterprise_install=True)
    assert installations.installation_for_team(app.services.token_for_team.installs, app.services.store,
                                               TEAM) is None  # no workspace of the org has been seen yet

    assert command(app, "next", enterprise_id=ORG, org_wide=True).status == 200
    assert stub.wait_for("chat.postMessage")[0].token == "xoxb-org-wide"
    assert teams.org_of(app.services.store, TEAM) == ORG
    # a scheduled job, which knows only the workspace, finds the org's token too (after a restart as well)
    again = make_app()
    assert again.services.client_for(TEAM).token == "xoxb-org-wide"


# ----------------------------------------------------------------------------------- uninstall
def test_an_uninstall_stops_the_workspace_keeps_its_data_and_a_reinstall_carries_on(make_app, stub, clock):
    app = make_app(uninstall_retention_days=30)
    services = app.services
    install(app, stub, TEAM, "xoxb-team-one")
    install(app, stub, OTHER, "xoxb-team-two")
    seed_everything(services, TEAM)
    scheduled_plan(services, OTHER, channel="C0OTHER")
    plans.set_schedule(services.store, OTHER, "C0OTHER", days="sat", post_time="10:00", timezone="UTC",
                       now=clock.now().timestamp())
    services.schedules_changed()
    ours, theirs = job_id(WEEKDAYS, "09:30", "UTC"), job_id("sat", "10:00", "UTC")
    assert app.scheduler.scheduled() >= {ours, theirs}
    assert services.client_for(TEAM).token == "xoxb-team-one"  # cached
    before = team_rows(services, TEAM)

    event(app, "app_uninstalled", event_id="EvUNINSTALL1")
    event(app, "tokens_revoked", event_id="EvREVOKED1", tokens={"oauth": [], "bot": ["UBOT"]})  # sent with it

    assert installations.installation_for_team(services.token_for_team.installs, services.store, TEAM) is None
    assert services.client_for(TEAM).token is None  # the cached client went with the installation
    assert app.scheduler.scheduled() == {theirs}
    clock.set(dt.datetime(2026, 6, 2, 9, 30, tzinfo=UTC))
    assert app.scheduler.run_schedule(WEEKDAYS, "09:30", "UTC") == []  # nothing posts for it
    assert stub.calls("chat.postMessage") == []
    after = team_rows(services, TEAM)
    assert after == {**before, "slack_bots": 0, "slack_installations": 0, "departed_teams": 1,
                     "deliveries": before["deliveries"] + 2}  # the two events, each claimed once

    clock.set(dt.datetime(2026, 6, 20, tzinfo=UTC))  # 18 days later: within the 30 kept
    assert app.scheduler.purge_departed() == []
    install(app, stub, TEAM, "xoxb-team-one-again")
    assert not teams.departed(services.store, TEAM)
    assert ours in app.scheduler.scheduled()
    assert plans.get(services.store, TEAM, "C0CHAN").next_index == 1  # where it left off
    assert services.client_for(TEAM).token == "xoxb-team-one-again"


def test_after_the_retention_period_every_row_of_the_workspace_goes_and_no_other(make_app, stub, clock):
    app = make_app(uninstall_retention_days=30)
    services = app.services
    install(app, stub, TEAM, "xoxb-team-one")
    install(app, stub, OTHER, "xoxb-team-two")
    seed_everything(services, TEAM)
    seed_everything(services, OTHER)
    theirs = team_rows(services, OTHER)
    event(app, "app_uninstalled")

    clock.set(clock.now() + dt.timedelta(days=29, hours=23))
    assert app.scheduler.purge_departed() == []
    assert plans.get(services.store, TEAM, "C0CHAN") is not None
    clock.set(clock.now() + dt.timedelta(hours=1))
    assert app.scheduler.purge_departed() == [TEAM]
    assert set(team_rows(services, TEAM).values()) == {0}
    assert team_rows(services, OTHER) == theirs
    assert services.client_for(OTHER).token == "xoxb-team-two"


def test_with_nothing_kept_an_uninstall_deletes_the_workspace_at_once(make_app, stub):
    app = make_app(uninstall_retention_days=0)
    services = app.services
    install(app, stub, TEAM, "xoxb-team-one")
    install(app, stub, OTHER, "xoxb-team-two")
    seed_everything(services, TEAM)
    seed_everything(services, OTHER)
    theirs = team_rows(services, OTHER)
    assert all(team_rows(services, TEAM)[t] for t in teams.TEAM_TABLES if t != "departed_teams" and
               t != "org_workspaces")

    event(app, "app_uninstalled", event_id="EvGONE")
    assert set(team_rows(services, TEAM).values()) == {0}
    assert team_rows(services, OTHER) == theirs
    # Slack sending the event again changes nothing for anyone
    event(app, "app_uninstalled", event_id="EvGONE")
    assert set(team_rows(services, TEAM).values()) == {0}
    assert team_rows(services, OTHER) == theirs


def test_an_org_wide_uninstall_stops_every_workspace_of_the_org(make_app, stub, clock):
    app = make_app(uninstall_retention_days=30)
    services = app.services
    install(app, stub, None, "xoxb-org-wide", team=None, enterprise=GRID_ORG, is_enterprise_install=True)
    command(app, "help", enterprise_id=ORG, org_wide=True)
    command(app, "help", team_id=OTHER, enterprise_id=ORG, org_wide=True)
    services.wait_idle()
    scheduled_plan(services, TEAM)
    scheduled_plan(services, OTHER)
    assert services.client_for(OTHER).token == "xoxb-org-wide"

    event(app, "app_uninstalled", team_id=None, enterprise_id=ORG, org_wide=True)
    assert teams.departed(services.store, TEAM) and teams.departed(services.store, OTHER)
    assert services.client_for(OTHER).token is None
    assert plans.on_schedule(services.store, WEEKDAYS, "09:30", "UTC") == []

    # past the retention period everything of theirs is gone; a reinstall starts afresh, in this process too
    clock.set(clock.now() + dt.timedelta(days=31))
    assert sorted(app.scheduler.purge_departed()) == [TEAM, OTHER]
    install(app, stub, None, "xoxb-org-wide-again", team=None, enterprise=GRID_ORG, is_enterprise_install=True)
    command(app, "next", team_id=OTHER, enterprise_id=ORG, org_wide=True)
    services.wait_idle()
    assert services.client_for(OTHER).token == "xoxb-org-wide-again"


def test_revoked_user_tokens_alone_leave_the_workspace_installed(make_app, stub):
    app = make_app()
    install(app, stub, TEAM, "xoxb-team-one")
    scheduled_plan(app.services)
    event(app, "tokens_revoked", tokens={"oauth": ["UINSTALLER"], "bot": []})
    assert not teams.departed(app.services.store, TEAM)
    assert app.services.client_for(TEAM).token == "xoxb-team-one"
    assert len(plans.on_schedule(app.services.store, WEEKDAYS, "09:30", "UTC")) == 1


def test_a_single_workspace_app_stops_posting_when_uninstalled(http_app, services, stub, clock):
    scheduled_plan(services)
    event(http_app, "app_uninstalled")
    assert teams.departed(services.store, TEAM)
    assert plans.on_schedule(services.store, WEEKDAYS, "09:30", "UTC") == []
    assert plans.get(services.store, TEAM, "C0CHAN") is not None  # kept for the retention period (default 30)


def test_a_departed_workspace_s_polls_and_quizzes_are_left_alone_by_the_timers(services, clock):
    seed_everything(services, TEAM)
    seed_everything(services, OTHER)
    store, now = services.store, clock.now().timestamp()
    for post in polls.open_posts(store):
        store.write_one("UPDATE poll_posts SET closes_at = ? WHERE id = ?", [now - 1, post.id])

    def timer_work() -> set[str]:
        return ({p.team_id for p in polls.due_to_close(store, now)} | {q.team_id for q in quizzes.running(store)})

    assert timer_work() == {TEAM, OTHER}
    teams.depart(store, [TEAM], "app_uninstalled", now=now)
    assert timer_work() == {OTHER}
    assert len(quizzes.running(store, TEAM, "C0CHAN")) == 1  # still there, for a reinstall
    teams.welcome_back(store, [TEAM])
    assert timer_work() == {TEAM, OTHER}


def test_every_table_with_a_team_id_is_deleted_with_its_workspace(services):
    slack_sdk_tables = set(teams.SLACK_SDK_TABLES)
    assert set(schema_tables_with_team_id(services)) - slack_sdk_tables == set(teams.TEAM_TABLES)


# ----------------------------------------------------------------------------------- dead tokens
@pytest.mark.parametrize("error", ["not_authed", "token_expired", "invalid_auth"])
def test_a_dead_token_pauses_the_plan_and_the_workspace_is_looked_up_again(make_app, stub, error):
    app = make_app()
    services = app.services
    install(app, stub, TEAM, "xoxb-team-one")
    scheduled_plan(services)
    assert services.client_for(TEAM).token == "xoxb-team-one"  # cached
    # another process took the reinstall: this one still holds the token from before
    for table in teams.SLACK_SDK_TABLES:
        services.store.write_one(f"UPDATE {table} SET bot_token = 'xoxb-reinstalled' WHERE team_id = ?", [TEAM])
    stub.respond_error("chat.postMessage", error, times=1)

    outcome = post_next(services, services.pacer, TEAM, "C0CHAN", slot="now:1")
    assert (outcome.status, outcome.error) == ("stopped", error)
    assert plans.get(services.store, TEAM, "C0CHAN").paused  # not retried by every run
    refused, told = stub.calls("chat.postMessage")
    assert refused.token == "xoxb-team-one"
    assert (told.params["channel"], told.token) == ("UOWNER", "xoxb-reinstalled")  # looked up again
    assert "reinstall the app" in told.params["text"] and "Invite me" not in told.params["text"]


# ----------------------------------------------------------------------------------- token rotation
def refresh_answer(token: str, refresh: str):
    """Slack's oauth.v2.access answer to grant_type=refresh_token
    (https://docs.slack.dev/authentication/using-token-rotation)."""
    def responder(call):
        assert call.params["grant_type"] == "refresh_token"
        # slack_sdk sends the app's credentials as HTTP Basic authentication
        assert call.headers["authorization"] == "Basic " + base64.b64encode(b"111.222:shh").decode()
        return 200, {}, {"ok": True, "app_id": "A0001", "access_token": token, "token_type": "bot",
                         "refresh_token": refresh, "expires_in": 43200, "scope": "chat:write,commands",
                         "bot_user_id": "UBOT", "team": {"id": TEAM, "name": TEAM}, "enterprise": None,
                         "is_enterprise_install": False}
    return responder


def installed_hours_ago(services, hours: int) -> None:
    """Back-date the stored installation. slack_sdk stamps rows with SQLite's CURRENT_TIMESTAMP (whole
    seconds) and reads the newest: a token rotated within the second of its install would tie with it."""
    for table in teams.SLACK_SDK_TABLES:
        services.store.write_one(f"UPDATE {table} SET installed_at = datetime('now', ?)", [f"-{hours} hours"])


def test_a_token_about_to_expire_is_refreshed_before_a_scheduled_post_and_saved(make_app, stub):
    app = make_app(token_refresh_minutes=120)
    services = app.services
    install(app, stub, TEAM, "xoxe.xoxb-first", refresh_token="xoxe-1-first", expires_in=3600)  # 1 h < 2 h
    installed_hours_ago(services, 11)
    scheduled_plan(services)
    stub.respond("oauth.v2.access", refresh_answer("xoxe.xoxb-second", "xoxe-1-second"), times=1)

    assert post_next(services, services.pacer, TEAM, "C0CHAN", slot="now:1").status == "posted"
    refresh = stub.calls("oauth.v2.access")[-1]
    assert refresh.params["refresh_token"] == "xoxe-1-first"
    assert stub.calls("chat.postMessage")[-1].token == "xoxe.xoxb-second"
    stored = installations.installation_for_team(services.token_for_team.installs, services.store, TEAM)
    assert (stored.bot_token, stored.bot_refresh_token) == ("xoxe.xoxb-second", "xoxe-1-second")
    assert stored.bot_token_expires_at > time.time() + 11 * 3600

    exchanges = len(stub.calls("oauth.v2.access"))
    assert post_next(services, services.pacer, TEAM, "C0CHAN", slot="now:2").status == "posted"
    assert len(stub.calls("oauth.v2.access")) == exchanges  # 12 hours left: no refresh
    assert stub.calls("chat.postMessage")[-1].token == "xoxe.xoxb-second"


def test_a_token_far_from_expiry_is_not_refreshed(make_app, stub):
    app = make_app(token_refresh_minutes=120)
    install(app, stub, TEAM, "xoxe.xoxb-first", refresh_token="xoxe-1-first", expires_in=43200)
    exchanges = len(stub.calls("oauth.v2.access"))
    assert app.services.client_for(TEAM).token == "xoxe.xoxb-first"
    assert len(stub.calls("oauth.v2.access")) == exchanges


def test_a_cached_token_is_refreshed_once_it_falls_due(make_app, stub):
    app = make_app(token_refresh_minutes=120)
    services = app.services
    install(app, stub, TEAM, "xoxe.xoxb-first", refresh_token="xoxe-1-first", expires_in=43200)
    assert services.client_for(TEAM).token == "xoxe.xoxb-first"
    # the cached client's refresh time passes (as 10 hours would): the stored token is a minute from expiry
    services._clients[TEAM].refresh_after = time.time() - 1
    installed_hours_ago(services, 12)
    store = services.store
    store.write_one("UPDATE slack_bots SET bot_token_expires_at = ? WHERE team_id = ?", [int(time.time()) + 60, TEAM])
    store.write_one("UPDATE slack_installations SET bot_token_expires_at = ? WHERE team_id = ?",
                     [int(time.time()) + 60, TEAM])
    stub.respond("oauth.v2.access", refresh_answer("xoxe.xoxb-second", "xoxe-1-second"), times=1)
    assert services.client_for(TEAM).token == "xoxe.xoxb-second"


def test_a_refresh_token_slack_refuses_leaves_the_workspace_without_a_token(make_app, stub):
    app = make_app()
    install(app, stub, TEAM, "xoxe.xoxb-first", refresh_token="xoxe-1-first", expires_in=600)
    stub.respond_error("oauth.v2.access", "invalid_refresh_token", times=1)
    assert app.services.client_for(TEAM).token is None  # calls answer not_authed: permanent, plans pause


# ----------------------------------------------------------------------------------- settings
def test_retention_and_refresh_settings_are_read_and_checked(tmp_path):
    env = {"SLACK_CLIENT_ID": "1.2", "SLACK_CLIENT_SECRET": "s"}
    defaults = load_settings(env, env_file=None)
    assert (defaults.uninstall_retention_days, defaults.token_refresh_minutes) == (30, 120)
    chosen = load_settings({**env, "UNINSTALL_RETENTION_DAYS": "0", "TOKEN_REFRESH_MINUTES": "30"}, env_file=None)
    assert (chosen.uninstall_retention_days, chosen.token_refresh_minutes) == (0, 30)
    for name, value in (("UNINSTALL_RETENTION_DAYS", "-1"), ("UNINSTALL_RETENTION_DAYS", "a week"),
                        ("TOKEN_REFRESH_MINUTES", "0"), ("TOKEN_REFRESH_MINUTES", "720")):
        with pytest.raises(ConfigError, match=name):
            load_settings({**env, name: value}, env_file=None)


def test_a_purge_left_undone_by_a_crash_runs_when_the_scheduler_starts(settings, clock, stub):
    services = oauth_services(settings, clock, uninstall_retention_days=0)
    teams.depart(services.store, [TEAM], "app_uninstalled", now=clock.now().timestamp())
    plans.ensure(services.store, TEAM, "C0CHAN", pack_id="sample", language="en", days="", post_time="09:30",
                 timezone="UTC", created_by="UOWNER")  # paused, unscheduled: the catch-up posts nothing
    scheduler = DigestScheduler(services)
    scheduler.start()
    try:
        waited = 0.0
        while teams.departed(services.store, TEAM) and waited < 5:  # the job runs on the scheduler's thread
            time.sleep(0.01)
            waited += 0.01
        assert plans.get(services.store, TEAM, "C0CHAN") is None
        assert scheduler.scheduler.get_job("teams:purge") is not None  # and every hour from then on
    finally:
        scheduler.shutdown()
        services.background.shutdown(wait=True)
        services.store.close()
