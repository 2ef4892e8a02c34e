"""Keep insight.gaps_summary in step with the records, in the same transaction as the
change: a saved or deleted referral or screen rewrites its person's rows (and its former
person's, when it moved); a saved person rewrites theirs when the postcode they are counted
at changed; a saved case rewrites the people whose screens it files under another area or
team; a renamed area rewrites the people counted under its old name.

Connected in InsightConfig.ready. Writes that bypass model signals call
insight.gaps_summary.refresh (or rebuild) themselves.
"""

from __future__ import annotations

from django.db.models import Q
from django.db.models.signals import post_delete, post_save

from accounts.models import Area
from casework.models import Case
from insight import gaps_summary
from insight.models import GapNeed
from outcomes.models import Response
from people.models import Person
from referrals.models import Referral


def _people_of_record(instance) -> set:
    """The record's person, and whoever its rows were written for before."""
    people = set(GapNeed.objects.filter(record=instance.pk).values_list("person", flat=True))
    if instance.person_id is not None:
        people.add(instance.person_id)
    return people


def _referral(sender, instance: Referral, raw=False, **kwargs) -> None:
    if raw:
        return
    gaps_summary.refresh(_people_of_record(instance))


def _response(sender, instance: Response, raw=False, **kwargs) -> None:
    if raw:
        return
    if instance.instrument == gaps_summary.SCREEN_INSTRUMENT:
        gaps_summary.refresh(_people_of_record(instance))
        return
    # Not a screen (now): only rows written while it was one need rewriting.
    gaps_summary.refresh(
        GapNeed.objects.filter(record=instance.pk).values_list("person", flat=True)
    )


def _person(sender, instance: Person, raw=False, **kwargs) -> None:
    if raw:
        return
    moved = GapNeed.objects.filter(person=instance.pk).exclude(postcode=instance.postcode)
    if moved.exists():
        gaps_summary.refresh([instance.pk])


def _case(sender, instance: Case, raw=False, **kwargs) -> None:
    if raw:
        return
    screens = Response.objects.filter(case=instance.pk, instrument=gaps_summary.SCREEN_INSTRUMENT)
    stale = GapNeed.objects.filter(source=gaps_summary.SCREEN, record__in=screens.values("pk"))
    stale = stale.filter(
        Q(filter_area_id__isnull=True)
        | Q(filter_team_id__isnull=True)
        | ~Q(filter_area_id=instance.area_id)
        | ~Q(filter_team_id=instance.team_id)
    )
    gaps_summary.refresh(set(stale.values_list("person", flat=True)))


def _area(sender, instance: Area, raw=False, **kwargs) -> None:
    if raw:
        return
    renamed = GapNeed.objects.filter(area_id=instance.pk).exclude(area_name=instance.name)
    gaps_summary.refresh(set(renamed.values_list("person", flat=True)))


def connect() -> None:
    """Connect the receivers (called from InsightConfig.ready)."""
    for model, receiver in ((Referral, _referral), (Response, _response)):
        post_save.connect(receiver, sender=model, dispatch_uid=f"insight_gaps_{model.__name__}")
        post_delete.connect(
            receiver, sender=model, dispatch_uid=f"insight_gaps_del_{model.__name__}"
        )
    post_save.connect(_person, sender=Person, dispatch_uid="insight_gaps_person")
    post_save.connect(_case, sender=Case, dispatch_uid="insight_gaps_case")
    post_save.connect(_area, sender=Area, dispatch_uid="insight_gaps_area")
