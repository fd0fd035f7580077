"""The clinical domain, pure: events, commands and the rules that decide between them.

Nothing here imports Django. Commands are decided against the state folded from a
stream's past events (``decide``); events are applied without re-validation (``evolve``).
"""
