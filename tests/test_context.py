"""The context's own maps (bot/context.py): Web API clients per workspace, turns per key. Each holds
only what is in use now, however many workspaces and channels the process has served."""

import datetime as dt

import pytest

from bot.config import Settings
from bot.context import CLIENT_IDLE_SECONDS, Context
from bot.slack.tokens import TeamToken
from store import open_store
from tests.support.clock import FakeClock


@pytest.fixture
def context(tmp_path):
    looked_up: list[str] = []

    def token_for_team(team_id):
        looked_up.append(team_id)
        return TeamToken(f"xoxb-{team_id}")

    store = open_store(tmp_path / "bot.db")
    context = Context(Settings(slack_api_url="http://127.0.0.1:9/api/", database_path=tmp_path / "bot.db"),
                      store, {}, clock=FakeClock(dt.datetime(2026, 6, 1, 12, 0, tzinfo=dt.UTC)),
                      token_for_team=token_for_team)
    context.looked_up = looked_up
    yield context
    store.close()


def test_a_workspaces_client_is_kept_while_in_use_and_dropped_once_idle(context):
    for n in range(1000):
        assert context.client_for(f"T{n}").token == f"xoxb-T{n}"
    assert context.cached_clients() == 1000
    assert len(context._turns) == 0  # each lookup's turn went with it

    context.clock.advance(seconds=CLIENT_IDLE_SECONDS / 2)
    context.client_for("T7")  # still in use
    context.clock.advance(seconds=CLIENT_IDLE_SECONDS / 2)
    context.client_for("TNEW")  # a lookup sweeps the idle ones
    assert context.cached_clients() == 2  # T7 and TNEW
    looked_up = len(context.looked_up)
    context.client_for("T7")
    assert len(context.looked_up) == looked_up  # kept: no new lookup
    context.client_for("T1")
    assert context.looked_up[-1] == "T1"  # dropped: looked up again


def test_turns_are_held_only_while_taken(context):
    for channel in range(100):
        with context.in_turn("post next", "T1", f"C{channel}"):
            pass
    turn = context.in_turn("post next", "T1", "C1")
    turn.acquire()
    assert len(context._turns) == 1
    turn.release()
    assert len(context._turns) == 0
