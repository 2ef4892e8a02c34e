import pytest

from matching import state


@pytest.fixture(autouse=True)
def fresh_index():
    """Each test builds its own index from its own database rows."""
    state.reset()
    yield
    state.reset()
