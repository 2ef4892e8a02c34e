"""Every row that belongs to a person, found by walking the model relations from Person.

A model belongs to a person when it has a foreign key path to Person (a consent, a
referral; a goal through its case; a safeguarding concern through the person, the case or
a response). The walk follows reverse foreign keys only, never to another Person (a record
flagged as a possible duplicate of this one is someone else's until merged) and never
along a model's key to itself (a referral flagged as a duplicate of this one).
"""

from __future__ import annotations

from collections import defaultdict

from django.db import models

from people.models import Person
from socialrx.model_relations import reverse_keys


def _reverse_relations(model: type[models.Model]):
    # Never back to a Person (a record flagged as a possible duplicate is someone else's
    # until merged), nor along a model's key to itself.
    for rel in reverse_keys(model):
        if rel.related_model is not Person and rel.related_model is not model:
            yield rel


def models_with_a_path_to_person() -> list[type[models.Model]]:
    """The models the walk can reach from Person (without touching the database)."""
    seen: list[type[models.Model]] = []
    queue: list[type[models.Model]] = [Person]
    while queue:
        parent = queue.pop(0)
        for rel in _reverse_relations(parent):
            if rel.related_model not in seen:
                seen.append(rel.related_model)
                queue.append(rel.related_model)
    return seen


def rows_of(person: Person) -> dict[type[models.Model], list[models.Model]]:
    """Every row held on `person`, by model (Person first), each list ordered by key."""
    return rows_under(Person, [person.pk])


def rows_under(start: type[models.Model], pks) -> dict[type[models.Model], list[models.Model]]:
    """The rows `pks` of `start` and every row below them by reverse foreign keys."""
    found: dict[type[models.Model], set] = defaultdict(set)
    found[start] |= set(pks)
    queue: list[type[models.Model]] = [start]
    while queue:
        parent = queue.pop(0)
        for rel in _reverse_relations(parent):
            model = rel.related_model
            pks = set(
                model._default_manager.filter(
                    **{f"{rel.field.name}__in": list(found[parent])}
                ).values_list("pk", flat=True)
            )
            new = pks - found[model]
            if new:
                found[model] |= new
                queue.append(model)
    return {
        model: list(model._default_manager.filter(pk__in=pks).order_by("pk"))
        for model, pks in found.items()
    }
