"""App Home: published on app_home_opened, valid and within 100 blocks however much there is to show."""


from store import plans
from tests.conftest import TEAM
from tests.support.signing import app_home_opened_event, event_body
from tests.support.slack_rules import HOME, assert_slack_accepts_view


def open_home(http_app, stub, user_id, count=1):
    response = http_app.post(event_body(app_home_opened_event(user_id), team_id=TEAM))
    assert response.status == 200
    return stub.wait_for("views.publish", count=count)[-1].params["view"]


def test_home_with_no_data_invites_the_first_plan(http_app, stub):
    view = open_home(http_app, stub, "U0USER")
    assert_slack_accepts_view(view, HOME)
    assert "No channel is reading yet" in str(view["blocks"])
    assert stub.calls("views.publish")[0].params["user_id"] == "U0USER"


def test_home_shows_progress_in_the_viewers_timezone_and_admin_buttons(http_app, stub, services):
    plans.ensure(services.store, TEAM, "C1", pack_id="sample", language="en", days="", post_time="09:30",
                 timezone="America/New_York", created_by="U1")
    plans.set_schedule(services.store, TEAM, "C1", days="mon,tue,wed,thu,fri", post_time="09:30",
                       timezone="America/New_York", now=0)
    plans.claim_next(services.store, TEAM, "C1", slot="now:1", item_count=6)
    stub.users["UVIEW"] = {"tz": "Asia/Taipei"}
    stub.memberships["UVIEW"] = stub.memberships["UBOSS"] = ["C1"]
    view = open_home(http_app, stub, "UVIEW")
    assert_slack_accepts_view(view, HOME)
    text = str(view["blocks"])
    # Monday 12:00 UTC; the next 09:30 New York post is Monday 13:30 UTC = Monday 21:30 in Taipei
    assert "1 of 9" in text and "Mon 21:30 (your time)" in text
    assert "home.post_next" not in text  # not an admin

    stub.users["UBOSS"] = {"tz": "UTC", "is_admin": True}
    admin_view = open_home(http_app, stub, "UBOSS", count=2)
    assert "home.post_next" in str(admin_view["blocks"])


def test_home_stays_within_100_blocks_with_many_channels(http_app, stub, services):
    for n in range(300):
        plans.ensure(services.store, TEAM, f"C{n:04d}", pack_id="sample", language="en", days="mon",
                     post_time="09:30", timezone="UTC", created_by="U1")
    stub.memberships["U0USER"] = [f"C{n:04d}" for n in range(300)]  # read page by page
    view = open_home(http_app, stub, "U0USER")
    assert_slack_accepts_view(view, HOME)
    assert len(view["blocks"]) <= 100
    assert "and 285 more channels" in str(view["blocks"])


def test_admin_posts_the_next_digest_from_home(http_app, stub, services):
    plans.ensure(services.store, TEAM, "C1", pack_id="sample", language="en", days="", post_time="09:30",
                 timezone="UTC", created_by="U1")
    stub.users["UBOSS"] = {"is_admin": True}
    home = {"type": "home", "blocks": []}
    http_app.action("home.post_next", "C1|0", user_id="UBOSS", channel_id=None, view=home)
    post = stub.wait_for("chat.postMessage")[0]
    assert post.params["channel"] == "C1" and post.params["text"] == "Introduction"
    stub.wait_for("views.publish")  # the home view is refreshed
    http_app.action("home.post_next", "C1|0", user_id="UBOSS", channel_id=None, view=home)  # a double click
    stub.wait_for("views.publish", count=2)
    http_app.action("home.post_next", "C1|1", user_id="UNOBODY", channel_id=None, view=home)
    stub.wait_for("views.publish", count=3)
    assert len(stub.calls("chat.postMessage")) == 1  # the double click and a non-admin's click post nothing


def test_home_shows_open_polls_scores_and_starts_a_quiz(http_app, stub, services, clock):
    from store import polls, quizzes

    plans.ensure(services.store, TEAM, "C1", pack_id="sample", language="en", days="", post_time="09:30",
                 timezone="UTC", created_by="U1")
    post = polls.create_post(services.store, team_id=TEAM, channel_id="C1", pack_id="sample", poll_id="p2", number=2,
                             language="en", anonymous=False, results_hidden=False, closes_at=None, posted_by="U1")
    polls.record_ts(services.store, post.id, "1.1")
    polls.cast_vote(services.store, TEAM, post.id, "UA", "yes", clock.now().timestamp())
    quiz = quizzes.start(services.store, team_id=TEAM, channel_id="C1", host="U1", pack_id="sample", language="en",
                         question_ids=["q-code-red-weeks"], timer_s=30, now=clock.now().timestamp())
    quizzes.open_question(services.store, quiz, 0, clock.now().timestamp())
    for user, pick in (("UVIEW", 1), ("UBEST", 1), ("UWRONG", 0)):
        quizzes.answer(services.store, team_id=TEAM, quiz_id=quiz.id, position=0, user_id=user, answer_text=str(pick),
                       correct=pick == 1, score={"UVIEW": 110, "UBEST": 140}.get(user, 0),
                       now=clock.now().timestamp())
    quizzes.finish(services.store, quiz.id, "finished", clock.now().timestamp())
    stub.memberships["UVIEW"] = ["C1"]
    view = open_home(http_app, stub, "UVIEW")
    assert_slack_accepts_view(view, HOME)
    text = str(view["blocks"])
    assert "Poll 2: Is memory a moat?" in text and "1 (100%)" in text
    assert "You: *110* points, rank *#2*" in text
    assert text.index("<@UBEST>") < text.index("<@UVIEW>")
    http_app.action("home.start_quiz", "C1", user_id="UVIEW", channel_id=None, view={"type": "home", "blocks": []})
    question = stub.wait_for("chat.postMessage")[0]
    assert question.params["channel"] == "C1" and question.params["text"].startswith("Quiz question 1")


def test_home_never_shows_a_channel_the_viewer_is_not_in(http_app, stub, services, clock):
    from store import polls

    for channel in ("CPUBLIC", "CSECRET"):
        plans.ensure(services.store, TEAM, channel, pack_id="sample", language="en", days="", post_time="09:30",
                     timezone="UTC", created_by="U1")
        post = polls.create_post(services.store, team_id=TEAM, channel_id=channel, pack_id="sample", poll_id="p1",
                                 number=1, language="en", anonymous=False, results_hidden=False, closes_at=None,
                                 posted_by="U1")
        polls.record_ts(services.store, post.id, "1.1")
    stub.memberships["UOUTSIDER"] = ["CPUBLIC"]
    text = str(open_home(http_app, stub, "UOUTSIDER")["blocks"])
    assert "CPUBLIC" in text and "CSECRET" not in text
