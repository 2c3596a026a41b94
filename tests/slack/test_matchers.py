"""Bolt's built-in matchers asked with the body alone (bot/slack/matchers.py), on the app as it is built."""

from slack_bolt.listener_matcher import builtins

from bot.slack.matchers import BodyMatcher
from tests.conftest import TEAM
from tests.support.signing import event_body, message_event


def test_every_listener_is_matched_on_its_body_alone(http_app):
    """If a Bolt release changes its built-in matchers, this says so (and they are left as Bolt made them)."""
    listeners = http_app.app._listeners
    assert len(listeners) > 10
    assert all(isinstance(listener.matchers[0], BodyMatcher) for listener in listeners)


def test_a_request_builds_no_keyword_arguments_for_listeners_it_passes(http_app, monkeypatch):
    """A thread reply passes `/digest`'s listener and the vote buttons' on its way to its own; asking them
    used to build every keyword argument a listener could take, once each (about 13 µs)."""
    built = []
    real = builtins.build_required_kwargs
    monkeypatch.setattr(builtins, "build_required_kwargs", lambda **kw: built.append(kw) or real(**kw))
    reply = message_event("a reply nobody started a thread for", user_id="U0ALICE", channel_id="C0CHAN",
                          thread_ts="1690000000.000100")
    assert http_app.post(event_body(reply, team_id=TEAM)).status == 200
    assert http_app.command("/digest", "help", user_id="U0ALICE").status == 200
    assert built == []

