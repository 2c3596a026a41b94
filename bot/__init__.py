"""The Slack side of the reading circle: Bolt app, listeners, Block Kit builders, scheduler and CLI."""
