"""The poll comment form's submission: stored before the acknowledgement, shown in the thread after it; the
same submission delivered again is only acknowledged (`bot.slack.deliveries.submission_of`)."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext

from bot.blocks.polls import COMMENT_MAX
from bot.context import Services
from bot.domain.i18n import t
from bot.domain.text import is_number
from bot.flows import polls as poll_flow
from bot.slack import ids
from bot.slack.deliveries import submission_of
from store import deliveries, polls


def register(app: App, services: Services) -> None:
    @app.view(ids.POLL_COMMENT_VIEW)
    def handle_comment(ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext) -> None:
        value = (view["state"]["values"].get(ids.POLL_COMMENT_BLOCK, {}).get(ids.POLL_COMMENT_INPUT) or {})
        text = (value.get("value") or "").strip()
        post_id = view.get("private_metadata", "")
        if not is_number(post_id):
            ack()
            return
        team_id, user_id = context.team_id or "", body["user"]["id"]
        post = polls.get_post(services.store, team_id, int(post_id))
        language = post.language if post is not None else "en"  # the form is in its poll's language
        if not text or len(text) > COMMENT_MAX:
            ack(response_action="errors", errors={
                ids.POLL_COMMENT_BLOCK: t(language, "poll_comment_length", most=COMMENT_MAX)})
            return
        if post is None or post.is_closed(services.clock.now().timestamp()):
            ack(response_action="errors", errors={ids.POLL_COMMENT_BLOCK: t(language, "poll_comment_closed")})
            return
        submission = submission_of(body, context)
        with services.store.write():  # the claim and the comment commit together, or neither does
            if submission is not None and not deliveries.claim(services.store, *submission):
                comment_id = None  # a copy of a submission already stored (and being shown)
            else:
                comment_id = poll_flow.record_comment(services, team_id=team_id, post=post, user_id=user_id,
                                                      text=text)
        ack()
        if comment_id is None:
            return
        services.after_ack(lambda: poll_flow.show_comment(services, team_id=team_id, post_id=post.id,
                                                          comment_id=comment_id, user_id=user_id, text=text))
