"""Polls at the edges: posting, voting, commenting and closing, with the Slack calls each needs.

Every function here is called after an acknowledgement (or from a timer). Votes go to SQLite first and
the poll message follows through `services.live`, coalesced to about one `chat.update` per second.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.webhook import WebhookClient

from bot.blocks.polls import comment_reply, format_close, poll_message, results_message, results_reply
from bot.blocks.replies import notice
from bot.context import Services
from bot.domain.i18n import pick, t
from bot.domain.polls import DiscussCommand, PollOptions, Tally, closing_time, tally
from bot.domain.text import escape
from bot.flows.channel import Reading, channel_reading
from bot.slack import message_slots
from bot.slack.exactly_once import post_once
from bot.slack.permissions import look_up, may_manage
from bot.slack.posting import CHART, ChannelPacer, PostNotConfirmed, error_code, failure_notice, with_block_fallback
from store import plans, polls, unconfirmed_posts

log = logging.getLogger(__name__)


def counts_for(services: Services, post: polls.PollPost) -> Tally:
    poll = services.pack(post.team_id, post.pack_id).poll(post.poll_id)
    return tally([o.id for o in poll.options], polls.vote_counts(services.store, post.id))


def render(services: Services, post: polls.PollPost, charts: bool = True) -> dict[str, Any]:
    pack = services.pack(post.team_id, post.pack_id)
    poll = pack.poll(post.poll_id)
    now = services.clock.now().timestamp()
    closes = None
    if post.closes_at is not None:
        closes = format_close(_local(services, post, post.closes_at), post.language)
    return poll_message(pack, poll, post.number, post.id, post.language, counts_for(services, post),
                        anonymous=post.anonymous, results_hidden=post.results_hidden, closes=closes,
                        closed=post.is_closed(now), charts=charts)


def _local(services: Services, post: polls.PollPost, epoch: float) -> dt.datetime:
    plan = plans.get(services.store, post.team_id, post.channel_id)
    zone = ZoneInfo(plan.timezone if plan else services.settings.default_tz)
    return dt.datetime.fromtimestamp(epoch, dt.UTC).astimezone(zone)


def post_poll(services: Services, pacer: ChannelPacer, *, team_id: str, channel_id: str, number: int,
              language: str, options: PollOptions, posted_by: str, timezone: str,
              pack_id: str | None = None) -> polls.PollPost:
    """Create the poll's row, post its message, record the ts; raises SlackApiError if Slack refuses it.

    The message names its row (message metadata), so a post whose answer is lost is found in the
    channel rather than posted twice (bot/slack/exactly_once.py). The row is discarded only when the post is
    known not to be in Slack; when nobody can tell (PostNotConfirmed) it stays, since clicks on a live
    message count toward it, and the next try at this poll in the channel takes that row up again: its
    message, if Slack has it, becomes the poll (with the options it was drawn with).
    """
    pack = services.pack(team_id, pack_id)
    poll = pack.polls[number - 1]
    now = services.clock.now()
    closes = closing_time(options, now, timezone)
    with services.in_turn("post poll", team_id, channel_id):  # a row taken up again is posted by one try
        post = _unconfirmed_post(services, team_id, channel_id, pack.pack.id, poll.id) or polls.create_post(
            services.store, team_id=team_id, channel_id=channel_id, pack_id=pack.pack.id, poll_id=poll.id,
            number=number, language=language, anonymous=options.anonymous, results_hidden=options.results_hidden,
            closes_at=closes.timestamp() if closes else None, posted_by=posted_by,
        )
        slot = message_slots.poll(team_id, post.id)
        try:
            ts = with_block_fallback(services.block_refusals, team_id,
                                     lambda message: post_once(services, pacer, team_id, channel_id, message, slot),
                                     lambda omit: render(services, post, CHART not in omit))
        except PostNotConfirmed:
            log.warning("poll %s kept: its message may be in %s; the next try looks for it", post.id, channel_id)
            raise
        except Exception:
            polls.discard_post(services.store, post.id)  # refused, or not in the channel's history
            raise
        polls.record_ts(services.store, post.id, str(ts))
    return dataclasses.replace(post, ts=str(ts))


def _unconfirmed_post(services: Services, team_id: str, channel_id: str, pack_id: str,
                      poll_id: str) -> polls.PollPost | None:
    """This poll's row in the channel whose earlier post nobody could confirm, if there is one."""
    for post in polls.unposted(services.store, team_id, channel_id, pack_id, poll_id):
        if unconfirmed_posts.attempted_at(services.store, team_id, channel_id,
                                          message_slots.poll(team_id, post.id).key) is not None:
            return post
    return None


def refresh(services: Services, post_id: int, team_id: str) -> None:
    """Ask for the poll message to be redrawn; coalesced per message by `services.live`."""

    def draw() -> None:
        post = polls.get_post(services.store, team_id, post_id)
        if post is None or post.ts is None:
            return
        client, ts = services.client_for(team_id), post.ts
        with_block_fallback(
            services.block_refusals, team_id,
            lambda message: client.chat_update(channel=post.channel_id, ts=ts, **message),
            lambda omit: render(services, post, CHART not in omit),
        )

    services.live.changed(("poll", post_id), draw, team_id)


def record_vote(services: Services, *, team_id: str, post_id: int, user_id: str, option_id: str,
                now: float) -> str:
    """Store one click on a poll made at `now`.

    Returns new | changed | same | closed | unknown.
    """
    def options_of(pack_id: str, poll_id: str) -> set[str]:
        return {o.id for o in services.pack(team_id, pack_id).poll(poll_id).options}

    return polls.cast_vote(services.store, team_id, post_id, user_id, option_id, now, options_of).status


def apply_vote(services: Services, team_id: str, post_id: int, user_id: str, option_id: str, channel_id: str,
               voted_at: float, response_url: str = "") -> Callable[[], None]:
    """A journaled click (bot/ingest/clicks.py), stored as of the moment it was made. Its follow-up: a first or
    moved vote redraws the tally (coalesced), and anything but a first vote gets a private note through
    the click's `response_url`. Clicks journaled before votes carried one have six fields and no URL."""
    status = record_vote(services, team_id=team_id, post_id=post_id, user_id=user_id, option_id=option_id,
                         now=voted_at)

    def follow_up() -> None:
        if status in ("new", "changed"):
            refresh(services, post_id, team_id)
        if status != "new":
            after_vote(services, services.client_for(team_id), status=status, team_id=team_id, post_id=post_id,
                       user_id=user_id, option_id=option_id, channel_id=channel_id, response_url=response_url)

    return follow_up


def after_vote(services: Services, client: WebClient, *, status: str, team_id: str, post_id: int, user_id: str,
               option_id: str, channel_id: str, response_url: str = "") -> None:
    """After the acknowledgement of a click that is not a first vote: a private note explaining it.

    It goes to the click's response_url, which costs nothing of the workspace's Web API allowance
    (chat.postEphemeral has a per-workspace limit, https://api.slack.com/apis/rate-limits, that a burst
    of moved votes would meet). Slack takes up to 5 posts to a response_url within 30 minutes, and
    `"replace_original": false` leaves the poll message as it is
    (https://api.slack.com/interactivity/handling#message_responses). Only a click without one (a click
    journaled before votes kept it) falls back to chat.postEphemeral.
    """
    post = polls.get_post(services.store, team_id, post_id)
    chosen = ""
    if post is not None:
        poll = services.pack(post.team_id, post.pack_id).poll(post.poll_id)
        chosen = next((pick(o.label, post.language) for o in poll.options if o.id == option_id), "")
    language = post.language if post is not None else "en"
    key = f"vote_{status}" if status in ("changed", "same", "closed") else "vote_unknown"
    text = t(language, key, option=escape(chosen))
    if response_url:
        note_through(response_url, text)
        return
    try:
        client.chat_postEphemeral(channel=channel_id, user=user_id, text=text)
    except SlackApiError as exc:
        log.info("vote notice not shown: %s", error_code(exc))


RESPONSE_URL_TIMEOUT = 10  # seconds: a note that slow is not worth holding an after-ack thread for


def note_through(response_url: str, text: str) -> None:
    """A private note to whoever clicked, through the click's response_url. The URL is never logged:
    whoever holds it can write to that person."""
    try:
        response = WebhookClient(response_url, timeout=RESPONSE_URL_TIMEOUT).send_dict(
            {"response_type": "ephemeral", "replace_original": False, "text": text})
    except (OSError, ValueError) as exc:  # URLError, timeouts, a malformed URL: the vote is counted either way
        log.info("vote notice not shown: %s", type(exc).__name__)
        return
    if response.status_code != 200:
        log.info("vote notice not shown: HTTP %s %s", response.status_code, response.body[:100])


def record_comment(services: Services, *, team_id: str, post: polls.PollPost, user_id: str, text: str) -> int:
    """Store the comment before the acknowledgement (nothing acknowledged is lost)."""
    return polls.add_comment(services.store, team_id, post.id, user_id, text, services.clock.now().timestamp())


def show_comment(services: Services, *, team_id: str, post_id: int, comment_id: int, user_id: str, text: str) -> None:
    """After the acknowledgement: the comment in the poll's thread, escaped, unsigned on anonymous polls."""
    post = polls.get_post(services.store, team_id, post_id)
    if post is None:  # the workspace's data went meanwhile (uninstalled)
        log.info("comment %s stored but its poll is gone", comment_id)
        return
    client = services.client_for(team_id)
    message = comment_reply(text, None if post.anonymous else user_id, post.language)
    try:
        response = client.chat_postMessage(channel=post.channel_id, thread_ts=post.ts, **message)
        polls.record_comment_reply(services.store, comment_id, str(response["ts"]))
    except SlackApiError as exc:
        log.warning("comment %s stored but not shown in the thread: %s", comment_id, error_code(exc))


def add_comment(services: Services, *, team_id: str, post_id: int, user_id: str, text: str) -> int | None:
    """Store and show a comment in one go (for callers outside a request, such as the tests' seeding)."""
    post = polls.get_post(services.store, team_id, post_id)
    if post is None:
        return None
    comment_id = record_comment(services, team_id=team_id, post=post, user_id=user_id, text=text)
    show_comment(services, team_id=team_id, post_id=post_id, comment_id=comment_id, user_id=user_id, text=text)
    return comment_id


def close(services: Services, pacer: ChannelPacer, post: polls.PollPost) -> bool:
    """Close once (a timer and a command may race), redraw the poll, post the final results."""
    if not polls.mark_closed(services.store, post.id, services.clock.now().timestamp()):
        return False
    # every vote acknowledged before the close counts: the reads below apply those still journaled
    # (Store.before_reading_responses), each checked against the moment it was made, so one journaled
    # during this close counts too
    closed = polls.get_post(services.store, post.team_id, post.id)
    if closed is None:  # the workspace's data went meanwhile (uninstalled): nothing left to show
        return True
    if closed.ts is not None:  # a poll whose post nobody could confirm has no message to redraw
        _redraw_closed(services, closed, closed.ts)
    post_results(services, pacer, closed)
    return True


def _redraw_closed(services: Services, post: polls.PollPost, ts: str) -> None:
    """The poll's message drawn closed; a refusal leaves it to the live updates' retries."""
    client = services.client_for(post.team_id)
    try:
        # under the message's live lock: a tally drawn from the open state can't land after this
        with services.live.exclusive(("poll", post.id)):
            with_block_fallback(services.block_refusals, post.team_id,
                                lambda m: client.chat_update(channel=post.channel_id, ts=ts, **m),
                                lambda omit: render(services, post, CHART not in omit))
    except Exception as exc:  # noqa: BLE001 - the poll is closed either way; the results still go out
        # the closed poll is drawn again by the live updates, with their backoff, until Slack takes it
        log.warning("poll %s closed but its message not redrawn yet: %s", post.id, type(exc).__name__)
        refresh(services, post.id, post.team_id)


def post_results(services: Services, pacer: ChannelPacer, post: polls.PollPost) -> None:
    """The final results message; `close_due` retries it until Slack has taken it (recorded by its ts)."""
    pack = services.pack(post.team_id, post.pack_id)
    poll = pack.poll(post.poll_id)
    counts = counts_for(services, post)
    comments = polls.comments(services.store, post.team_id, post.id, limit=3)
    try:
        ts = with_block_fallback(
            services.block_refusals, post.team_id,
            lambda m: post_once(services, pacer, post.team_id, post.channel_id, m,
                                message_slots.poll_results(post.team_id, post.id)),
            lambda omit: results_message(pack, poll, post.number, post.language, counts, comments,
                                           anonymous=post.anonymous, charts=CHART not in omit),
        )
    except Exception as exc:  # noqa: BLE001 - retried by the timer
        log.warning("poll %s results not posted yet: %s", post.id, type(exc).__name__)
        return
    polls.record_results_ts(services.store, post.id, str(ts))


def close_due(services: Services, pacer: ChannelPacer) -> int:
    """The timer: close every poll whose closing time has passed; post results Slack refused before."""
    closed = 0
    for post in polls.due_to_close(services.store, services.clock.now().timestamp()):
        closed += close(services, pacer, post)
    for post in polls.closed_without_results(services.store):
        post_results(services, pacer, post)
    return closed


# ------------------------------------------------------------------ what /discuss sets going

def discuss_results(services: Services, team_id: str, channel_id: str, cmd: DiscussCommand,
                    reading: Reading) -> dict[str, Any]:
    """The tallies, to the caller only; `reading` is what the channel reads (`/discuss` polls that article)."""
    pack, language = reading.pack, reading.language
    numbers = [cmd.number] if cmd.number else list(range(1, len(pack.polls) + 1))
    replies = []
    now = services.clock.now().timestamp()
    for number in numbers:
        post = polls.latest_post(services.store, team_id, channel_id, number)
        if post is None or post.poll_id not in {p.id for p in services.pack(post.team_id, post.pack_id).polls}:
            continue
        poll = services.pack(post.team_id, post.pack_id).poll(post.poll_id)
        counts = tally([o.id for o in poll.options], polls.vote_counts(services.store, post.id))
        replies.append(results_reply(pack, poll, number, post.language, counts,
                                     hidden=post.results_hidden and not post.is_closed(now)))
    if not replies:
        return notice(t(language, "discuss_none_posted"))
    blocks = [b for r in replies for b in r["blocks"]]
    return {"response_type": "ephemeral", "text": t(language, "discuss_results_text"), "blocks": blocks[:50]}


def discuss_command(services: Services, pacer: ChannelPacer, client: WebClient, cmd: DiscussCommand, team_id: str,
        channel_id: str, user_id: str, tell: Callable[[dict[str, Any]], object] | None = None) -> dict[str, Any]:
    """post / close / export, after the ack; returns the caller's ephemeral reply (`tell`: an earlier one, for
    work that takes a while)."""
    caller = look_up(client, user_id)
    reading = channel_reading(services, team_id, channel_id)
    plan, pack, language = reading.plan, reading.pack, reading.language
    if cmd.action == "close":
        post = polls.latest_post(services.store, team_id, channel_id, cmd.number or 0)
        if post is None:
            return notice(t(language, "discuss_not_posted", number=cmd.number))
        if not may_manage(caller, post.posted_by, services.settings.admin_user_ids):
            return notice(t(language, "discuss_close_not_yours", poster=post.posted_by, number=cmd.number))
        if not close(services, pacer, post):
            return notice(t(language, "discuss_already_closed", number=cmd.number))
        return notice(t(language, "discuss_closed", number=cmd.number))
    if cmd.action == "export":
        from bot.flows.export import send_export

        if not (caller.is_workspace_admin or user_id in services.settings.admin_user_ids):
            return notice(t(language, "discuss_export_admins"))
        return send_export(services, client, team_id, user_id, tell or (lambda _reply: None), language)
    timezone = caller.timezone or (plan.timezone if plan else services.settings.default_tz)
    numbers = [cmd.number] if cmd.number else list(range(1, len(pack.polls) + 1))
    posted = []
    for number in numbers:
        try:
            post_poll(services, pacer, team_id=team_id, channel_id=channel_id, number=number,
                                   language=language, options=cmd.options, posted_by=user_id, timezone=timezone,
                                   pack_id=pack.pack.id)
        except SlackApiError as exc:
            return notice(failure_notice(error_code(exc), t(language, "discuss_poll_n", number=number), language))
        except PostNotConfirmed:
            return notice(t(language, "discuss_post_unconfirmed", number=number))
        posted.append(str(number))
    return notice(t(language, "discuss_posted_many" if len(posted) > 1 else "discuss_posted_one",
                    numbers=", ".join(posted)))
