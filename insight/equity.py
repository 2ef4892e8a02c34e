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

from django.db.models import Case as Choose
from django.db.models import F, Max, Value, When

from insight.dashboards import Filters, Table, by_decile
from insight.sql import in_one_process, quote, sql_of
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


def _referred(f: Filters) -> list[tuple]:
    """People referred in the period within the filters, each flagged "seen" when a link
    worker has made first contact on one of those referrals, counted by ethnic category,
    number of long-term conditions and IMD decile: [(ethnic_category,
    long_term_conditions, decile, people, seen)]. One statement: the referrals are grouped
    per person first (one hashed pass, instead of a lookup per person), the people are
    then grouped by category, conditions and postcode, and each distinct postcode's decile
    is looked up once (insight.dashboards.by_decile)."""
    per_person_sql, params = sql_of(
        Referral.objects.filter(f.q(), f.period("received_at"))
        .values(person_key=F("person_id"))
        .annotate(seen=Max(Choose(When(first_contact_at__isnull=False, then=Value(1)), default=0)))
    )
    grouped = f"""
SELECT p.ethnic_category, p.long_term_conditions, p.postcode, COUNT(*) AS n, SUM(r.seen) AS seen
FROM ({per_person_sql}) r JOIN {quote(Person)} p ON p.id = r.person_key
GROUP BY p.ethnic_category, p.long_term_conditions, p.postcode
"""  # noqa: S608 (a table name; the rest is the ORM's SQL; values are parameters)
    with in_one_process():  # see insight.sql.in_one_process
        return by_decile(
            grouped, params, ["ethnic_category", "long_term_conditions"], ["n", "seen"]
        )


def _counts(referred: list[tuple], column: int, group) -> Counter:
    """{(group, "all" | "seen"): n} from `_referred`'s rows, by the value in `column`
    mapped to its group (several codes share one)."""
    totals: Counter = Counter()
    for row in referred:
        value, everyone, seen = row[column], row[3], row[4]
        totals[group(value), "all"] += everyone
        totals[group(value), "seen"] += seen
    return totals


def _table(slug: str, title: str, heading: str, labels, totals: Counter, note: str) -> Table:
    rows = [[label, totals[label, "all"], totals[label, "seen"]] for label in labels]
    return Table(slug, title, [heading, *COLUMNS], rows, counts={1, 2}, note=note)


def reach_by_ethnicity(f: Filters, referred: list[tuple] | None = None) -> Table:
    totals = _counts(_referred(f) if referred is None else referred, 0, ethnic_group)
    return _table(
        "reach-by-ethnicity",
        "People referred, by ethnic group",
        "Ethnic group",
        ETHNIC_GROUP_ORDER,
        totals,
        "Broad groups of the NHS Data Dictionary's Ethnic Category codes.",
    )


def reach_by_deprivation(f: Filters, referred: list[tuple] | None = None) -> Table:
    totals = _counts(_referred(f) if referred is None else referred, 2, imd_decile_label)
    return _table(
        "reach-by-deprivation",
        "People referred, by deprivation of where they live",
        "IMD decile (1 = most deprived)",
        IMD_DECILES,
        totals,
        "English Index of Multiple Deprivation decile of the LSOA of the person's postcode; "
        '"Not known" where the postcode or its LSOA is not loaded, or is outside England.',
    )


def reach_by_long_term_conditions(f: Filters, referred: list[tuple] | None = None) -> Table:
    referred = _referred(f) if referred is None else referred
    totals = _counts(referred, 1, long_term_conditions_band)
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
    numbers: call `.suppressed()` on each table before showing it. One statement."""
    referred = _referred(f)
    return [
        reach_by_ethnicity(f, referred),
        reach_by_deprivation(f, referred),
        reach_by_long_term_conditions(f, referred),
    ]


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
