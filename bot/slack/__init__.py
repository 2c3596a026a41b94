"""Talking to Slack: the Web API client, posting and pacing, live updates and their budgets, ids, permissions.

Nothing here decides what to say (that is `bot.flows`) or how it looks (`bot.blocks`); this package says
how it reaches Slack: once, in order, within Slack's rate limits, and with the right token.
"""
