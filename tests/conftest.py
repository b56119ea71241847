"""Shared test configuration."""

from hypothesis import settings

# Deterministic example generation: CI must not turn red on a draw nobody can reproduce.
# Run `pytest --hypothesis-profile=explore` locally to search with fresh random examples.
settings.register_profile("deterministic", derandomize=True, deadline=None, print_blob=True)
settings.register_profile("explore", max_examples=2000, deadline=None, print_blob=True)
settings.load_profile("deterministic")
