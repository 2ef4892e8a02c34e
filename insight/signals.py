"""Keep insight.facts in step with the records: a saved or deleted response, contact or
connection rewrites its case's facts; a saved referral or case rewrites that case's; a
saved person rewrites all of theirs (age, sex, postcode and equity groups live on the
person). In the same transaction as the change, so facts never outlive a rollback.

A case with responses cannot be deleted (they protect it), so a case's deletion never
leaves facts to write: its contacts' and connections' post_delete rewrite nothing.

Connected in InsightConfig.ready. Writes that bypass model signals call
insight.facts.refresh themselves (docs/insight.md#facts).
"""

from __future__ import annotations

from django.db.models.signals import post_delete, post_save

from casework.models import Case, Connection, Contact
from insight import facts
from outcomes.models import Response
from people.models import Person
from places.signals import lookups_loaded
from referrals.models import Referral


def _case_of_row(sender, instance, raw=False, **kwargs) -> None:
    if raw or instance.case_id is None:  # loaddata, or a response not (yet) on a case
        return
    facts.refresh([instance.case_id])


def _case(sender, instance: Case, raw=False, created=False, **kwargs) -> None:
    if raw:
        return
    facts.refresh([instance.pk])


def _cases_of(field: str):
    def receiver(sender, instance, raw=False, **kwargs) -> None:
        if raw:
            return
        ids = list(Case.objects.filter(**{field: instance.pk}).values_list("pk", flat=True))
        if ids:
            facts.refresh(ids)

    return receiver


_referral = _cases_of("referral")
_person = _cases_of("person")


def _everyone(sender, **kwargs) -> None:
    facts.refresh()  # deprivation deciles come from postcodes and LSOAs


def connect() -> None:
    lookups_loaded.connect(_everyone, dispatch_uid="insight_facts_lookups")
    for model in (Response, Contact, Connection):
        post_save.connect(
            _case_of_row, sender=model, dispatch_uid=f"insight_facts_{model.__name__}"
        )
        post_delete.connect(
            _case_of_row, sender=model, dispatch_uid=f"insight_facts_del_{model.__name__}"
        )
    post_save.connect(_case, sender=Case, dispatch_uid="insight_facts_case")
    post_save.connect(_referral, sender=Referral, dispatch_uid="insight_facts_referral")
    post_save.connect(_person, sender=Person, dispatch_uid="insight_facts_person")
