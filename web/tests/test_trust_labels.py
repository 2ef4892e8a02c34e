"""What people read instead of codes: NHS numbers as sent in 3-3-4 groups, and account
events on the admin's home page in words."""

import pytest
from django.urls import reverse

from accounts.security import UNKNOWN_ACCOUNT
from audit.actions import record_event
from audit.models import Event
from referrals.tests.factories import ReferralFactory
from web.home import event_label
from web.templatetags.srx import nhs_number


@pytest.mark.parametrize(
    ("sent", "shown"),
    [
        ("9434765919", "943 476 5919"),
        ("943-476-5919", "943 476 5919"),
        ("943 476 5919", "943 476 5919"),
        ("12345", "12345"),  # not 10 digits: as it came
        ("", ""),
        (None, ""),
    ],
)
def test_an_nhs_number_reads_in_three_groups_when_it_has_ten_digits(sent, shown):
    assert nhs_number(sent) == shown


def test_the_referral_page_shows_the_nhs_number_as_sent_in_groups(client, referrer, team):
    """The referrer sees what they sent (not the record it was matched to)."""
    referral = ReferralFactory(
        referrer=referrer,
        team=team,
        person__team=team,
        person_details_sent={"given_name": "Ada", "nhs_number": "9434765919"},
    )
    client.force_login(referrer)
    body = client.get(reverse("referrals:detail", args=[referral.pk])).content.decode()
    row = body.split("NHS number (as sent)", 1)[1].split("</div>", 1)[0]
    assert "943 476 5919" in row and "9434765919" not in row


def _event(detail, *, by=None, record=None):
    return record_event(by, Event.Verb.CREATE, record or UNKNOWN_ACCOUNT, detail=detail)


@pytest.mark.parametrize(
    ("detail", "label"),
    [
        ({"event": "sign_in", "second_factor": "none"}, "Signed in"),
        ({"event": "sign_in", "second_factor": "totp"}, "Signed in with an authenticator code"),
        ({"event": "sign_in", "second_factor": "recovery_code"}, "Signed in with a recovery code"),
        ({"event": "sign_in_failed", "step": "password", "locked_out": False},
         "Sign-in failed (wrong password)"),
        ({"event": "sign_in_failed", "step": "code", "locked_out": False},
         "Sign-in failed (wrong two-factor code)"),
        ({"event": "sign_in_failed", "step": "password", "locked_out": True},
         "Sign-in refused: too many failed attempts"),
        ({"event": "sign_out"}, "Signed out"),
        ({"event": "two_factor_enrolled", "recovery_codes": 10}, "Two-factor sign-in set up"),
        ({"event": "two_factor_reset", "via": "admin"},
         "Two-factor sign-in reset by an administrator"),
        ({"event": "recovery_code_used", "left": 9}, "Two-factor recovery code used"),
        ({"via": "sign_out_everywhere"}, "Signed out everywhere"),
    ],
)  # fmt: skip
def test_account_events_read_as_words(db, detail, label):
    assert event_label(_event(detail)) == label


def test_the_admin_home_shows_sign_in_events_in_words(client, admin_user, worker):
    _event({"event": "sign_in", "second_factor": "none"}, by=worker, record=worker)
    _event({"event": "sign_in_failed", "step": "password", "locked_out": False})
    client.force_login(admin_user)
    latest = client.get("/").content.decode().split("Latest audit events", 1)[1]
    latest = latest.split("</ul>", 1)[0]
    assert "worker: Signed in" in latest and "public: Sign-in failed (wrong password)" in latest
    assert "sign_in" not in latest and "accounts.User" not in latest
