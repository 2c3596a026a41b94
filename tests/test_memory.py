"""Nothing per message outlives it: once a poll is closed or a quiz has ended (and the live updates' interval
has passed), the per-message maps (the coalescer's, the queued draws, the message and channel locks) hold
nothing of it. Whatever they kept would grow with every poll a long-lived process ever served (issue #20:
about 2 KiB per poll message)."""

import json

from store import quizzes
from tests.conftest import TEAM
from tests.flows.test_polls import run_whole_flow
from tests.flows.test_quizzes import runner_for
from tests.listeners.test_quiz import answer as click
from tests.listeners.test_quiz import start


def per_message_state(services):
    """Every per-message map of the running app that still holds an entry, with its size."""
    sizes = {f"live.{name}": size for name, size in services.live.sizes().items() if size}
    if len(services._turns):
        sizes["turns"] = len(services._turns)
    return sizes


def past_the_interval(services, clock):
    """Let every queued draw go out and the interval after it pass, as the live updates' timer would."""
    for _ in range(3):
        services.wait_idle()
        clock.advance(seconds=services.live.coalescer.interval * 2)
        services.live.flush()
    services.wait_idle()
    services.live.flush()


def test_a_closed_poll_leaves_nothing_in_the_per_message_maps(http_app, stub, services, clock):
    run_whole_flow(http_app, stub, services, clock)
    assert stub.calls("chat.update")  # its tally was drawn live: the maps had entries for it
    past_the_interval(services, clock)
    assert per_message_state(services) == {}


def test_an_ended_quiz_leaves_nothing_in_the_per_message_maps(http_app, stub, services, clock):
    quiz = start(http_app, stub, services, "section 1 timer 10")
    click(http_app, quiz, 0, 0, "U1")
    click(http_app, quiz, 0, 1, "U2")
    services.wait_idle()
    assert services.live.coalescer.pending() or services.live.sizes()["group"]  # "2 answered", live
    runner = runner_for(services)
    for _ in range(10):  # reveal, next question, ... to the end
        runner.tick(clock.advance(seconds=11))
        services.wait_idle()
    assert quizzes.get(services.store, TEAM, quiz.id).state == "finished"
    assert "Answer:" in json.dumps([c.params.get("text") for c in stub.calls("chat.update")])
    past_the_interval(services, clock)
    assert per_message_state(services) == {}
