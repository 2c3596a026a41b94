"""Two `/digest next` in one channel at once: the sections reach the channel in the order they were claimed.

Each `/digest next` claims the plan's next item in the database; the posts themselves go out after the
acknowledgement on threads of their own. Slack is made slow to answer the first post, as a real network
can be: if nothing kept the second post back, it would be answered first and section 2 would land
above section 1 in the channel.
"""

import threading

from bot.delivery import post_next
from store import plans
from tests.conftest import TEAM
from tests.support.slack_stub import delayed

SLOW_ANSWER = 0.5  # seconds Slack takes over the first post, unless a second post overtakes it sooner


def section_of(call) -> str:
    text = str(call.params.get("blocks"))
    return "section 1" if "Introduction" in text else "section 2" if "1. Code red" in text else "other"


def test_two_digest_next_in_one_channel_post_their_sections_in_claim_order(http_app, stub, services):
    overtaken = threading.Event()

    def answer_later_posts(call):  # any post after the first: answered at once, then the first may answer
        body = stub.default_response(call)
        overtaken.set()
        return 200, {}, body

    stub.respond("chat.postMessage", answer_later_posts)
    stub.respond("chat.postMessage", delayed(SLOW_ANSWER, release=overtaken, then=stub.default_response), times=1)

    first = http_app.command("/digest", "next", user_id="UOWNER")
    second = http_app.command("/digest", "next", user_id="UOWNER")
    assert (first.status, second.status) == (200, 200)

    stub.wait_for("chat.postMessage", count=2)
    services.wait_idle()
    posts = stub.calls("chat.postMessage")
    assert [section_of(p) for p in posts] == ["section 1", "section 2"]  # in the order they reached Slack
    timestamps = [float(p.response["ts"]) for p in posts]
    assert timestamps == sorted(timestamps)  # and in the order the channel shows them
    in_channel = [stub.messages[key] for key in sorted(stub.messages, key=lambda k: float(k[1]))]
    assert ["Introduction" in str(m.get("blocks")) for m in in_channel] == [True, False]

    assert plans.get(services.store, TEAM, "C0CHAN").next_index == 2
    replies = sorted(r.params["text"] for r in stub.wait_for_response(count=2))
    assert ["Posted part 1" in replies[0], "Posted part 2" in replies[1]] == [True, True]



def test_a_scheduled_post_right_after_a_digest_next_posts_the_following_section(http_app, stub, services):
    """The scheduler reads each due plan before its turn in the channel. If a `/digest next` posts in
    between, the scheduled slot still gets the section after that one, not a slot already used."""
    http_app.command("/digest", "next", user_id="UOWNER")  # sets the channel's plan up at item 0
    stub.wait_for("chat.postMessage")
    services.wait_idle()
    read_by_scheduler = plans.get(services.store, TEAM, "C0CHAN")
    moved = post_next(services, services.pacer, TEAM, "C0CHAN", slot="now:meanwhile")
    scheduled = post_next(services, services.pacer, TEAM, "C0CHAN", slot="2026-06-02",
                          expected_run=read_by_scheduler.run)
    assert (moved.status, moved.item_index) == ("posted", read_by_scheduler.next_index)
    assert (scheduled.status, scheduled.item_index) == ("posted", read_by_scheduler.next_index + 1)
    assert plans.get(services.store, TEAM, "C0CHAN").next_index == read_by_scheduler.next_index + 2
