"""The evaluation's equity subgroups: change by ethnic group, by deprivation and by number
of long-term conditions, so a commissioner sees whether the people with most need are
helped as much as others.

Ethnic group and long-term conditions are the reach tables' groups (insight.equity);
deprivation is grouped in IMD quintiles (deciles 1-2 are quintile 1, the most deprived
fifth of English areas), since a decile per row splits the pairs too thinly to show.
"""

from __future__ import annotations

from django.db.models import OuterRef, Subquery
from django.db.models.functions import Coalesce

from people.rules import ETHNIC_GROUP_ORDER, LTC_BANDS
from places.models import Deprivation, Postcode

EQUITY_SUBGROUPS = ("ethnicity", "deprivation", "long_term_conditions")
NOT_KNOWN = "Not known"
QUINTILES = [
    "1 (most deprived)",
    "2",
    "3",
    "4",
    "5 (least deprived)",
]
ORDER = {
    "ethnicity": list(ETHNIC_GROUP_ORDER),
    "deprivation": [*QUINTILES, NOT_KNOWN],
    "long_term_conditions": list(LTC_BANDS),
}
TITLES = {
    "ethnicity": "Ethnic group",
    "deprivation": "Deprivation of where they live (IMD quintile)",
    "long_term_conditions": "Long-term conditions",
}


def quintile_label(decile: int | None) -> str:
    """IMD decile 1-10 to its quintile's label; "Not known" when the decile is."""
    if not decile or not 1 <= decile <= 10:
        return NOT_KNOWN
    return QUINTILES[(decile - 1) // 2]


def imd_decile_of(postcode_field: str):
    """The IMD decile of the row's `postcode_field` (a Person's "postcode", a case's
    "person__postcode"), in SQL (NULL when unknown), preferring a decile on 2021 LSOAs to
    one on 2011 LSOAs, as places.deprivation does. The one SQL copy of that rule."""
    postcode = Postcode.objects.filter(postcode=OuterRef(OuterRef(postcode_field)))

    def decile(census: int, column: str):
        return Subquery(
            Deprivation.objects.filter(
                census=census, lsoa=Subquery(postcode.values(column)[:1])
            ).values("imd_decile")[:1]
        )

    return Coalesce(decile(2021, "lsoa21"), decile(2011, "lsoa11"))
