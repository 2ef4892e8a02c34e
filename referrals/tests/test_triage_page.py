"""The triage page holds three forms (accept, decline, redirect): every field on it has its
own id, and the label that names it points at it, so a screen reader reads the right one."""

from collections import Counter

import pytest
from django.urls import reverse

from referrals.tests.factories import ReferralFactory
from web.tests.html import Page


@pytest.fixture
def referral(team):
    return ReferralFactory(person__team=team)


def _assert_every_field_has_its_own_id_and_label(page: Page):
    ids = Counter(page.ids())
    assert [i for i, n in ids.items() if n > 1] == []
    for field in page.fields():
        assert field.attrs.get("id"), field.attrs
        named_by = page.label_for(field.attrs["id"]) or field.legend
        assert named_by, f"{field.attrs['name']} in {field.form_action} has no label"


def _reason_boxes(page: Page, referral) -> dict[str, str]:
    """The label read out for each form's reason box: {"decline": ..., "redirect": ...}."""
    found = {}
    for decision in ("decline", "redirect"):
        action = reverse("referrals:triage", args=[referral.pk, decision])
        (box,) = [
            f for f in page.fields() if f.form_action == action and f.attrs["name"] == "reason"
        ]
        found[decision] = page.label_for(box.attrs["id"])
    return found


def test_the_redirect_reason_has_its_own_label(client, worker, referral):
    client.force_login(worker)
    page = Page(client.get(reverse("referrals:detail", args=[referral.pk])).content.decode())
    assert _reason_boxes(page, referral) == {
        "decline": "Why is the referral declined?",
        "redirect": "Why? (optional)",
    }
    _assert_every_field_has_its_own_id_and_label(page)


@pytest.mark.parametrize(
    ("decision", "data"),
    [("decline", {"reason": ""}), ("redirect", {"to": "", "reason": "Out of area"})],
)
def test_after_a_refused_decision_ids_stay_distinct(client, worker, referral, decision, data):
    client.force_login(worker)
    resp = client.post(reverse("referrals:triage", args=[referral.pk, decision]), data)
    assert resp.status_code == 400
    page = Page(resp.content.decode())
    _assert_every_field_has_its_own_id_and_label(page)
    # The error summary links to the field in the form that was sent, not its namesake.
    (target,) = page.error_summary_links()
    assert page.one(id=target).form_action == reverse(
        "referrals:triage", args=[referral.pk, decision]
    )
