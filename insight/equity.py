"""Equity: are the people with most need reached? People referred, counted by ethnic group,
by the deprivation of where they live (IMD decile) and by how many long-term conditions
they have, counted by the database and suppressed below insight.suppression.SMALL.

`equity_group(person)` puts one person in those groups, for the evaluation's change by
subgroup. The groups' rules are pure functions in people.rules.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q

from insight.dashboards import Filters, Table
from insight.equity_change import imd_decile_of
from people.models import Person
from people.rules import (
    ETHNIC_GROUP_ORDER,
    IMD_DECILES,
    LTC_BANDS,
    ethnic_group,
    imd_decile_label,
    long_term_conditions_band,
)
from places.deprivation import deprivation_deciles
from referrals.models import Referral

COLUMNS = ["People referred", "Seen by a link worker"]


def _referred(f: Filters):
    """People referred in the period within the filters, each flagged when a link worker
    has made first contact on one of those referrals."""
    referrals = Referral.objects.filter(f.q(), f.period("received_at"))
    seen = referrals.filter(person_id=OuterRef("pk"), first_contact_at__isnull=False)
    return Person.objects.filter(pk__in=referrals.values("person_id")).annotate(seen=Exists(seen))


def _counts(people, column: str, group) -> Counter:
    """{(group, "all" | "seen"): n}, grouped by `column` in the database and then mapped
    to its group (several codes share one)."""
    totals: Counter = Counter()
    rows = (
        people.values_list(column)
        .annotate(all=Count("pk"), seen_n=Count("pk", filter=Q(seen=True)))
        .order_by()
    )
    for value, everyone, seen in rows:
        totals[group(value), "all"] += everyone
        totals[group(value), "seen"] += seen
    return totals


def _table(slug: str, title: str, heading: str, labels, totals: Counter, note: str) -> Table:
    rows = [[label, totals[label, "all"], totals[label, "seen"]] for label in labels]
    return Table(slug, title, [heading, *COLUMNS], rows, counts={1, 2}, note=note)


def reach_by_ethnicity(f: Filters) -> Table:
    totals = _counts(_referred(f), "ethnic_category", ethnic_group)
    return _table(
        "reach-by-ethnicity",
        "People referred, by ethnic group",
        "Ethnic group",
        ETHNIC_GROUP_ORDER,
        totals,
        "Broad groups of the NHS Data Dictionary's Ethnic Category codes.",
    )


def reach_by_deprivation(f: Filters) -> Table:
    people = _referred(f).annotate(imd_decile=imd_decile_of("postcode"))
    totals = _counts(people, "imd_decile", imd_decile_label)
    return _table(
        "reach-by-deprivation",
        "People referred, by deprivation of where they live",
        "IMD decile (1 = most deprived)",
        IMD_DECILES,
        totals,
        "English Index of Multiple Deprivation decile of the LSOA of the person's postcode; "
        '"Not known" where the postcode or its LSOA is not loaded, or is outside England.',
    )


def reach_by_long_term_conditions(f: Filters) -> Table:
    totals = _counts(_referred(f), "long_term_conditions", long_term_conditions_band)
    return _table(
        "reach-by-long-term-conditions",
        "People referred, by number of long-term conditions",
        "Long-term conditions",
        LTC_BANDS,
        totals,
        "Two or more is multimorbidity.",
    )


def reach_by_equity(f: Filters) -> list[Table]:
    """People referred in the filters' period and scope, by ethnic group, IMD decile and
    number of long-term conditions, with how many of them a link worker has seen. Raw
    numbers: call `.suppressed()` on each table before showing it."""
    return [reach_by_ethnicity(f), reach_by_deprivation(f), reach_by_long_term_conditions(f)]


def equity_groups(people: Iterable[Person]) -> dict[Any, dict[str, str]]:
    """{person pk: equity_group(person)} for many people, in one query for deprivation."""
    people = list(people)
    deciles = deprivation_deciles(p.postcode for p in people if p.postcode)
    return {
        p.pk: {
            "ethnicity": ethnic_group(p.ethnic_category),
            "deprivation": imd_decile_label(deciles.get(p.postcode)),
            "long_term_conditions": long_term_conditions_band(p.long_term_conditions),
        }
        for p in people
    }


def equity_group(person: Person) -> dict[str, str]:
    """The groups one person falls in: {"ethnicity": "White", "deprivation": "3",
    "long_term_conditions": "2 or more"}, with "Not recorded" / "Not known" where unknown.
    The labels are those of the reach tables' rows."""
    return equity_groups([person])[person.pk]
