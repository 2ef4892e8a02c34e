import random

import pytest

from trials import actions


@pytest.fixture
def seeded(monkeypatch):
    """Allocations from a seeded source, so a test can repeat them (tests only: the
    service always draws from secrets.SystemRandom)."""

    def seed(n: int = 1) -> random.Random:
        rng = random.Random(n)
        monkeypatch.setattr(actions, "random_source", lambda: rng)
        return rng

    return seed
