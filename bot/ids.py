"""Every action_id and callback_id the app uses, named once: builders and listeners import these."""

DIGEST_READ_FULL = "digest.read_full"
DIGEST_FULL_TEXT_VIEW = "digest.full_text"
HOME_POST_NEXT = "home.post_next"
