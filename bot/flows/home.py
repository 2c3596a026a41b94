"""The App Home, for one viewer: what it shows (their channels' plans and polls, in their timezone), published;
and Home's *Post next*."""

from __future__ import annotations

from collections import Counter
from zoneinfo import ZoneInfo

from slack_sdk import WebClient

from bot.blocks.digest import format_when
from bot.blocks.discussion import people_words, replies_words
from bot.blocks.home import ArticleCard, HomeData, PlanCard, PollCard, home_busy_view, home_view
from bot.blocks.polls import text_bars
from bot.context import Services
from bot.domain.digest import next_post_at, plan_items
from bot.domain.i18n import pick, t
from bot.domain.polls import tally
from bot.flows.digests import post_next
from bot.slack.permissions import look_up, may_manage
from store import plans, polls, quizzes, replies


def home_language(services: Services, team_id: str, visible: set[str]) -> str:
    """Home shows many channels: it speaks the language most of the viewer's channels read in, else the
    language a new plan would read in (the default pack's)."""
    counts = Counter(plan.language for plan in plans.all_plans(services.store, team_id)
                     if plan.channel_id in visible)
    return counts.most_common(1)[0][0] if counts else services.pack(team_id).pack.default_language


def plan_cards(services: Services, team_id: str, viewer_tz: str | None, visible: set[str],
               language: str = "en") -> list[PlanCard]:
    now = services.clock.now()
    cards = []
    talk = replies.counts_by_channel(services.store, team_id)
    for plan in plans.all_plans(services.store, team_id):
        if plan.channel_id not in visible:
            continue
        pack = services.pack(plan.team_id, plan.pack_id)
        total = len(plan_items(pack))
        done = min(plan.next_index, total)
        if done >= total:
            state = t(language, "home_state_finished")
        elif not plan.days:
            state = t(language, "home_state_unscheduled")
        elif plan.paused:
            state = t(language, "home_state_paused")
        elif (upcoming := next_post_at(plan.days, plan.post_time, plan.timezone, now)) is None:
            state = t(language, "home_state_unscheduled")
        else:
            zone = ZoneInfo(viewer_tz or plan.timezone)
            when = format_when(upcoming.astimezone(zone), now.astimezone(zone), language)
            state = (t(language, "home_state_next_yours", when=when) if viewer_tz
                     else t(language, "home_state_next_zone", when=when, zone=plan.timezone))
        replied, people = talk.get(plan.channel_id, (0, 0))
        discussion = (t(language, "home_discussion", replies=replies_words(language, replied),
                        people=people_words(language, people)) if replied else "")
        cards.append(PlanCard(plan.channel_id, pick(pack.pack.title, plan.language), done, total, state, discussion))
    return cards


def poll_cards(services: Services, team_id: str, visible: set[str], language: str = "en") -> list[PollCard]:
    cards = []
    now = services.clock.now().timestamp()
    for post in polls.open_posts(services.store, team_id, channels=visible):
        if post.is_closed(now) or post.channel_id not in visible:
            continue
        pack = services.pack(post.team_id, post.pack_id)
        poll = pack.poll(post.poll_id)
        counts = tally([o.id for o in poll.options], polls.vote_counts(services.store, post.id))
        shown = (t(language, "home_poll_hidden") if post.results_hidden
                 else text_bars(poll, post.language, counts))
        cards.append(PollCard(post.channel_id, post.number, pick(poll.question, post.language), shown,
                              counts.voters))
    return cards


def article_cards(services: Services, team_id: str, visible: set[str]) -> list[ArticleCard]:
    """The workspace's articles (built-in and its own), with how many of the viewer's channels read each."""
    reading: dict[str, int] = {}
    for plan in plans.all_plans(services.store, team_id):
        if plan.channel_id in visible:
            reading[plan.pack_id] = reading.get(plan.pack_id, 0) + 1
    return [ArticleCard(a.pack.pack.id, pick(a.pack.pack.title, a.pack.pack.default_language), a.builtin,
                        reading.get(a.pack.pack.id, 0)) for a in services.library.available(team_id)]


def gather(services: Services, team_id: str, user_id: str, viewer_tz: str | None, is_admin: bool,
           visible: set[str]) -> HomeData:
    """What one viewer may see: only channels they are in (`visible`), so private channels stay private."""
    language = home_language(services, team_id, visible)
    return HomeData(
        is_admin=is_admin,
        plans=plan_cards(services, team_id, viewer_tz, visible, language),
        articles=article_cards(services, team_id, visible),
        polls=poll_cards(services, team_id, visible, language),
        my_score=quizzes.user_rank(services.store, team_id, user_id),
        leaderboard=quizzes.workspace_leaderboard(services.store, team_id, channels=visible),
        language=language,
    )


def publish_home(services: Services, client: WebClient, team_id: str, user_id: str) -> None:
    """Draw and publish the viewer's Home; a busy notice when Slack could not say which channels are theirs."""
    visible = services.memberships.of(client, team_id, user_id)
    if visible is None:  # Slack could not say which channels are theirs, and no recent answer is kept
        client.views_publish(user_id=user_id, view=home_busy_view(services.pack(team_id).pack.default_language))
        return
    caller = look_up(client, user_id)
    is_admin = caller.is_workspace_admin or user_id in services.settings.admin_user_ids
    view = home_view(gather(services, team_id, user_id, caller.timezone, is_admin, set(visible)))
    client.views_publish(user_id=user_id, view=view)


def post_next_from_home(services: Services, client: WebClient, team_id: str, user_id: str, channel_id: str,
                        position: str) -> None:
    """Home's *Post next*, for a plan manager; then the viewer's Home again, showing the new position."""
    plan = plans.get(services.store, team_id, channel_id)
    caller = look_up(client, user_id)
    if plan and may_manage(caller, plan.created_by, services.settings.admin_user_ids):
        # the slot names the position the button showed: a second click for it finds the slot taken
        post_next(services, services.pacer, team_id, channel_id, slot=f"home:{plan.run}:{position}")
    publish_home(services, client, team_id, user_id)
