"""Replies every command shares: a short private notice, and the private help for input it could not read."""

from __future__ import annotations

from typing import Any

from bot.blocks import context, section
from bot.domain.i18n import t
from bot.domain.text import escape


def error_reply(message: str, usage: str, language: str = "en") -> dict[str, Any]:
    """What was wrong (already in `language`) and the right form of the command."""
    usage_lines = "\n".join(f"`{escape(u)}`" for u in usage.splitlines())
    return {
        "response_type": "ephemeral",
        "text": message,
        "blocks": [section(f":warning: {message}"), context(t(language, "reply_try")), section(usage_lines)],
    }


def notice(text: str) -> dict[str, Any]:
    """A short ephemeral reply (the caller only)."""
    return {"response_type": "ephemeral", "text": text, "blocks": [section(text)]}
