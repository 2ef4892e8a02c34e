"""Shared fixtures: personas (as in healthchecks' Alice, Bob and Charlie) and the browser.

Personas, all in the "north" area unless said otherwise:
- worker: the assigned link worker (team North PCN)
- colleague: another link worker in the same team
- stranger: a link worker in another area's team
- supervisor: North PCN's supervisor
- referrer: a GP at North Street Surgery, a practice served by North PCN
- partner: staff of the organisation that runs `service`
- other_partner: staff of a different organisation
- commissioner, admin
"""

from __future__ import annotations

import os
import shutil
import warnings

import pytest

os.environ.setdefault("SOCIALRX_TESTING", "1")

CHROMIUM = os.environ.get("SOCIALRX_CHROMIUM", "/usr/bin/chromium")
REQUIRE_BROWSER = os.environ.get("SOCIALRX_REQUIRE_BROWSER", "") in {"1", "true", "yes"}


@pytest.fixture
def north(db):
    from accounts.tests.factories import AreaFactory

    return AreaFactory(code="north", name="North")


@pytest.fixture
def team(north):
    """North PCN: the link worker team. It takes self-referrals from TN23 (Ashford)."""
    from accounts.tests.factories import TeamFactory

    return TeamFactory(
        area=north,
        name="North PCN",
        accepts_self_referrals=True,
        self_referral_postcodes="TN23",
    )


@pytest.fixture
def practice(team):
    """North Street Surgery, a GP practice served by North PCN (it does not triage)."""
    from accounts.models import Team
    from accounts.tests.factories import TeamFactory

    surgery = TeamFactory(area=team.area, name="North Street Surgery", kind=Team.Kind.PRACTICE)
    surgery.served_by.add(team)
    return surgery


@pytest.fixture
def other_team(db):
    from accounts.tests.factories import AreaFactory, TeamFactory

    return TeamFactory(area=AreaFactory(code="south", name="South"), name="South PCN")


def _user(username, role, team=None, organization=None):
    from accounts.tests.factories import UserFactory

    return UserFactory(username=username, role=role, team=team, organization=organization)


@pytest.fixture
def worker(team):
    return _user("worker", "link_worker", team)


@pytest.fixture
def colleague(team):
    return _user("colleague", "link_worker", team)


@pytest.fixture
def stranger(other_team):
    return _user("stranger", "link_worker", other_team)


@pytest.fixture
def supervisor(team):
    return _user("supervisor", "supervisor", team)


@pytest.fixture
def referrer(practice):
    return _user("referrer", "referrer", practice)


@pytest.fixture
def organization(db):
    from directory.tests.factories import OrganizationFactory

    return OrganizationFactory(name="Ashford Walking Friends")


@pytest.fixture
def service(organization):
    from directory.tests.factories import ServiceFactory

    return ServiceFactory(organization=organization, name="Tuesday health walk")


@pytest.fixture
def partner(organization):
    return _user("partner", "partner", None, organization)


@pytest.fixture
def other_partner(db):
    from directory.tests.factories import OrganizationFactory

    return _user("other_partner", "partner", None, OrganizationFactory(name="Food Bank"))


@pytest.fixture
def commissioner(db):
    return _user("commissioner", "commissioner")


@pytest.fixture
def admin_user(db):
    return _user("admin", "admin")


@pytest.fixture
def api_client(client):
    """A test client that sends a Bearer token: api_client(user).post(...)."""
    from accounts.tokens import create_api_token

    class _Api:
        def __init__(self, user):
            self.headers = {"Authorization": f"Bearer {create_api_token(user)}"}

        def get(self, path, **kw):
            return client.get(path, headers=self.headers, **kw)

        def post(self, path, data=None, **kw):
            return client.post(
                path, data=data, content_type="application/json", headers=self.headers, **kw
            )

        def patch(self, path, data=None, **kw):
            return client.patch(
                path, data=data, content_type="application/json", headers=self.headers, **kw
            )

    return _Api


# --- Browser (Playwright driving Debian's chromium) -------------------------------------


def _browser_missing_reason() -> str | None:
    if not (os.path.exists(CHROMIUM) or shutil.which(CHROMIUM)):
        return f"chromium not found at {CHROMIUM} (apt-get install -y chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is not installed"
    return None


_SKIPPED_BROWSER: list[str] = []


@pytest.fixture(scope="session")
def browser():
    reason = _browser_missing_reason()
    if reason:
        if REQUIRE_BROWSER:
            pytest.fail(f"Browser tests are required here but {reason}.", pytrace=False)
        _SKIPPED_BROWSER.append(reason)
        warnings.warn(f"BROWSER TESTS SKIPPED: {reason}", stacklevel=1)
        pytest.skip(f"BROWSER TESTS SKIPPED: {reason}")
    # Playwright runs an event loop in this thread; Django's ORM calls from the test body are
    # still synchronous and safe, so tell Django not to refuse them.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield b
        b.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url)
    context.set_default_timeout(10_000)
    pg = context.new_page()
    yield pg
    context.close()


@pytest.fixture
def phone_page(browser, live_server):
    context = browser.new_context(
        base_url=live_server.url,
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        has_touch=True,
    )
    context.set_default_timeout(10_000)
    pg = context.new_page()
    yield pg
    context.close()


def pytest_terminal_summary(terminalreporter):
    if _SKIPPED_BROWSER:
        terminalreporter.write_sep("!", "BROWSER TESTS WERE SKIPPED", red=True, bold=True)
        terminalreporter.write_line(
            f"  {_SKIPPED_BROWSER[0]}. Install chromium to run the end-to-end journeys."
        )
