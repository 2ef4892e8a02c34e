"""Referral pages: the clinician's form, self-referral, triage and the referrer's home."""

import datetime as dt
import re
import time

import pytest
from django.core import signing
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from audit.models import Event
from casework.models import Case
from people.tests.factories import PersonFactory
from referrals.forms import _FORM_SALT
from referrals.models import Referral
from referrals.tests.factories import ReferralFactory

SELF = {
    "given_name": "Tom",
    "family_name": "Baker",
    # Typed in the NHS.UK date input's three boxes: day, month, year.
    "birth_date_0": "2",
    "birth_date_1": "1",
    "birth_date_2": "1950",
    "postcode": "TN23 1AA",
    "phone": "07700 900456",
    "reasons": ["loneliness"],
    "notes": "I don't get out much.",
    "consent": "on",
    "website": "",
}


def token(seconds_ago=10):
    return signing.dumps({"t": time.time() - seconds_ago}, salt=_FORM_SALT)


@pytest.fixture(autouse=True)
def _clear_rate_limits():
    cache.clear()


def test_self_referral_lands_in_the_team_queue(client, team):
    resp = client.post("/referrals/self/", {**SELF, "form_token": token()})
    assert resp.status_code == 302 and resp["Location"] == "/referrals/self/thanks/"
    referral = Referral.objects.get()
    assert referral.source == "self" and referral.team == team and referral.referrer is None


def test_a_filled_honeypot_is_refused(client, team):
    resp = client.post(
        "/referrals/self/", {**SELF, "website": "http://spam", "form_token": token()}
    )
    assert resp.status_code == 200
    assert not Referral.objects.exists()


def test_a_form_sent_too_fast_is_refused(client, team):
    client.post("/referrals/self/", {**SELF, "form_token": token(seconds_ago=0)})
    assert not Referral.objects.exists()


def test_a_forged_token_says_the_form_expired(client, team):
    resp = client.post("/referrals/self/", {**SELF, "form_token": "forged"})
    assert "This form has expired" in resp.content.decode()
    assert not Referral.objects.exists()


def test_self_referral_is_rate_limited_per_address(client, team, settings):
    settings.SELF_REFERRAL_RATE_PER_HOUR = 2
    for i in range(2):
        client.post("/referrals/self/", {**SELF, "phone": f"0770090000{i}", "form_token": token()})
    resp = client.post("/referrals/self/", {**SELF, "form_token": token()})
    assert resp.status_code == 429
    assert Referral.objects.count() == 2


def test_self_referral_asks_for_a_way_to_reach_them(client, team):
    resp = client.post("/referrals/self/", {**SELF, "phone": "", "form_token": token()})
    assert "Give a phone number or an email address" in resp.content.decode()


def test_self_referral_never_reveals_that_someone_is_known(client, team):
    ReferralFactory(person__team=team, person__nhs_number="9434765919")
    resp = client.post(
        "/referrals/self/", {**SELF, "nhs_number": "9434765919", "form_token": token()}
    )
    assert resp.status_code == 302
    flagged = Referral.objects.get(source="self").person
    assert flagged.possible_duplicate_of is not None  # a new record, flagged for staff


def test_clinician_form_shows_field_errors_and_writes_nothing(client, referrer):
    client.force_login(referrer)
    resp = client.post(
        "/referrals/new/", {"given_name": "", "nhs_number": "123", "postcode": "nowhere"}
    )
    body = resp.content.decode()
    assert resp.status_code == 200
    assert "There is a problem" in body
    assert "An NHS number has 10 digits." in body
    assert "Enter a real UK postcode" in body
    assert "Choose at least one reason" in body
    assert not Referral.objects.exists()


def test_triage_queue_pins_its_query_count(client, worker, team, django_assert_num_queries):
    for _ in range(5):
        ReferralFactory(person__team=team)
    client.force_login(worker)
    with django_assert_num_queries(5):
        resp = client.get("/referrals/queue/")
    assert resp.status_code == 200
    assert resp.content.decode().count("/referrals/") >= 5


def test_declining_from_the_page_without_a_reason_shows_the_error(client, worker, team):
    referral = ReferralFactory(person__team=team)
    client.force_login(worker)
    resp = client.post(f"/referrals/{referral.pk}/decline/", {"reason": ""})
    assert resp.status_code == 400
    assert "Say why the referral is declined." in resp.content.decode()
    assert Referral.objects.get(pk=referral.pk).status == "received"


# --- The clinician's form --------------------------------------------------------------

CLINICIAN = {
    "given_name": "Mary",
    "family_name": "Jones",
    "birth_date_0": "2",
    "birth_date_1": "3",
    "birth_date_2": "1948",
    "nhs_number": "943 476 5919",
    "postcode": "tn23 1aa",
    "phone": "07700 900123",
    "reasons": ["loneliness", "bereavement"],
    "notes": "Widowed in March.",
    "urgency": "routine",
}


def test_a_clinician_refers_to_their_own_team_and_sees_the_referral(client, referrer, team):
    client.force_login(referrer)
    resp = client.post(reverse("referrals:new"), CLINICIAN)
    referral = Referral.objects.get()
    assert resp.status_code == 302
    assert resp["Location"] == reverse("referrals:detail", args=[referral.pk])
    assert referral.team == team and referral.source == "clinician"
    assert referral.referrer == referrer and referral.reasons == ["loneliness", "bereavement"]


def test_a_duplicate_warns_with_a_link_then_is_flagged_when_confirmed(client, referrer):
    client.force_login(referrer)
    client.post(reverse("referrals:new"), CLINICIAN)
    first = Referral.objects.get()
    resp = client.post(reverse("referrals:new"), CLINICIAN)
    body = resp.content.decode()
    assert resp.status_code == 200
    assert "This person already has an open referral" in body
    assert reverse("referrals:detail", args=[first.pk]) in body
    assert 'name="confirm_duplicate"' in body
    assert Referral.objects.count() == 1
    client.post(reverse("referrals:new"), {**CLINICIAN, "confirm_duplicate": "on"})
    assert Referral.objects.exclude(pk=first.pk).get().possible_duplicate_of == first


def test_a_duplicate_the_referrer_cannot_see_is_flagged_for_triage_not_revealed(
    client, referrer, team
):
    existing = ReferralFactory(person__team=team, person__nhs_number="9434765919")
    existing.person.given_name, existing.person.family_name = "Mary", "Jones"
    existing.person.birth_date = dt.date(1948, 3, 2)
    existing.person.save()
    client.force_login(referrer)
    resp = client.post(reverse("referrals:new"), CLINICIAN)
    assert resp.status_code == 302
    assert "already has an open referral" not in client.get(resp["Location"]).content.decode()
    assert Referral.objects.exclude(pk=existing.pk).get().possible_duplicate_of == existing


def test_an_nhs_number_belonging_to_someone_they_referred_is_an_error_on_that_field(
    client, referrer, team
):
    known = PersonFactory(team=team, nhs_number="9434765919", birth_date=dt.date(1990, 1, 1))
    ReferralFactory(person=known, referrer=referrer, status="declined", decline_reason="x")
    client.force_login(referrer)
    resp = client.post(reverse("referrals:new"), CLINICIAN)
    assert "belongs to someone with a different name or date of birth" in resp.content.decode()
    assert "nhs_number" in resp.context["form"].errors
    assert Referral.objects.count() == 1


def test_a_clinician_outside_any_team_is_told_why_they_cannot_refer(client, db):
    from accounts.tests.factories import UserFactory

    loner = UserFactory(username="loner", role="referrer", team=None)
    client.force_login(loner)
    resp = client.get(reverse("referrals:new"))
    assert resp.status_code == 409
    assert "not in a practice or team yet" in resp.content.decode()


# --- Self-referral ---------------------------------------------------------------------


def test_a_self_referral_records_the_persons_own_consent(client, team):
    client.post(reverse("referrals:self_refer"), {**SELF, "form_token": token()})
    referral = Referral.objects.get()
    consent = referral.person.consents.get(kind="referral")
    assert consent.given and consent.recorded_by is None


def test_the_thank_you_page_is_the_same_whether_or_not_the_person_is_known(client, team):
    known = {**SELF, "nhs_number": "9434765919"}
    first = client.post(
        reverse("referrals:self_refer"), {**known, "form_token": token()}, follow=True
    )
    again = client.post(
        reverse("referrals:self_refer"), {**known, "form_token": token()}, follow=True
    )
    assert first.redirect_chain == again.redirect_chain

    def page(resp):  # the CSRF token is masked afresh on every response
        return re.sub(r'"X-CSRFToken": "[^"]+"', "", resp.content.decode())

    assert page(first) == page(again)
    assert Referral.objects.filter(possible_duplicate_of__isnull=False).count() == 1


def test_a_form_older_than_two_hours_has_expired(client, team):
    resp = client.post(
        reverse("referrals:self_refer"), {**SELF, "form_token": token(seconds_ago=2 * 3600 + 5)}
    )
    assert "This form has expired" in resp.content.decode()
    assert not Referral.objects.exists()


def test_the_form_hands_out_a_fresh_token_after_an_error(client, team):
    resp = client.post(reverse("referrals:self_refer"), {**SELF, "form_token": "forged"})
    fresh = resp.context["form"].data["form_token"]
    assert fresh != "forged"
    assert signing.loads(fresh, salt=_FORM_SALT)["t"] <= time.time()


def test_the_slow_down_page_says_when_to_come_back(client, team, settings):
    settings.SELF_REFERRAL_RATE_PER_HOUR = 1
    client.post(reverse("referrals:self_refer"), {**SELF, "form_token": token()})
    resp = client.post(reverse("referrals:self_refer"), {**SELF, "form_token": token()})
    assert resp.status_code == 429
    assert 0 < int(resp["Retry-After"]) <= 3601
    assert "Please try again later" in resp.content.decode()


def test_someone_correcting_mistakes_is_not_locked_out_but_a_flood_is(client, team, settings):
    settings.SELF_REFERRAL_RATE_PER_HOUR = 1
    for _ in range(3):  # three attempts with a mistake, then one that works
        client.post(
            reverse("referrals:self_refer"), {**SELF, "postcode": "x", "form_token": token()}
        )
    ok = client.post(reverse("referrals:self_refer"), {**SELF, "form_token": token()})
    assert ok.status_code == 302
    flood = client.post(
        reverse("referrals:self_refer"), {**SELF, "postcode": "x", "form_token": token()}
    )
    assert flood.status_code == 429


def test_behind_a_trusted_proxy_each_client_address_has_its_own_limit(client, team, settings):
    settings.SELF_REFERRAL_RATE_PER_HOUR = 1
    settings.TRUSTED_PROXY_HOPS = 1
    url = reverse("referrals:self_refer")
    for n, address in enumerate(["198.51.100.7", "203.0.113.9"]):
        resp = client.post(
            url,
            {**SELF, "phone": f"0770090011{n}", "form_token": token()},
            headers={"X-Forwarded-For": f"10.0.0.1, {address}"},
        )
        assert resp.status_code == 302
    assert Referral.objects.count() == 2


def test_with_no_team_taking_self_referrals_the_page_says_who_to_ask(client, db):
    resp = client.get(reverse("referrals:self_refer"))
    assert resp.status_code == 503
    assert "Ask your GP practice" in resp.content.decode()


# --- Triage ----------------------------------------------------------------------------


def test_the_queue_shows_urgent_referrals_first_and_flags_duplicates(client, worker, team):
    routine = ReferralFactory(person__team=team, person__family_name="Routinely")
    ReferralFactory(person__team=team, urgency="urgent", person__family_name="Urgently")
    ReferralFactory(person=routine.person, possible_duplicate_of=routine)
    client.force_login(worker)
    body = client.get(reverse("referrals:queue")).content.decode()
    assert body.index("Urgently") < body.index("Routinely")
    assert "Possible duplicate" in body


@pytest.mark.parametrize("size", [1, 10])
def test_the_queue_runs_the_same_queries_however_long_it_is(
    client, worker, team, size, django_assert_num_queries
):
    for _ in range(size):
        ReferralFactory(person__team=team)
    client.force_login(worker)
    # session, user, user's team, the queue (with people and duplicates), its audit event
    with django_assert_num_queries(5):
        assert client.get(reverse("referrals:queue")).status_code == 200


def test_the_referral_page_runs_a_fixed_number_of_queries(
    client, worker, team, django_assert_num_queries
):
    referral = ReferralFactory(person__team=team)
    client.force_login(worker)
    # session, user, user's team, referral, audit insert, case, link workers for the form
    with django_assert_num_queries(7):
        assert client.get(reverse("referrals:detail", args=[referral.pk])).status_code == 200


def test_viewing_a_referral_is_audited(client, worker, team):
    referral = ReferralFactory(person__team=team)
    client.force_login(worker)
    client.get(reverse("referrals:detail", args=[referral.pk]))
    event = Event.objects.get(verb="view")
    assert event.record_id == str(referral.pk) and event.person_id == referral.person_id


def test_triage_sees_details_that_differ_when_a_self_referral_matches_its_record(
    client, worker, team
):
    known = PersonFactory(
        team=team,
        nhs_number="9434765919",
        given_name="Tom",
        family_name="Baker",
        birth_date=dt.date(1950, 1, 2),
        phone="01233 000000",
    )
    client.post(
        reverse("referrals:self_refer"),
        {**SELF, "nhs_number": "9434765919", "form_token": token()},
    )
    referral = Referral.objects.get(person=known)
    client.force_login(worker)
    body = client.get(reverse("referrals:detail", args=[referral.pk])).content.decode()
    assert "Details differ from the record" in body
    assert "07700 900456" in body
    assert reverse("people:edit", args=[known.pk]) in body


def test_triage_is_warned_of_a_new_record_whose_nhs_number_is_already_held(client, worker, team):
    known = PersonFactory(team=team, nhs_number="9434765919", birth_date=dt.date(1950, 1, 1))
    client.post(
        reverse("referrals:self_refer"),
        {**SELF, "nhs_number": "9434765919", "form_token": token()},
    )
    referral = Referral.objects.get()
    assert referral.person != known
    client.force_login(worker)
    body = client.get(reverse("referrals:detail", args=[referral.pk])).content.decode()
    assert "NHS number already on another record" in body
    assert str(known.pk) not in body


def test_accepting_from_the_page_opens_the_case(client, worker, team):
    referral = ReferralFactory(person__team=team)
    client.force_login(worker)
    resp = client.post(
        reverse("referrals:triage", args=[referral.pk, "accept"]), {"link_worker": worker.pk}
    )
    case = Case.objects.get(referral=referral)
    assert resp.status_code == 302
    assert resp["Location"] == reverse("casework:case", args=[case.pk])


def test_assigning_someone_outside_the_team_is_a_form_error(client, worker, stranger, team):
    referral = ReferralFactory(person__team=team)
    client.force_login(worker)
    resp = client.post(
        reverse("referrals:triage", args=[referral.pk, "accept"]), {"link_worker": stranger.pk}
    )
    assert resp.status_code == 400
    assert "Select a valid choice" in resp.content.decode()
    assert not Case.objects.exists()


def test_redirecting_from_the_page_needs_a_destination(client, worker, team):
    referral = ReferralFactory(person__team=team)
    client.force_login(worker)
    url = reverse("referrals:triage", args=[referral.pk, "redirect"])
    resp = client.post(url, {"to": "", "reason": ""})
    assert "Say which service the referral is redirected to." in resp.content.decode()
    client.post(url, {"to": "Talking therapies", "reason": "Low mood"})
    assert Referral.objects.get(pk=referral.pk).redirected_to == "Talking therapies"


def test_a_decision_on_a_referral_someone_already_triaged_explains_itself(client, worker, team):
    referral = ReferralFactory(person__team=team, status="declined", decline_reason="Out of area")
    client.force_login(worker)
    resp = client.post(
        reverse("referrals:triage", args=[referral.pk, "redirect"]), {"to": "Somewhere"}
    )
    assert resp.status_code == 400
    assert "already declined" in resp.content.decode()
    assert Referral.objects.get(pk=referral.pk).status == "declined"


def test_an_unknown_triage_decision_is_404(client, worker, team):
    referral = ReferralFactory(person__team=team)
    client.force_login(worker)
    assert client.post(reverse("referrals:triage", args=[referral.pk, "ignore"])).status_code == 404


# --- The referrer's home page ----------------------------------------------------------


def test_the_referrers_home_lists_their_referrals_with_outcomes(client, referrer, team):
    ReferralFactory(
        person__team=team, referrer=referrer, status="declined", decline_reason="Out of area"
    )
    ReferralFactory(person__team=team, referrer=referrer, status="redirected", redirected_to="IAPT")
    ReferralFactory(person__team=team, person__family_name="Notmine")
    client.force_login(referrer)
    body = client.get(reverse("web:home")).content.decode()
    assert "Declined: Out of area" in body and "Redirected to IAPT" in body
    assert "Notmine" not in body


def test_a_discharged_referral_shows_why_the_case_closed(client, referrer, worker, team):
    from casework.tests.factories import CaseFactory

    CaseFactory(
        referral__person__team=team,
        referral__referrer=referrer,
        referral__status="closed",
        link_worker=worker,
        status="discharged",
        discharged_at=timezone.now(),
        discharge_reason="goals_met",
    )
    client.force_login(referrer)
    assert "Discharged: Goals met" in client.get(reverse("web:home")).content.decode()


@pytest.mark.parametrize("size", [1, 8])
def test_the_referrers_home_runs_the_same_queries_however_many_referrals(
    client, referrer, team, size, django_assert_num_queries
):
    for _ in range(size):
        ReferralFactory(person__team=team, referrer=referrer, status="accepted")
    client.force_login(referrer)
    # session, user, the referrals (with people, teams, workers and cases), the user's team
    # for the page header, the list's audit event
    with django_assert_num_queries(5):
        assert client.get(reverse("web:home")).status_code == 200


def test_a_sent_self_referral_cannot_be_replayed(client, team):
    data = {**SELF, "form_token": token()}
    assert client.post(reverse("referrals:self_refer"), data).status_code == 302
    resp = client.post(reverse("referrals:self_refer"), data)
    assert resp.status_code == 200
    assert "This form has already been sent" in resp.content.decode()
    assert Referral.objects.count() == 1


def test_a_self_referral_with_a_mistake_is_corrected_and_sent_with_the_same_form(client, team):
    data = {**SELF, "reasons": ["frequent_attendance"], "form_token": token()}
    first = client.post(reverse("referrals:self_refer"), data)
    assert first.status_code == 200 and not Referral.objects.exists()
    resp = client.post(reverse("referrals:self_refer"), {**data, "reasons": ["loneliness"]})
    assert resp.status_code == 302 and Referral.objects.count() == 1
