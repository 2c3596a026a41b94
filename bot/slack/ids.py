"""Every action_id and callback_id the app uses, named once: builders and listeners import these.

Slack refuses a message whose block holds one action_id twice ("should be unique among all other
action_ids in the containing block", docs.slack.dev/reference/block-kit/block-elements/button-element),
so the option buttons of a poll or a quiz question carry an index: `poll.vote.0`, `poll.vote.1`, ...
One listener takes them all (`indexed_pattern`); the button's value says what was chosen.
"""

import re

DIGEST_READ_FULL = "digest.read_full"
DIGEST_FULL_TEXT_VIEW = "digest.full_text"
HOME_POST_NEXT = "home.post_next"
HOME_START_QUIZ = "home.start_quiz"
POLL_VOTE = "poll.vote"
POLL_COMMENT = "poll.comment"
POLL_COMMENT_VIEW = "poll.comment_view"
POLL_COMMENT_BLOCK = "comment"
POLL_COMMENT_INPUT = "comment_text"
QUIZ_CHOICE = "quiz.choice"
QUIZ_NUMERIC_OPEN = "quiz.numeric_open"
QUIZ_NUMERIC_VIEW = "quiz.numeric_view"
QUIZ_NUMERIC_BLOCK = "estimate"
QUIZ_NUMERIC_INPUT = "estimate_value"
QUIZ_QUICK_CHECK = "quiz.quick_check"


def indexed(action_id: str, index: int) -> str:
    """The action_id of option `index` among buttons that share one role in one block."""
    return f"{action_id}.{index}"


def indexed_pattern(*action_ids: str) -> re.Pattern[str]:
    """Matches `indexed(a, i)` for any of `action_ids` and any index."""
    names = "|".join(re.escape(a) for a in action_ids)
    return re.compile(rf"^(?:{names})\.\d{{1,3}}$")


def is_indexed(action_id: str, base: str) -> bool:
    return action_id.startswith(base + ".") and action_id[len(base) + 1:].isdigit()
