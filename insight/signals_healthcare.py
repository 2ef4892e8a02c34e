"""Keep insight.healthcare_facts in step with the records, in the same transaction as the
change (so facts never outlive a rollback):

- a healthcare event saved or deleted rewrites its person's referrals (both people's when
  an event is moved from one person to another);
- a referral saved rewrites its own (its team, area, day or person may have changed; a new
  referral has no case yet, so nothing to write);
- a case created, saved with a new referral, or deleted rewrites its referral's;
- a person saved rewrites all of theirs: a merge moves referrals and healthcare use onto
  the kept person by QuerySet.update (no signals), then saves the kept person.

Writes that bypass model signals (bulk_create, QuerySet.update, raw SQL) call
insight.healthcare_facts.refresh / refresh_people themselves, or rebuild().
"""

from __future__ import annotations

from django.db.models.signals import post_delete, post_save, pre_save

from casework.models import Case
from insight import healthcare_facts
from outcomes.models import HealthcareUse
from outcomes.signals import healthcare_use_written
from people.models import Person
from referrals.models import Referral

# The referral's fields a fact is made of (update_fields naming none of these skip it).
REFERRAL_FIELDS = {"area", "area_id", "team", "team_id", "received_at", "person", "person_id"}
_OLD_PERSON = "_healthcare_facts_old_person"


def _use_before_save(sender, instance: HealthcareUse, raw=False, **kwargs) -> None:
    """Remember whose an existing event was, in case the save moves it to someone else."""
    if raw or instance._state.adding:
        return
    old = HealthcareUse.objects.filter(pk=instance.pk).values_list("person_id", flat=True)
    setattr(instance, _OLD_PERSON, old.first())


def _use(sender, instance: HealthcareUse, raw=False, **kwargs) -> None:
    if raw:
        return
    people = {instance.person_id, getattr(instance, _OLD_PERSON, None)} - {None}
    healthcare_facts.refresh_people(people)


def _referral(sender, instance: Referral, raw=False, created=False, update_fields=None, **kw):
    if raw or created:  # a new referral has no case yet
        return
    if update_fields is not None and not REFERRAL_FIELDS & set(update_fields):
        return
    healthcare_facts.refresh([instance.pk])


def _case(sender, instance: Case, raw=False, created=False, update_fields=None, **kwargs):
    if raw:
        return
    if (
        not created
        and update_fields is not None
        and not {"referral", "referral_id"} & set(update_fields)
    ):
        return
    healthcare_facts.refresh([instance.referral_id])


def _case_deleted(sender, instance: Case, **kwargs) -> None:
    healthcare_facts.refresh([instance.referral_id])


def _person(sender, instance: Person, raw=False, **kwargs) -> None:
    if raw:
        return
    healthcare_facts.refresh_people([instance.pk])


def _written(sender, people, **kwargs) -> None:
    """A bulk write of healthcare use (outcomes' CSV import) named the people it wrote for."""
    if people:
        healthcare_facts.refresh_people(people)


def connect() -> None:
    """Connect the receivers (called from InsightConfig.ready)."""
    uid = "insight_healthcare_facts"
    pre_save.connect(_use_before_save, sender=HealthcareUse, dispatch_uid=f"{uid}_use_pre")
    post_save.connect(_use, sender=HealthcareUse, dispatch_uid=f"{uid}_use")
    post_delete.connect(_use, sender=HealthcareUse, dispatch_uid=f"{uid}_use_del")
    post_save.connect(_referral, sender=Referral, dispatch_uid=f"{uid}_referral")
    post_save.connect(_case, sender=Case, dispatch_uid=f"{uid}_case")
    post_delete.connect(_case_deleted, sender=Case, dispatch_uid=f"{uid}_case_del")
    post_save.connect(_person, sender=Person, dispatch_uid=f"{uid}_person")
    healthcare_use_written.connect(_written, dispatch_uid=f"{uid}_written")
