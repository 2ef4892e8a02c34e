"""Fixtures shared by the directory's tests."""

import pytest

from directory.hsds_import import tuned
from directory.tests import hsds_data


@pytest.fixture(scope="session", autouse=True)
def vendored_hsds_fixtures() -> None:
    """The HSDS fixtures are part of the repository (data/hsds/): one missing is a broken
    checkout, so every test here fails saying which, rather than skipping."""
    missing = hsds_data.missing()
    if missing:
        names = ", ".join(str(path.relative_to(hsds_data.HSDS)) for path in missing)
        pytest.fail(f"Vendored HSDS fixtures missing from {hsds_data.HSDS}: {names}", pytrace=False)


@pytest.fixture(params=["checked whole", "streamed"])
def writes(request):
    """Run a test both ways an import writes: the dataset checked whole, then written (as a
    small one is), and streamed to the database while it is read (as a large one is; here
    each record is sent as soon as the next of its table arrives, and a JSON array is
    parsed a service at a time)."""
    if request.param == "streamed":
        with tuned(flush_every=1, piece=1):
            yield request.param
    else:
        yield request.param
