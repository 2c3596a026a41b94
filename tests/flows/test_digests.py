"""Two `/digest next` in one channel at once: the sections reach the channel in the order they were claimed.

Each `/digest next` claims the plan's next item in the database; the posts themselves go out after the
acknowledgement on threads of their own. Slack is made slow to answer the first post, as a real network
can be: if nothing kept the second post back, it would be answered first and section 2 would land
above section 1 in the channel.
"""

import datetime as dt

from bot.flows.digests import post_next
from bot.scheduler import run_plan_now
from store import plans
from tests.conftest import TEAM

SLOW_ANSWER = 0.5  # seconds Slack takes over the first post, unless a second post overtakes it sooner


def section_of(call) -> str:
    text = str(call.params.get("blocks"))
    return "section 1" if "Introduction" in text else "section 2" if "1. Code red" in text else "other"


def test_two_digest_next_in_one_channel_post_their_sections_in_claim_order(http_app, stub, services):
    stub.answer_first_late("chat.postMessage", SLOW_ANSWER)

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



def test_a_scheduled_post_after_a_digest_next_posts_the_following_section_once(stub, services, clock):
    """`/digest next` and the scheduler take the same turn in the channel and read the plan inside it: a
    scheduled slot after a `/digest next` gets the section after that one, and the job firing again for
    the same slot (the catch-up at start, a second process) posts nothing."""
    plans.ensure(services.store, TEAM, "C0CHAN", pack_id="sample", language="en", days="", post_time="09:00",
                 timezone="UTC", created_by="UOWNER")
    plans.set_schedule(services.store, TEAM, "C0CHAN", days="tue", post_time="09:00", timezone="UTC", now=0)
    moved = post_next(services, services.pacer, TEAM, "C0CHAN", slot="now:meanwhile")
    clock.set(dt.datetime(2026, 6, 2, 9, 0, tzinfo=dt.UTC))  # Tuesday 09:00
    scheduled = run_plan_now(services, services.pacer, TEAM, "C0CHAN")
    again = run_plan_now(services, services.pacer, TEAM, "C0CHAN")
    assert (moved.status, moved.item_index) == ("posted", 0)
    assert (scheduled.status, scheduled.item_index) == ("posted", 1)
    assert again is None
    assert [section_of(p) for p in stub.calls("chat.postMessage")] == ["section 1", "section 2"]
    assert plans.get(services.store, TEAM, "C0CHAN").next_index == 2
