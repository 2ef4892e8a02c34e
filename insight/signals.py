"""Keep insight.facts in step with the records: a saved or deleted response, contact or
connection rewrites its case's facts; a saved referral or case rewrites that case's; a
saved person rewrites all of theirs (age, sex, postcode and equity groups live on the
person). In the same transaction as the change, so facts never outlive a rollback.

A service's categories (its taxonomy attributes) or the taxonomy itself changing rewrites
the category facts of the cases concerned (all of them for a taxonomy term, a bulk
directory write that names terms or says "everything") in the task worker, once the
change commits (insight.tasks).

A case with responses cannot be deleted (they protect it), so a case's deletion never
leaves facts to write: its contacts' and connections' post_delete rewrite nothing.

Connected in InsightConfig.ready. Writes that bypass model signals call
insight.facts.refresh themselves (docs/insight.md#facts).
"""

from __future__ import annotations

from django.db import transaction
from django.db.models.signals import post_delete, post_save

from casework.models import Case, Connection, Contact
from directory.models import Attribute, TaxonomyTerm
from directory.signals import records_changed
from insight import facts, tasks
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
    def receiver(sender, instance, raw=False, created=False, **kwargs) -> None:
        if raw or created:  # nothing can point at a row saved for the first time
            return
        ids = list(Case.objects.filter(**{field: instance.pk}).values_list("pk", flat=True))
        if ids:
            facts.refresh(ids)

    return receiver


_referral = _cases_of("referral")
_person = _cases_of("person")


def _everyone(sender, **kwargs) -> None:
    facts.refresh()  # deprivation deciles come from postcodes and LSOAs


def _categories_after_commit(service_ids: list[str] | None) -> None:
    """Rewrite the category facts of the cases that attended these services (None: every
    case) in the task worker once the directory change commits: a taxonomy change can touch
    every case, far too much for the editor's request."""
    transaction.on_commit(lambda: tasks.refresh_categories_task.enqueue(service_ids))


def _service_categories(sender, instance: Attribute, raw=False, **kwargs) -> None:
    """A service's taxonomy changed: the categories of the cases that attended it."""
    if not raw and instance.link_entity == "service":
        _categories_after_commit([str(instance.link_id)])


def _taxonomy(sender, raw=False, **kwargs) -> None:
    if not raw:
        _categories_after_commit(None)  # a term's name or parent: any category may change


def _directory_written(sender, records, everything=False, **kwargs) -> None:
    """An HSDS import (or another bulk write) told what it wrote."""
    if everything or TaxonomyTerm._meta.label in records:
        _categories_after_commit(None)
        return
    attributes = records.get(Attribute._meta.label)
    if attributes:
        services = Attribute.objects.filter(pk__in=list(attributes), link_entity="service")
        ids = sorted({str(s) for s in services.values_list("link_id", flat=True)})
        if ids:
            _categories_after_commit(ids)


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
    for signal in (post_save, post_delete):
        signal.connect(
            _service_categories, sender=Attribute, dispatch_uid=f"insight_cat_{id(signal)}"
        )
        signal.connect(_taxonomy, sender=TaxonomyTerm, dispatch_uid=f"insight_tax_{id(signal)}")
    records_changed.connect(_directory_written, dispatch_uid="insight_facts_directory")
