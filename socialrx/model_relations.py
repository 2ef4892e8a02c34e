"""The reverse foreign keys of a model, found from the models themselves, so code that must
reach every row pointing at a record (a merge, a subject access export) never forgets one."""

from __future__ import annotations

from collections.abc import Iterator

from django.db import models
from django.db.models import ForeignObjectRel


def reverse_keys(model: type[models.Model]) -> Iterator[ForeignObjectRel]:
    """Every foreign key or one-to-one field elsewhere that points at `model`.

    include_hidden: a key declared with related_name="+" (a one-time link's) has no accessor
    on `model`, yet its rows still point at it."""
    for rel in model._meta.get_fields(include_hidden=True):
        if isinstance(rel, ForeignObjectRel) and (rel.one_to_many or rel.one_to_one):
            yield rel
