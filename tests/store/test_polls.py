"""The poll store on a real SQLite file: one vote per person under concurrency, moved votes, closing races."""

import sqlite3
import threading

import pytest

from store import open_store, polls

TEAM = "T1"
OPTIONS = ["yes", "layers", "no", "unsure"]


@pytest.fixture
def store(tmp_path):
    store = open_store(tmp_path / "bot.db")
    yield store
    store.close()


def new_post(store, **kw):
    args = dict(team_id=TEAM, channel_id="C1", pack_id="sample", poll_id="p1", number=1, language="en",
                anonymous=False, results_hidden=False, closes_at=None, posted_by="UHOST")
    post = polls.create_post(store, **{**args, **kw})
    polls.record_ts(store, post.id, "1700000000.000100")
    return polls.get_post(store, TEAM, post.id)


def in_threads(count, work):
    """Run `work(n)` on `count` threads released together; re-raise the first failure."""
    barrier, errors = threading.Barrier(count), []

    def run(n):
        barrier.wait()
        try:
            work(n)
        except BaseException as exc:  # noqa: BLE001 - surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    if errors:
        raise errors[0]


def test_a_burst_of_1000_votes_on_one_poll_loses_none(store):
    post = new_post(store)
    statuses: list[str] = []

    def voter(n):  # 25 threads x 40 distinct people
        for i in range(40):
            statuses.append(polls.cast_vote(store, TEAM, post.id, f"U{n:02d}{i:02d}", OPTIONS[i % 4], 100.0).status)

    in_threads(25, voter)
    assert statuses.count("new") == 1000
    assert polls.vote_counts(store, post.id) == {option: 250 for option in OPTIONS}
    voters = store.row("SELECT COUNT(DISTINCT user_id) AS people, COUNT(*) AS votes FROM votes "
                       "WHERE poll_post_id = ?", [post.id])
    assert voters == {"people": 1000, "votes": 1000}


def test_one_person_clicking_everything_at_once_counts_once(store):
    post = new_post(store)
    in_threads(20, lambda n: polls.cast_vote(store, TEAM, post.id, "UEAGER", OPTIONS[n % 4], 100.0 + n))
    counts = polls.vote_counts(store, post.id)
    assert sum(counts.values()) == 1
    final = store.value("SELECT option_id FROM votes WHERE poll_post_id = ?", [post.id])
    last_logged = store.value("SELECT option_id FROM vote_log WHERE poll_post_id = ? ORDER BY id DESC LIMIT 1",
                              [post.id])
    assert final == last_logged  # the vote that stands is the last click the database took


def test_moved_votes_are_counted_once_and_kept_in_the_log(store):
    post = new_post(store)
    people = [f"U{n:03d}" for n in range(200)]
    in_threads(10, lambda n: [polls.cast_vote(store, TEAM, post.id, u, "yes", 1.0) for u in people[n::10]])
    # everyone moves at once: half to "no", half to "unsure"
    in_threads(10, lambda n: [polls.cast_vote(store, TEAM, post.id, u, "no" if int(u[1:]) % 2 else "unsure", 2.0)
                              for u in people[n::10]])
    assert polls.vote_counts(store, post.id) == {"no": 100, "unsure": 100}
    moves = store.value("SELECT COUNT(*) FROM vote_log WHERE previous_option_id = 'yes'")
    assert moves == 200


def test_clicking_your_own_option_again_keeps_the_vote_and_logs_nothing(store):
    post = new_post(store)
    assert polls.cast_vote(store, TEAM, post.id, "U1", "yes", 1.0).status == "new"
    again = polls.cast_vote(store, TEAM, post.id, "U1", "yes", 2.0)
    assert (again.status, again.previous) == ("same", "yes")
    assert polls.vote_counts(store, post.id) == {"yes": 1}
    assert store.value("SELECT COUNT(*) FROM vote_log") == 1


def test_the_database_itself_refuses_a_second_row_for_one_person(store):
    post = new_post(store)
    polls.cast_vote(store, TEAM, post.id, "U1", "yes", 1.0)
    with pytest.raises(sqlite3.IntegrityError):
        store.write_one("INSERT INTO votes (poll_post_id, user_id, team_id, option_id, voted_at) "
                         "VALUES (?, 'U1', ?, 'no', 2.0)", [post.id, TEAM])


def test_a_closed_poll_refuses_votes_and_a_closing_time_counts_as_closed(store):
    closed = new_post(store)
    assert polls.mark_closed(store, closed.id, 5.0)
    assert polls.cast_vote(store, TEAM, closed.id, "U1", "yes", 6.0).status == "closed"
    timed = new_post(store, closes_at=10.0)
    assert polls.cast_vote(store, TEAM, timed.id, "U1", "yes", 9.9).status == "new"
    assert polls.cast_vote(store, TEAM, timed.id, "U1", "no", 10.0).status == "closed"
    assert polls.vote_counts(store, timed.id) == {"yes": 1}
    assert [p.id for p in polls.due_to_close(store, 10.0)] == [timed.id]


def test_a_timer_and_a_command_racing_close_a_poll_once(store):
    post = new_post(store)
    winners: list[bool] = []
    in_threads(8, lambda n: winners.append(polls.mark_closed(store, post.id, 5.0 + n)))
    assert winners.count(True) == 1


def test_votes_from_another_workspace_cannot_reach_a_poll(store):
    post = new_post(store)
    assert polls.cast_vote(store, "TOTHER", post.id, "U1", "yes", 1.0).status == "unknown"
    assert polls.vote_counts(store, post.id) == {}


def test_comments_are_stored_as_typed_in_order(store):
    post = new_post(store)
    first = polls.add_comment(store, TEAM, post.id, "U1", "<!channel> & <script>", 1.0)
    polls.add_comment(store, TEAM, post.id, "U2", "second", 2.0)
    polls.record_comment_reply(store, first, "1700000000.000200")
    rows = polls.comments(store, TEAM, post.id)
    assert [(r["user_id"], r["text"]) for r in rows] == [("U1", "<!channel> & <script>"), ("U2", "second")]
    assert rows[0]["reply_ts"] == "1700000000.000200"
    assert len(polls.comments(store, TEAM, post.id, limit=1)) == 1
    assert polls.comments(store, "TOTHER", post.id) == []


def test_an_option_the_poll_no_longer_has_is_refused_and_nothing_is_stored(store):
    post = new_post(store)
    asked_about: list[tuple[str, str]] = []

    def options_of(pack_id, poll_id):  # what the pack says the poll offers now
        asked_about.append((pack_id, poll_id))
        return {"yes", "no"}

    assert polls.cast_vote(store, TEAM, post.id, "U1", "layers", 1.0, options_of).status == "unknown"
    assert polls.cast_vote(store, TEAM, post.id, "U2", "no", 1.0, options_of).status == "new"
    assert asked_about == [("sample", "p1"), ("sample", "p1")]  # the poll this post was drawn from
    assert polls.vote_counts(store, post.id) == {"no": 1}
    assert store.value("SELECT COUNT(*) FROM vote_log") == 1


def test_a_vote_on_a_poll_gone_from_its_pack_is_refused_and_an_earlier_vote_stands(store):
    post = new_post(store)
    assert polls.cast_vote(store, TEAM, post.id, "U1", "yes", 1.0, lambda pack, poll: set(OPTIONS)).status == "new"

    def gone(pack_id, poll_id):
        raise KeyError(poll_id)

    assert polls.cast_vote(store, TEAM, post.id, "U1", "no", 2.0, gone).status == "unknown"
    assert polls.cast_vote(store, TEAM, post.id, "U2", "yes", 2.0, gone).status == "unknown"
    assert polls.vote_counts(store, post.id) == {"yes": 1}


def test_a_vote_on_a_poll_still_being_posted_counts_and_a_discarded_posts_id_is_never_mistaken(store):
    args = dict(team_id=TEAM, channel_id="C1", pack_id="sample", number=1, language="en", anonymous=False,
                results_hidden=False, closes_at=None, posted_by="UHOST")
    posting = polls.create_post(store, poll_id="p1", **args)  # chat.postMessage has not answered yet
    assert polls.cast_vote(store, TEAM, posting.id, "UQUICK", "yes", 1.0).status == "new"
    assert polls.poll_of(store, TEAM, posting.id) == ("sample", "p1")

    failed = polls.create_post(store, poll_id="p1", **args)
    polls.poll_of(store, TEAM, failed.id)  # read while unposted
    polls.discard_post(store, failed.id)  # its post failed
    reused = polls.create_post(store, poll_id="p2", **args)  # SQLite hands the same id out again
    assert reused.id == failed.id
    assert polls.poll_of(store, TEAM, reused.id) == ("sample", "p2")
