"""/discuss and the poll buttons and comment modal. Thin: parse, ack, hand over to bot.flows.polls."""

from __future__ import annotations

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.slack import ids
from bot.flows import polls as poll_flow
from bot.blocks.digest import error_reply, notice
from bot.blocks.polls import COMMENT_MAX, comment_modal, results_reply
from bot.domain.digest import CommandError
from bot.slack.deliveries import delivery_of
from bot.slack.permissions import look_up, may_manage
from bot.domain.polls import DiscussCommand, parse_discuss, tally
from bot.slack.posting import ChannelPacer, PostNotConfirmed, error_code, failure_notice
from bot.context import Services
from bot.domain.text import is_number
from store import plans, polls

HELP = """*Team polls on the article's closing questions.*
• `/discuss` posts all three polls; `/discuss 2` posts one. Add `anonymous`, `hidden` (results shown only at
  close) and `closes 18:00` or `closes in 2h`, e.g. `/discuss 1 anonymous closes in 1d`.
• `/discuss results [N]` shows the tally to you; `/discuss close N` closes a poll (its poster or an admin);
  `/discuss export` (admins) sends you every vote, comment and quiz answer as a CSV file.
• One vote per person: clicking another option moves your vote; clicking your own option again keeps it.
• *Add a comment* opens a form; comments appear in the poll's thread (unsigned on anonymous polls).
• Anonymous polls never show or export names; the bot keeps your Slack id only to count one vote each."""


def take_vote(services: Services, ack: Ack, body: dict, action: dict, context: BoltContext) -> None:
    """A vote button (`bot.listeners.clicks`): journaled, then acknowledged; counted, redrawn and explained
    once the burst is over (`poll_flow.apply_vote`)."""
    post_id, _, option_id = action.get("value", "").partition("|")
    if not is_number(post_id):
        return ack()
    services.clicks.record("vote", context.team_id or "", int(post_id), body["user"]["id"], option_id,
                           (body.get("channel") or {}).get("id", ""), services.clock.now().timestamp(),
                           body.get("response_url") or "")
    ack()


def register(app: App, services: Services, pacer: ChannelPacer | None = None) -> None:
    pacer = pacer or services.pacer
    services.timers.append(lambda: poll_flow.close_due(services, pacer))

    @app.command("/discuss")
    def handle_discuss(ack: Ack, body: dict, command: dict, client: WebClient, respond: Respond,
                       context: BoltContext):
        team_id, channel_id, user_id = context.team_id or "", command.get("channel_id", ""), command["user_id"]
        pack = poll_flow.channel_pack(services, team_id, channel_id)
        parsed = parse_discuss(command.get("text", ""), len(pack.polls))
        if isinstance(parsed, CommandError):
            return ack(error_reply(parsed.message, parsed.usage))
        if parsed.action == "help":
            return ack({"response_type": "ephemeral", "text": "How to use /discuss",
                        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": HELP}}]})
        if parsed.action == "results":
            return ack(results(services, team_id, channel_id, parsed))
        ack()
        services.after_ack(lambda: respond(act(services, pacer, client, parsed, team_id, channel_id, user_id)),
                           delivery=delivery_of(body, context))

    @app.action(ids.POLL_COMMENT)
    def handle_comment_button(ack: Ack, body: dict, action: dict, client: WebClient, context: BoltContext):
        ack()
        value = action.get("value", "")
        post = polls.get_post(services.store, context.team_id or "", int(value)) if is_number(value) else None
        if post is None or post.poll_id not in {p.id for p in services.pack(post.pack_id).polls}:
            return
        view = comment_modal(services.pack(post.pack_id).poll(post.poll_id), post.id, post.language)
        services.open_view(client, body["trigger_id"], view)

    @app.view(ids.POLL_COMMENT_VIEW)
    def handle_comment(ack: Ack, body: dict, view: dict, context: BoltContext):
        value = (view["state"]["values"].get(ids.POLL_COMMENT_BLOCK, {}).get(ids.POLL_COMMENT_INPUT) or {})
        text = (value.get("value") or "").strip()
        if not text or len(text) > COMMENT_MAX:
            return ack(response_action="errors", errors={
                ids.POLL_COMMENT_BLOCK: f"Write between 1 and {COMMENT_MAX} characters."})
        post_id = view.get("private_metadata", "")
        if not is_number(post_id):
            return ack()
        team_id, user_id = context.team_id or "", body["user"]["id"]
        post = polls.get_post(services.store, team_id, int(post_id))
        if post is None or post.is_closed(services.clock.now().timestamp()):
            return ack(response_action="errors", errors={ids.POLL_COMMENT_BLOCK: "This poll has closed."})
        comment_id = poll_flow.record_comment(services, team_id=team_id, post=post, user_id=user_id, text=text)
        ack()
        services.after_ack(lambda: poll_flow.show_comment(services, team_id=team_id, post_id=post.id,
                                                             comment_id=comment_id, user_id=user_id, text=text))


def results(services: Services, team_id: str, channel_id: str, cmd: DiscussCommand) -> dict:
    services.settle()  # votes acknowledged a moment ago count
    pack = poll_flow.channel_pack(services, team_id, channel_id)
    numbers = [cmd.number] if cmd.number else list(range(1, len(pack.polls) + 1))
    replies = []
    now = services.clock.now().timestamp()
    for number in numbers:
        post = polls.latest_post(services.store, team_id, channel_id, number)
        if post is None or post.poll_id not in {p.id for p in services.pack(post.pack_id).polls}:
            continue
        poll = services.pack(post.pack_id).poll(post.poll_id)
        counts = tally([o.id for o in poll.options], polls.vote_counts(services.store, post.id))
        replies.append(results_reply(pack, poll, number, post.language, counts,
                                     hidden=post.results_hidden and not post.is_closed(now)))
    if not replies:
        return notice("No poll has been posted in this channel yet. `/discuss` posts them.")
    blocks = [b for r in replies for b in r["blocks"]]
    return {"response_type": "ephemeral", "text": "Poll results", "blocks": blocks[:50]}


def act(services: Services, pacer: ChannelPacer, client: WebClient, cmd: DiscussCommand, team_id: str,
        channel_id: str, user_id: str) -> dict:
    """post / close / export, after the ack; returns the caller's ephemeral reply."""
    caller = look_up(client, user_id)
    if cmd.action == "close":
        post = polls.latest_post(services.store, team_id, channel_id, cmd.number or 0)
        if post is None:
            return notice(f"Poll {cmd.number} hasn't been posted in this channel.")
        if not may_manage(caller, post.posted_by, services.settings.admin_user_ids):
            return notice(f"Sorry, only <@{post.posted_by}>, who posted it, or an admin can close poll {cmd.number}.")
        if not poll_flow.close(services, pacer, post):
            return notice(f"Poll {cmd.number} was already closed.")
        return notice(f"Poll {cmd.number} is closed; the results are in the channel.")
    if cmd.action == "export":
        from bot.flows.export import send_export

        if not (caller.is_workspace_admin or user_id in services.settings.admin_user_ids):
            return notice("Sorry, exporting the team's answers is for workspace admins.")
        return send_export(services, client, team_id, user_id)
    plan = plans.get(services.store, team_id, channel_id)
    pack = poll_flow.channel_pack(services, team_id, channel_id)
    language = plan.language if plan else pack.pack.default_language
    timezone = caller.timezone or (plan.timezone if plan else services.settings.default_tz)
    numbers = [cmd.number] if cmd.number else list(range(1, len(pack.polls) + 1))
    posted = []
    for number in numbers:
        try:
            poll_flow.post_poll(services, pacer, team_id=team_id, channel_id=channel_id, number=number,
                                   language=language, options=cmd.options, posted_by=user_id, timezone=timezone,
                                   pack_id=pack.pack.id)
        except SlackApiError as exc:
            return notice(failure_notice(error_code(exc), f"poll {number}"))
        except PostNotConfirmed:
            return notice(f"Slack's answer to poll {number} was lost and I couldn't check the channel. "
                          f"`/discuss {number}` again looks for it before posting it a second time.")
        posted.append(str(number))
    return notice(f"Posted poll{'s' if len(posted) > 1 else ''} {', '.join(posted)}.")
