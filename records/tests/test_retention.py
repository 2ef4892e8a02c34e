"""Retention: closed cases past their period are anonymised; the numbers stay the same."""

import datetime as dt
import io
import json

import pytest
from django.core.management import call_command
from django.db import models
from django.utils import timezone

from audit.models import Event
from casework.models import Case, Contact, Conversation, Goal
from casework.tests.factories import CaseFactory, ContactFactory
from insight import summaries
from insight.access import Scope
from insight.dashboards import Filters, dashboard
from insight.models import GapNeed
from people.models import Person
from places.models import Deprivation, Postcode
from records import retention
from records.relations import models_with_a_path_to_person
from referrals.models import Referral

LONG_AGO = timezone.now() - dt.timedelta(days=365 * 9)


def _discharge(case, when=LONG_AGO, reason="goals_met"):
    Case.objects.filter(pk=case.pk).update(
        status="discharged", discharged_at=when, discharge_reason=reason, discharge_notes="Happy."
    )
    earlier = when - dt.timedelta(days=60)
    Case.objects.filter(pk=case.pk).update(opened_at=earlier)
    Referral.objects.filter(pk=case.referral_id).update(received_at=earlier)
    case.refresh_from_db()
    return case


@pytest.fixture
def old_case(full_case):
    Postcode.objects.create(
        postcode="TN23 1AA", outward="TN23", latitude=51.1, longitude=0.87, lsoa21="E01024000"
    )
    Postcode.objects.create(
        postcode="TN23 1AB", outward="TN23", latitude=51.1, longitude=0.87, lsoa21="E01024000"
    )
    Person.objects.filter(pk=full_case.person_id).update(postcode="TN23 1AB")
    return _discharge(full_case)


def test_every_text_field_about_a_person_is_removed_or_kept_on_purpose():
    undecided = []
    for model in [*models_with_a_path_to_person(), Person]:
        label = model._meta.label
        decided = (
            set(retention.FREE_TEXT.get(label, ()))
            | set(retention.IDENTIFIERS.get(label, ()))
            | set(retention.KEPT_TEXT.get(label, {}))
            | (retention.PERSON_TEXT | set(retention.ANONYMOUS_NAME) | {"postcode"}
               if model is Person else set())
        )  # fmt: skip
        for f in model._meta.concrete_fields:
            free = isinstance(f, models.TextField) or (
                isinstance(f, models.CharField) and not f.choices and f.max_length > 32
            )
            if free and f.name not in decided:
                undecided.append(f"{label}.{f.name}")
    assert not undecided, f"Say in records/retention.py what happens to: {undecided}"


def test_a_case_past_its_period_loses_its_free_text_and_identifiers(old_case):
    report = retention.apply_retention()
    assert (report.cases, report.people) == (1, 1)
    person = Person.objects.get(pk=old_case.person_id)
    assert (person.given_name, person.family_name) == ("Anonymised", "person")
    assert person.nhs_number == person.address == person.phone == person.email == ""
    assert person.postcode == "TN23 1AA"  # the first of the same LSOA
    assert person.birth_date is not None  # an evaluation covariate
    referral = Referral.objects.get(pk=old_case.referral_id)
    assert referral.notes == retention.REMOVED
    assert referral.person_details_sent == {}
    assert Conversation.objects.get(case=old_case).what_matters == retention.REMOVED
    assert Goal.objects.get(case=old_case).text == retention.REMOVED
    assert Contact.objects.get(case=old_case).notes == retention.REMOVED
    assert Case.objects.get(pk=old_case.pk).discharge_notes == retention.REMOVED


def test_rows_and_dates_are_kept(old_case):
    before = {m._meta.label: m.objects.count() for m in models_with_a_path_to_person()}
    retention.apply_retention()
    after = {m._meta.label: m.objects.count() for m in models_with_a_path_to_person()}
    assert before == after
    assert Case.objects.get(pk=old_case.pk).discharged_at == old_case.discharged_at


def test_it_is_audited_with_field_names_only(old_case):
    retention.apply_retention()
    events = Event.objects.filter(actor_label="manage.py apply_retention")
    assert {e.record_type for e in events} == {"casework.Case", "people.Person"}
    case_event = events.get(record_type="casework.Case")
    assert "notes" in case_event.detail["retention"]["referrals.Referral"]
    assert "Widowed" not in json.dumps([e.detail for e in events])


def test_running_it_again_changes_and_audits_nothing(old_case):
    retention.apply_retention()
    events = Event.objects.count()
    report = retention.apply_retention()
    assert (report.cases, report.people) == (0, 0)
    assert Event.objects.count() == events


def test_a_dry_run_changes_nothing(old_case):
    out = io.StringIO()
    call_command("apply_retention", "--dry-run", stdout=out)
    assert "Would anonymise 1 case(s) and 1 person record(s)" in out.getvalue()
    assert Person.objects.get(pk=old_case.person_id).given_name == "Zoë"
    assert not Event.objects.filter(actor_label="manage.py apply_retention").exists()


def test_a_recent_or_open_case_is_kept(full_case, worker):
    recent = _discharge(CaseFactory(link_worker=worker), when=timezone.now())
    report = retention.apply_retention()
    assert (report.cases, report.people) == (0, 0)
    assert Referral.objects.get(pk=recent.referral_id).notes != retention.REMOVED
    assert Person.objects.get(pk=full_case.person_id).given_name == "Zoë"


def test_a_person_with_a_newer_case_keeps_their_identity(old_case, worker):
    newer = CaseFactory(link_worker=worker, referral__person=old_case.person)
    report = retention.apply_retention()
    assert (report.cases, report.people) == (1, 0)
    assert Person.objects.get(pk=old_case.person_id).given_name == "Zoë"
    assert Case.objects.get(pk=newer.pk).status == "open"


def test_the_period_is_set_per_discharge_reason(full_case, settings):
    _discharge(full_case, when=timezone.now() - dt.timedelta(days=365 * 3), reason="died")
    assert retention.apply_retention().cases == 0
    settings.RETENTION_YEARS_BY_DISCHARGE_REASON = {"died": 2}
    assert retention.apply_retention().cases == 1


def _numbers():
    tables = dashboard(Filters(scope=Scope()))
    out = io.StringIO()
    call_command("evaluate", "--json", stdout=out)
    return [(t.slug, t.rows) for t in tables], json.loads(out.getvalue())


def test_dashboards_and_the_evaluation_give_the_same_numbers_after(old_case, worker):
    for n in range(6):  # enough people that the evaluation's groups are not all suppressed
        case = _discharge(CaseFactory(link_worker=worker, referral__person__postcode="TN23 1AB"))
        ContactFactory(case=case, minutes=10 + n)
    Deprivation.objects.create(lsoa="E01024000", census=2021, imd_decile=3)
    summaries.rebuild_all()  # _discharge writes past the models
    before = _numbers()
    deprivation = dict(before[0])["reach-deprivation"]
    assert any(7 in row for row in deprivation), deprivation  # all seven in decile 3
    assert retention.apply_retention().people == 7
    assert _numbers() == before
    # insight's summaries follow the anonymised records (no full postcode left in them).
    assert summaries.differences() == []
    assert not GapNeed.objects.filter(postcode="TN23 1AB").exists()
