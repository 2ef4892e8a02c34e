"""Receivers that keep insight's dashboard summaries (insight.dashboard_counts) in step
with the records, in the same transaction as the change:

- a referral saved or deleted moves its source and reason counters by the difference
  between the row as stored (read under its lock in pre_save / pre_delete) and as saved;
- a case likewise moves its discharge counter, and, when its area, team or person
  changes, recomputes the contact days of the person in the old and the new team;
- a contact saved or deleted recomputes the contact days of its case's person in the
  case's team (and of the case it was on before, if it moved);
- a person saved (a merge moves cases with QuerySet.update, then saves the kept record)
  or deleted recomputes every (area, team) of theirs.

Fixture loading (raw) is skipped: call insight.dashboard_counts.rebuild() after it.
"""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save, pre_delete, pre_save

from casework.models import Case, Contact
from insight import dashboard_counts as counts
from people.models import Person
from referrals.models import Referral

OLD = "_dashboard_counts_old"


def _saved_values(instance, fields: list[str], update_fields, old: dict | None) -> dict:
    """The values as written: all of them, or with update_fields only those named (the
    rest stay as stored)."""
    values = counts.values_of(instance, fields)
    if update_fields is None or old is None:
        return values
    named = set(update_fields)
    return {
        name: values[name] if name in named or name.removesuffix("_id") in named else old[name]
        for name in fields
    }


def _stash_old(fields: list[str]):
    def receiver(sender, instance, raw=False, **kwargs) -> None:
        if raw:
            return
        old = None
        if not instance._state.adding or kwargs.get("signal") is pre_delete:
            old = counts.stored_values(sender, instance.pk, fields)
        setattr(instance, OLD, old)

    return receiver


def _referral_saved(sender, instance: Referral, raw=False, update_fields=None, **kwargs) -> None:
    if raw:
        return
    old = instance.__dict__.pop(OLD, None)
    new = _saved_values(instance, counts.REFERRAL_FIELDS, update_fields, old)
    counts.change_cells(counts.referral_cells(old), counts.referral_cells(new))


def _referral_deleted(sender, instance: Referral, **kwargs) -> None:
    old = instance.__dict__.pop(OLD, None)
    counts.change_cells(counts.referral_cells(old), counts.referral_cells(None))


def _person_key(values: dict[str, Any] | None) -> tuple[Any, Any, Any] | None:
    if not values:
        return None
    return (values["area_id"], values["team_id"], values["person_id"])


def _case_saved(sender, instance: Case, raw=False, update_fields=None, **kwargs) -> None:
    if raw:
        return
    old = instance.__dict__.pop(OLD, None)
    new = _saved_values(instance, counts.CASE_FIELDS, update_fields, old)
    counts.change_cells(counts.case_cells(old), counts.case_cells(new))
    before, after = _person_key(old), _person_key(new)
    if before is not None and before != after:
        counts.refresh_people([key for key in (before, after) if key is not None])


def _case_deleted(sender, instance: Case, **kwargs) -> None:
    old = instance.__dict__.pop(OLD, None)
    counts.change_cells(counts.case_cells(old), counts.case_cells(None))
    if (key := _person_key(old)) is not None:
        counts.refresh_people([key])


def _contact_before(sender, instance: Contact, raw=False, **kwargs) -> None:
    """The person (area, team) the contact counted under before this change."""
    if raw:
        return
    people: set = set()
    if not instance._state.adding or kwargs.get("signal") is pre_delete:
        stored = counts.stored_values(Contact, instance.pk, ["case_id"])
        if stored:
            people = counts.people_of_cases([stored["case_id"]])
    setattr(instance, OLD, people)


def _contact_saved(sender, instance: Contact, raw=False, **kwargs) -> None:
    if raw:
        return
    before = instance.__dict__.pop(OLD, set())
    counts.refresh_people(before | counts.people_of_cases([instance.case_id]))


def _contact_deleted(sender, instance: Contact, **kwargs) -> None:
    counts.refresh_people(instance.__dict__.pop(OLD, set()))


def _person_saved(sender, instance: Person, raw=False, created=False, **kwargs) -> None:
    if raw or created:
        return
    counts.refresh_people(counts.people_of_person(instance.pk))


def _person_deleting(sender, instance: Person, **kwargs) -> None:
    # Before the cascade removes the person's contact days, so their months follow.
    counts.refresh_people(counts.people_of_person(instance.pk))


def connect() -> None:
    """Connect the receivers (called from InsightConfig.ready)."""
    uid = "insight_dashboard_counts"
    pre_save.connect(
        _stash_old(counts.REFERRAL_FIELDS),
        sender=Referral,
        weak=False,
        dispatch_uid=f"{uid}_referral_pre",
    )
    pre_delete.connect(
        _stash_old(counts.REFERRAL_FIELDS),
        sender=Referral,
        weak=False,
        dispatch_uid=f"{uid}_referral_pre_delete",
    )
    post_save.connect(_referral_saved, sender=Referral, dispatch_uid=f"{uid}_referral")
    post_delete.connect(_referral_deleted, sender=Referral, dispatch_uid=f"{uid}_referral_del")
    pre_save.connect(
        _stash_old(counts.CASE_FIELDS), sender=Case, weak=False, dispatch_uid=f"{uid}_case_pre"
    )
    pre_delete.connect(
        _stash_old(counts.CASE_FIELDS),
        sender=Case,
        weak=False,
        dispatch_uid=f"{uid}_case_pre_delete",
    )
    post_save.connect(_case_saved, sender=Case, dispatch_uid=f"{uid}_case")
    post_delete.connect(_case_deleted, sender=Case, dispatch_uid=f"{uid}_case_del")
    pre_save.connect(_contact_before, sender=Contact, dispatch_uid=f"{uid}_contact_pre")
    pre_delete.connect(_contact_before, sender=Contact, dispatch_uid=f"{uid}_contact_pre_delete")
    post_save.connect(_contact_saved, sender=Contact, dispatch_uid=f"{uid}_contact")
    post_delete.connect(_contact_deleted, sender=Contact, dispatch_uid=f"{uid}_contact_del")
    post_save.connect(_person_saved, sender=Person, dispatch_uid=f"{uid}_person")
    pre_delete.connect(_person_deleting, sender=Person, dispatch_uid=f"{uid}_person_del")
