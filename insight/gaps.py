"""Gaps in provision: per area, the needs people bring (referral reasons, positive social
needs screens, goals) against the services within travel distance that serve them, the
connections declined because a service was full or gone, and a ranked list of where
investment is needed.

A need maps to service categories through the taxonomy (`directory.taxonomy`); a service
"serves" a need when it is tagged with one of those categories (or a term under one), is
active and is not full. "Within reach" is the great-circle distance from the person's
postcode to one of the service's locations, computed in SQL (Django provides the
trigonometric functions on SQLite too). People whose postcode is not in the postcode table
cannot be placed and are counted apart ("not placed"). The needs are read from
insight.gaps_summary (a row per record and need, kept in step with the records, marked so
that counting rows counts each person once for any filter and period): the database
counts people per area, postcode and need, and decides once per postcode (not per person)
which needs a service within reach serves; Python only adds those per-postcode counts up
per area. Declines are counted per area and service, and each service's state decided once.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from django.db.models import (
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    FloatField,
    OuterRef,
    Q,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import ASin, Cos, Power, Radians, Sin, Sqrt

from accounts.models import Area
from casework.models import Connection, Goal
from directory.models import Attribute, Location, Service, VerificationTask
from directory.taxonomy import codes_for_need, codes_for_reason
from insight.dashboards import Filters, Table
from insight.gaps_summary import REASON, SCREEN, SCREEN_DOMAINS
from insight.gaps_summary import SCREEN_INSTRUMENT as SCREEN_INSTRUMENT
from insight.models import GapNeed
from insight.sql import fetch, quote, sql_of
from insight.suppression import is_small
from places.geo import EARTH_RADIUS_KM
from places.models import Postcode
from referrals.reasons import Reason

DEFAULT_TRAVEL_KM = 5


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


def _counted(source: int, f: Filters):
    """The GapNeed rows that count a person once for `f`: in scope, filters and period,
    and the first of their person's rows of that need in the period (the previous one, for
    the way `f` filters, is before it or there is none)."""
    areas = [a for a in (f.scope.area_id, f.area_id) if a]
    teams = [t for t in (f.scope.team_id, f.team_id) if t]
    rows = GapNeed.objects.filter(source=source)
    for area in areas:
        rows = rows.filter(filter_area_id=area)
    for team in teams:
        rows = rows.filter(filter_team_id=team)
    prev = "prev" + ("_area" if areas else "") + ("_team" if teams else "")
    if f.start:
        rows = rows.filter(Q(**{f"{prev}__isnull": True}) | Q(**{f"{prev}__lt": f.start}))
        rows = rows.filter(day__gte=f.start)
    else:
        rows = rows.filter(**{f"{prev}__isnull": True})
    if f.end:
        rows = rows.filter(day__lte=f.end)
    return rows


def _need_counts(
    source: int, f: Filters, needs: list[tuple[str, str, list[str]]], km: float
) -> list[NeedRow]:
    """One statement. People are counted per area, postcode and need from the summary
    (insight.gaps_summary: a row per record and need, marked so that each person counts
    once); and once per postcode those people live in (not once per person) the database
    decides which needs have a serving service within `km`. Python adds the rows up per
    area and need.
    """
    keys = [f"n_{i}" for i in range(len(needs))]
    counted_sql, params = sql_of(
        _counted(source, f).values("area_name", "postcode", "need").annotate(n=Count("*"))
    )
    served_sql, served_params = sql_of(
        Postcode.objects.filter(postcode__in=RawSQL("SELECT g.postcode FROM g", ()))
        .annotate(
            **{k: _service_within(codes, km) for k, (_, _, codes) in zip(keys, needs, strict=True)}
        )
        .values("postcode", *keys)
    )
    sql = f"""
WITH g AS ({counted_sql}), s AS ({served_sql})
SELECT g.area_name, g.need, g.n, s.postcode, {", ".join(f"s.{k}" for k in keys)}
FROM g LEFT JOIN s ON s.postcode = g.postcode
"""  # noqa: S608 (our column names around the ORM's SQL; values are parameters)
    index = {code: i for i, (code, _, _) in enumerate(needs)}
    totals: dict[tuple[str, int], list[int]] = {}
    for area, code, n, placed, *served in fetch(sql, params + served_params):
        i = index[code]
        total = totals.setdefault((area, i), [0, 0, 0])
        total[0] += n
        if placed is None:
            total[2] += n
        elif served[i]:
            total[1] += n
    return [
        NeedRow(area, needs[i][1], "", *total)
        for (area, i), total in sorted(totals.items(), key=lambda kv: kv[0])
    ]


def reason_needs(f: Filters, km: float) -> list[NeedRow]:
    needs = [(r.value, r.label, codes_for_reason(r.value)) for r in Reason]
    rows = _need_counts(REASON, f, needs, km)
    for row in rows:
        row.source = "Referral reason"
    return rows


def screening_needs(f: Filters, km: float) -> list[NeedRow]:
    needs = [(d, label, codes_for_need(d)) for d, label in SCREEN_DOMAINS]
    rows = _need_counts(SCREEN, f, needs, km)
    for row in rows:
        row.source = "Screening"
    return rows


def _declined(f: Filters) -> dict[str, tuple[int, int]]:
    """Per area name: declined connections whose service is full (capacity full, or
    reported full), and those whose service is gone (not active, or reported closed) and
    not full. Both depend on the service alone, so the connections are counted per area
    and service first, and each service's state is decided once, not once per connection.
    One statement."""
    per_service = (
        Connection.objects.filter(
            f.q("case__"), f.period("responded_at"), status=Connection.Status.DECLINED
        )
        .values("area_id", "service_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    reported = VerificationTask.objects.filter(service_id=OuterRef("pk"))
    full = Q(capacity=Service.Capacity.FULL) | Q(
        Exists(reported.filter(reason=VerificationTask.Reason.FULL))
    )
    gone = ~Q(status=Service.Status.ACTIVE) | Q(
        Exists(reported.filter(reason=VerificationTask.Reason.CLOSED))
    )
    states = (
        Service.objects.filter(pk__in=RawSQL("SELECT c.service_id FROM c", ()))
        .annotate(
            is_full=ExpressionWrapper(full, output_field=BooleanField()),
            is_gone=ExpressionWrapper(gone, output_field=BooleanField()),
        )
        .values(service_key=F("pk"), full_now=F("is_full"), gone_now=F("is_gone"))
    )
    counts_sql, params = sql_of(per_service)
    states_sql, states_params = sql_of(states)
    sql = f"""
WITH c AS ({counts_sql}), s AS ({states_sql})
SELECT a.name, SUM(CASE WHEN s.full_now THEN c.n ELSE 0 END),
    SUM(CASE WHEN s.gone_now AND NOT s.full_now THEN c.n ELSE 0 END)
FROM c JOIN s ON s.service_key = c.service_id JOIN {quote(Area)} a ON a.id = c.area_id
GROUP BY a.name
"""  # noqa: S608 (our column names around the ORM's SQL; values are parameters)
    return {
        name: (int(full_n), int(gone_n))
        for name, full_n, gone_n in fetch(sql, params + states_params)
    }


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
    declined = _declined(f)
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
