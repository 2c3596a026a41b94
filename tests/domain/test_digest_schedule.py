"""When digests are due: the trigger the scheduler runs, stepped through a year, and the due-slot rule."""

import datetime as dt
import random
from zoneinfo import ZoneInfo

import pytest

from bot.domain import digest
from bot.domain.digest import DAYS, due_slot, next_post_at, trigger_for

UTC = dt.UTC


@pytest.mark.parametrize("timezone", ["America/New_York", "Europe/London"])
@pytest.mark.parametrize("days", ["mon,tue,wed,thu,fri,sat,sun", "mon,wed,fri"])
def test_a_simulated_year_fires_once_per_scheduled_local_day_at_the_local_time(timezone, days):
    """Across both DST changes, every fire is at 09:30 local on a scheduled day, and no day is missed or doubled."""
    zone = ZoneInfo(timezone)
    trigger = trigger_for(days, "09:30", timezone)
    start = dt.datetime(2026, 1, 1, tzinfo=UTC)
    end = dt.datetime(2027, 1, 1, tzinfo=UTC)
    fired, previous, now = [], None, start
    while True:
        fire = trigger.get_next_fire_time(previous, now)
        if fire >= end:
            break
        fired.append(fire)
        previous, now = fire, fire + dt.timedelta(seconds=1)
    local = [f.astimezone(zone) for f in fired]
    assert all((t.hour, t.minute) == (9, 30) for t in local)
    local_dates = [t.date() for t in local]
    assert len(local_dates) == len(set(local_dates)), "a local day fired twice"
    wanted = {
        d for d in (dt.date(2026, 1, 1) + dt.timedelta(n) for n in range(365)) if DAYS[d.weekday()] in days.split(",")
    }
    # the first day may fall before 00:00 UTC local-wise; compare the full set of local dates in 2026
    assert set(local_dates) == wanted
    # and each fire is due for exactly its own local date
    for fire in fired:
        assert due_slot(days, "09:30", timezone, fire) == fire.astimezone(zone).date().isoformat()
        assert due_slot(days, "09:30", timezone, fire - dt.timedelta(minutes=1)) is None


def test_spring_forward_gap_still_posts_that_day():
    """01:30 does not exist in London on 2026-03-29; the post goes out once the clocks pass it."""
    zone = ZoneInfo("Europe/London")
    fire = next_post_at("sun", "01:30", "Europe/London", dt.datetime(2026, 3, 28, 12, tzinfo=UTC))
    assert fire.astimezone(zone).date() == dt.date(2026, 3, 29)
    assert due_slot("sun", "01:30", "Europe/London", fire) == "2026-03-29"


def test_a_run_missed_by_downtime_is_due_later_that_day_but_not_the_next_day():
    plan = ("mon,tue,wed,thu,fri", "09:30", "America/New_York")
    tuesday_afternoon = dt.datetime(2026, 6, 2, 19, 0, tzinfo=UTC)  # 15:00 EDT
    assert due_slot(*plan, tuesday_afternoon) == "2026-06-02"
    wednesday_early = dt.datetime(2026, 6, 3, 12, 0, tzinfo=UTC)  # 08:00 EDT: Tuesday's slot is gone
    assert due_slot(*plan, wednesday_early) is None
    saturday = dt.datetime(2026, 6, 6, 15, 0, tzinfo=UTC)
    assert due_slot(*plan, saturday) is None


def test_a_schedule_set_after_todays_time_starts_tomorrow():
    set_at = dt.datetime(2026, 6, 2, 18, 0, tzinfo=UTC)  # 14:00 EDT, after today's 09:30
    later_today = dt.datetime(2026, 6, 2, 20, 0, tzinfo=UTC)
    assert due_slot("mon,tue,wed,thu,fri", "09:30", "America/New_York", later_today, set_at) is None
    tomorrow = dt.datetime(2026, 6, 3, 13, 31, tzinfo=UTC)
    assert due_slot("mon,tue,wed,thu,fri", "09:30", "America/New_York", tomorrow, set_at) == "2026-06-03"


def test_no_schedule_means_never_due():
    assert due_slot("", "09:30", "UTC", dt.datetime(2026, 6, 2, 12, tzinfo=UTC)) is None
    assert next_post_at("", "09:30", "UTC", dt.datetime(2026, 6, 2, 12, tzinfo=UTC)) is None


# -- the next post, worked out once per schedule (bot.domain.digest._next_known) -------------------------
BERLIN = ZoneInfo("Europe/Berlin")


@pytest.fixture
def empty_cache(monkeypatch):
    """Each test starts with nothing remembered, so an answer left by another test cannot hide a stale one."""
    monkeypatch.setattr(digest, "_next_known", {})


def berlin(day, hour, minute=0, second=0, microsecond=0):
    return dt.datetime(2026, 6, day, hour, minute, second, microsecond, tzinfo=BERLIN)


def test_the_next_post_is_right_before_at_and_after_a_post_and_when_asked_about_earlier_again(empty_cache):
    plan = ("mon,wed", "09:00", "Europe/Berlin")  # 2026-06-01 is a Monday, 06-03 the Wednesday
    monday_post, wednesday_post = berlin(1, 9), berlin(3, 9)
    assert next_post_at(*plan, berlin(1, 8)) == monday_post
    assert next_post_at(*plan, berlin(1, 8, 59, 59, 999999)) == monday_post
    assert next_post_at(*plan, berlin(1, 9)) == wednesday_post  # strictly after: not the post going out now
    assert next_post_at(*plan, berlin(1, 10)) == wednesday_post
    assert next_post_at(*plan, berlin(1, 8, 30)) == monday_post  # earlier than the moment last asked about
    assert next_post_at(*plan, berlin(3, 8, 59)) == wednesday_post
    assert next_post_at(*plan, berlin(3, 9)) == berlin(8, 9)  # the Monday after
    assert next_post_at(*plan, berlin(1, 7)) == monday_post  # far back again


def test_schedules_differing_in_any_part_never_share_an_answer(empty_cache):
    moment = berlin(1, 8)
    assert next_post_at("mon,wed", "09:00", "Europe/Berlin", moment) == berlin(1, 9)
    assert next_post_at("mon,wed", "09:00", "UTC", moment) == dt.datetime(2026, 6, 1, 9, tzinfo=UTC)
    assert next_post_at("mon,wed", "07:00", "Europe/Berlin", moment) == berlin(3, 7)
    assert next_post_at("tue,wed", "09:00", "Europe/Berlin", moment) == berlin(2, 9)
    assert next_post_at("mon,wed", "09:00", "Europe/Berlin", moment) == berlin(1, 9)


def test_in_any_order_of_asking_the_answer_is_what_the_trigger_itself_says(empty_cache):
    """Moments across two weeks spanning Berlin's autumn clock change, asked in shuffled order (as a thousand
    channels, the Home tab and the scheduler would), each compared with the trigger asked afresh."""
    plan = ("mon,wed,sun", "02:30", "Europe/Berlin")  # 02:30 happens twice on Sunday 2026-10-25
    trigger = trigger_for(*plan)
    start = dt.datetime(2026, 10, 19, tzinfo=UTC)
    moments = [start + dt.timedelta(minutes=37 * n) for n in range(14 * 24 * 60 // 37)]
    posts = []
    while len(posts) < 6:
        posts.append(trigger.get_next_fire_time(None, (posts[-1] if posts else start) + dt.timedelta(microseconds=1)))
    moments += posts + [p - dt.timedelta(microseconds=1) for p in posts] + [p + dt.timedelta(microseconds=1)
                                                                           for p in posts]
    random.Random(20261025).shuffle(moments)
    for moment in moments:
        expected = trigger.get_next_fire_time(None, moment + dt.timedelta(microseconds=1))
        assert next_post_at(*plan, moment) == expected, f"asked about {moment.isoformat()}"
        assert next_post_at(*plan, moment.astimezone(BERLIN)) == expected  # the same moment, told in Berlin time
