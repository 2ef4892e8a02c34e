"""The socialrx community-services taxonomy (data in directory/taxonomy/) and how referral
reasons and social-needs domains map onto it."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from django.db import transaction

from directory.models import Taxonomy, TaxonomyTerm

FILE = Path(__file__).parent / "taxonomy" / "socialrx-community-services.json"


@cache
def definition() -> dict:
    return json.loads(FILE.read_text(encoding="utf-8"))


def codes_for_reason(reason: str) -> list[str]:
    return definition()["referral_reasons"].get(reason, [])


def codes_for_need(domain: str) -> list[str]:
    return definition()["social_needs_domains"].get(domain, [])


@transaction.atomic
def load_taxonomy() -> int:
    """Create or update the taxonomy and its terms (idempotent; ids are fixed)."""
    data = definition()
    tax = data["taxonomy"]
    Taxonomy.objects.update_or_create(
        id=tax["id"], defaults={k: tax[k] for k in ("name", "description", "uri", "version")}
    )
    for term in data["terms"]:
        TaxonomyTerm.objects.update_or_create(
            id=term["id"],
            defaults={
                "code": term["code"],
                "name": term["name"],
                "description": term["description"],
                "parent_id": term.get("parent_id"),
                "taxonomy": term["taxonomy"],
                "language": term["language"],
                "taxonomy_detail_id": tax["id"],
            },
        )
    return len(data["terms"])


def terms_for_reasons(reasons: list[str]):
    codes = {c for r in reasons for c in codes_for_reason(r)}
    return TaxonomyTerm.objects.filter(code__in=codes)
