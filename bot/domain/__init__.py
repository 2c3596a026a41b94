"""Pure rules and grammars: schedules, scoring, tallies, command grammars, text escaping, the bot's own words.

No Slack, no database, no drawing: every function here takes values and returns values, so it is tested
without either.
"""
