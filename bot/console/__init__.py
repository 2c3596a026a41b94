"""Try the bot without Slack: a terminal that talks to the real app over HTTP (see `bot.console.repl`)."""

from bot.console.repl import run_console

__all__ = ["run_console"]
