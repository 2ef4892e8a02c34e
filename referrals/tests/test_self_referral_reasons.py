"""A person referring themselves chooses from the reasons a person would give, in their own
words; a clinician's reason (frequent attendance) is neither offered nor accepted."""

import time

import pytest
from django.core import signing
from django.core.cache import cache
from django.urls import reverse

from referrals.forms import _FORM_SALT
from referrals.models import Referral
from referrals.reasons import PERSON_WORDING, Reason
from web.tests.html import Page


def self_referral(reasons) -> dict:
    return {
        "given_name": "Tom",
        "family_name": "Baker",
        "birth_date_0": "2",  # day, month, year
        "birth_date_1": "1",
        "birth_date_2": "1950",
        "postcode": "TN23 1AA",
        "phone": "07700 900456",
        "reasons": reasons,
        "consent": "on",
        "website": "",
        "form_token": signing.dumps({"t": time.time() - 10}, salt=_FORM_SALT),
    }


@pytest.fixture(autouse=True)
def _clear_rate_limits():
    cache.clear()


def _offered(page: Page) -> dict[str, str]:
    return {
        box.attrs["value"]: page.label_for(box.attrs["id"])
        for box in page.all("input", name="reasons")
    }


def test_every_reason_says_whether_a_person_can_choose_it_for_themselves():
    assert set(PERSON_WORDING) == set(Reason)


def test_the_public_form_offers_reasons_in_the_persons_own_words(client, team):
    offered = _offered(Page(client.get(reverse("referrals:self_refer")).content.decode()))
    assert "frequent_attendance" not in offered
    assert "Frequent attendance" not in offered.values()
    assert offered["loneliness"] == "Feeling lonely or cut off from other people"
    assert offered["bereavement"] == "Coping after someone close has died"
    assert list(offered) == [r.value for r in Reason if PERSON_WORDING[r]]


def test_the_public_form_refuses_a_clinicians_reason(client, team):
    resp = client.post(reverse("referrals:self_refer"), self_referral(["frequent_attendance"]))
    assert resp.status_code == 200
    assert not Referral.objects.exists()
    assert "Choose only from the things listed" in resp.content.decode()


def test_the_public_form_refuses_a_clinicians_reason_sent_with_a_persons_reason(client, team):
    data = self_referral(["loneliness", "frequent_attendance"])
    client.post(reverse("referrals:self_refer"), data)
    assert not Referral.objects.exists()


def test_a_person_chooses_in_their_words_and_the_team_sees_the_coded_reason(client, team, worker):
    resp = client.post(reverse("referrals:self_refer"), self_referral(["low_mood", "money"]))
    assert resp.status_code == 302
    referral = Referral.objects.get()
    assert referral.reasons == ["low_mood", "money"]
    client.force_login(worker)
    body = client.get(reverse("referrals:detail", args=[referral.pk])).content.decode()
    assert "Low mood or anxiety, Money or debt" in body


def test_a_clinician_can_still_refer_for_frequent_attendance(client, referrer):
    client.force_login(referrer)
    offered = _offered(Page(client.get(reverse("referrals:new")).content.decode()))
    assert offered["frequent_attendance"] == "Frequent attendance"
    assert offered["loneliness"] == "Loneliness or social isolation"
