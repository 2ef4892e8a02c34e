"""Gaps in provision: per area, the needs people bring (referral reasons, positive social
needs screens, goals) against the services within travel distance that serve them, the
connections declined because a service was full or gone, and a ranked list of where
investment is needed.

A need maps to service categories through the taxonomy (`directory.taxonomy`); a service
"serves" a need when it is tagged with one of those categories (or a term under one), is
active and is not full. "Within reach" is the great-circle distance from the person's
postcode to one of the service's locations, computed in SQL (Django provides the
trigonometric functions on SQLite too). People whose postcode is not in the postcode table
cannot be placed and are counted apart ("not placed"). The database counts people per area,
postcode and need, and decides once per postcode (not per person) which needs a service
within reach serves; Python only adds those per-postcode counts up per area.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from django.db.models import Case as Choose
from django.db.models import (
    Count,
    Exists,
    ExpressionWrapper,
    F,
    FloatField,
    Max,
    OuterRef,
    Q,
    Value,
    When,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import ASin, Cos, Power, Radians, Sin, Sqrt

from casework.models import Connection, Goal
from directory.models import Attribute, Location, Service, VerificationTask
from directory.taxonomy import codes_for_need, codes_for_reason
from insight.dashboards import Filters, Table, gives_reason
from insight.sql import fetch, sql_of
from insight.suppression import is_small
from outcomes.models import Response
from places.geo import EARTH_RADIUS_KM
from places.models import Postcode
from referrals.models import Referral
from referrals.reasons import Reason

DEFAULT_TRAVEL_KM = 5
SCREEN_INSTRUMENT = "hrsn"
SCREEN_DOMAINS = [
    ("housing", "Housing"),
    ("food", "Food"),
    ("transport", "Transport"),
    ("utilities", "Utilities"),
    ("safety", "Safety"),
    ("money", "Money"),
    ("isolation", "Isolation"),
]


def _codes_q(codes: list[str]) -> Q:
    q = Q()
    for code in codes:
        q |= Q(taxonomy_term__code=code) | Q(taxonomy_term__code__startswith=f"{code}.")
    return q


def _serving_services(codes: list[str]):
    tagged = Attribute.objects.filter(_codes_q(codes), link_entity="service").values("link_id")
    return Service.objects.filter(pk__in=tagged, status=Service.Status.ACTIVE).exclude(
        capacity=Service.Capacity.FULL
    )


def _service_within(codes: list[str], km: float) -> Exists:
    """A serving service with a location within `km` of the outer postcode's centroid."""
    outer_lat = ExpressionWrapper(OuterRef("latitude"), output_field=FloatField())
    outer_lon = ExpressionWrapper(OuterRef("longitude"), output_field=FloatField())
    lat1, lon1 = Radians(outer_lat), Radians(outer_lon)
    lat2, lon2 = Radians(F("latitude")), Radians(F("longitude"))
    h = Power(Sin((lat2 - lat1) / 2), 2) + Cos(lat1) * Cos(lat2) * Power(Sin((lon2 - lon1) / 2), 2)
    distance = 2 * EARTH_RADIUS_KM * ASin(Sqrt(h))
    # A latitude band first (the lat/lon index), then the exact distance.
    band = math.degrees(km / EARTH_RADIUS_KM)
    return Exists(
        Location.objects.filter(
            service_at_locations__service__in=_serving_services(codes),
            latitude__gte=ExpressionWrapper(outer_lat - band, output_field=FloatField()),
            latitude__lte=ExpressionWrapper(outer_lat + band, output_field=FloatField()),
            longitude__isnull=False,
        )
        .annotate(km=distance)
        .filter(km__lte=km)
    )


@dataclass
class NeedRow:
    area: str
    need: str
    source: str
    people: int
    in_reach: int
    not_placed: int

    @property
    def without(self) -> int:
        return self.people - self.in_reach - self.not_placed


def _need_counts(rows, needs: list[tuple[str, str, Q, list[str]]], km: float) -> list[NeedRow]:
    """rows: a queryset with `area__name`, `person_id` and `person__postcode`.

    One statement. People are flagged per need once (grouped per area, postcode and
    person: one grouping pass, instead of a COUNT(DISTINCT) and its sort per need), then
    counted per area and postcode; and once per postcode those people live in (not once
    per person) the database decides which needs have a serving service within `km`.
    Python adds the rows up per area and need.
    """
    keys = [f"n_{key}" for key, _, _, _ in needs]
    flagged_sql, params = sql_of(
        rows.values(
            area_name=F("area__name"), postcode=F("person__postcode"), person_key=F("person_id")
        ).annotate(
            **{
                f"n_{key}": Max(Choose(When(q, then=Value(1)), default=Value(0)))
                for key, _, q, _ in needs
            }
        )
    )
    served_sql, served_params = sql_of(
        Postcode.objects.filter(postcode__in=RawSQL("SELECT g.postcode FROM g", ()))
        .annotate(**{f"n_{key}": _service_within(codes, km) for key, _, _, codes in needs})
        .values("postcode", *keys)
    )
    sums = ", ".join(f"SUM(p.{k}) AS {k}" for k in keys)
    sql = f"""
WITH g AS (
    SELECT p.area_name, p.postcode, {sums} FROM ({flagged_sql}) p
    GROUP BY p.area_name, p.postcode
), s AS ({served_sql})
SELECT g.area_name, s.postcode, {", ".join(f"g.{k}" for k in keys)},
    {", ".join(f"s.{k}" for k in keys)}
FROM g LEFT JOIN s ON s.postcode = g.postcode
"""  # noqa: S608 (our column names around the ORM's SQL; values are parameters)
    totals: dict[tuple[str, str], list[int]] = {}
    for area, placed, *cells in fetch(sql, params + served_params):
        for i, (key, _, _, _) in enumerate(needs):
            n = int(cells[i] or 0)
            if not n:
                continue
            total = totals.setdefault((area, key), [0, 0, 0])
            total[0] += n
            if placed is None:
                total[2] += n
            elif cells[len(needs) + i]:
                total[1] += n
    labels = {key: label for key, label, _, _ in needs}
    return [
        NeedRow(area, labels[key], "", *total)
        for (area, key), total in sorted(
            totals.items(), key=lambda kv: (kv[0][0], list(labels).index(kv[0][1]))
        )
    ]


def reason_needs(f: Filters, km: float) -> list[NeedRow]:
    referrals = Referral.objects.filter(f.q(), f.period("received_at"))
    needs = [(r.value, r.label, gives_reason(r.value), codes_for_reason(r.value)) for r in Reason]
    rows = _need_counts(referrals, needs, km)
    for row in rows:
        row.source = "Referral reason"
    return rows


def screening_needs(f: Filters, km: float) -> list[NeedRow]:
    responses = Response.objects.filter(
        f.q("case__"), f.period("completed_at"), instrument=SCREEN_INSTRUMENT
    )
    needs = [
        (d, label, Q(**{f"domains__{d}": "positive"}), codes_for_need(d))
        for d, label in SCREEN_DOMAINS
    ]
    rows = _need_counts(responses, needs, km)
    for row in rows:
        row.source = "Screening"
    return rows


def area_summary(f: Filters) -> Table:
    """Per area: goals with no connection, and connections declined because the service
    was full (capacity full, or reported full) or gone (not active, or reported closed)."""
    goals = dict(
        Goal.objects.filter(f.q("case__"), f.period("created_at"))
        .values_list("area__name")
        .annotate(
            n=Count("pk", filter=~Q(Exists(Connection.objects.filter(goal_id=OuterRef("pk")))))
        )
        .order_by()
    )
    reported = VerificationTask.objects.filter(service_id=OuterRef("service_id"))
    full = Q(service__capacity=Service.Capacity.FULL) | Q(
        Exists(reported.filter(reason=VerificationTask.Reason.FULL))
    )
    gone = ~Q(service__status=Service.Status.ACTIVE) | Q(
        Exists(reported.filter(reason=VerificationTask.Reason.CLOSED))
    )
    declined = {
        name: (a, b)
        for name, a, b in Connection.objects.filter(
            f.q("case__"), f.period("responded_at"), status=Connection.Status.DECLINED
        )
        .values_list("area__name")
        .annotate(full=Count("pk", filter=full), gone=Count("pk", filter=gone & ~full))
        .order_by()
    }
    names = sorted(set(goals) | set(declined))
    rows = [[n, goals.get(n, 0), *declined.get(n, (0, 0))] for n in names]
    return Table(
        "gaps-by-area",
        "Goals without a connection, and connections declined, by area",
        ["Area", "Goals with no connection", "Declined: service full", "Declined: service gone"],
        rows,
        counts={1, 2, 3},
        chart="",
        note="Goals are in the person's words and have no category: a goal with no "
        "connection proposed for it is the signal counted here.",
    )


def needs_table(rows: list[NeedRow], km: float) -> Table:
    return Table(
        "needs",
        f"Needs against services within {km:g} km",
        [
            "Area",
            "Need",
            "Recorded as",
            "People",
            "Service in reach",
            "No service in reach",
            "Postcode not placed",
        ],
        [[r.area, r.need, r.source, r.people, r.in_reach, r.without, r.not_placed] for r in rows],
        counts={3, 4, 5, 6},
        chart="",
    )


def investment_ranking(rows: list[NeedRow]) -> Table:
    """Where investment is needed: (area, need) pairs ranked by people with the need and no
    serving service within reach. Pairs with a small count are listed after the rest in
    name order, so their order cannot reveal how small they are."""
    rows = [r for r in rows if r.without > 0]
    large = sorted(
        (r for r in rows if not is_small(r.without)),
        key=lambda r: (-r.without, r.area, r.need),
    )
    small = sorted((r for r in rows if is_small(r.without)), key=lambda r: (r.area, r.need))
    ranked = [
        [i, r.area, r.need, r.source, r.without, r.people] for i, r in enumerate(large, start=1)
    ]
    ranked += [["", r.area, r.need, r.source, r.without, r.people] for r in small]
    return Table(
        "investment",
        "Where investment is needed",
        [
            "Rank",
            "Area",
            "Need",
            "Recorded as",
            "People with no service in reach",
            "People with the need",
        ],
        ranked,
        counts={4, 5},
        chart="",
    )


def needs(f: Filters, km: float) -> list[NeedRow]:
    return reason_needs(f, km) + screening_needs(f, km)


def gaps(f: Filters, km: float) -> list[Table]:
    """Every gaps table, suppressed, in page order."""
    rows = needs(f, km)
    return [
        investment_ranking(rows).suppressed(),
        needs_table(rows, km).suppressed(),
        area_summary(f).suppressed(),
    ]


def gap_table(slug: str, f: Filters, km: float) -> Table | None:
    """One gaps table by its slug, suppressed; None for an unknown slug."""
    if slug == "gaps-by-area":
        return area_summary(f).suppressed()
    if slug == "needs":
        return needs_table(needs(f, km), km).suppressed()
    if slug == "investment":
        return investment_ranking(needs(f, km)).suppressed()
    return None
