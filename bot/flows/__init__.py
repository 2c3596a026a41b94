"""What a command, a click or a timer sets going: digests, polls, quizzes, Home, export, a workspace leaving.

A flow reads and writes the store (`store/`), draws with `bot.blocks` and sends through `bot.slack`.
Listeners and the scheduler call flows; flows never register listeners or timers.
"""
