"""Helpers for the end-to-end journeys (the fixtures `page` and `phone_page` are in conftest)."""

from accounts.tests.factories import DEMO_PASSWORD


def login(page, username: str, password: str = DEMO_PASSWORD, *, code: str | None = None) -> None:
    """Log in through the page; `code` answers the second step (two-factor sign-in: tests
    run with it waived unless they switch TWO_FACTOR_REQUIRED on)."""
    page.goto("/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()
    if code is not None:
        page.get_by_label("Code", exact=True).fill(code)
        page.get_by_role("button", name="Continue").click()
        page.wait_for_load_state()


def logout(page) -> None:
    page.get_by_role("button", name="Log out").click()
    page.wait_for_load_state()
