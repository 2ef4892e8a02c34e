"""The evaluation's sums computed the straightforward way: load the rows into Python, pair
each case's responses in a loop (insight.measures.pair_change) and add up there.

The same interface and the same results as insight.evaluation_sql, which is what the
evaluation uses; this is kept as the check on it (insight/tests/test_evaluation_sql.py
compares the two on seeded random data) and as the baseline `make bench BENCH=insight`
times it against. Not for pages: it reads every response.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from django.db.models import Count, Exists, F, OuterRef, QuerySet
from django.utils import timezone

from casework.models import Case, Connection
from directory.models import Attribute, TaxonomyTerm
from insight.evaluation_sql import HealthcareSums, MeasureSums, Moments
from insight.measures import (
    AGE_BANDS,
    DIMENSIONS,
    FOLLOW_UP_DAYS,
    MEASURES,
    SCALE,
    band_index,
    pair_change,
)
from insight.selection import Referrals, referrals_of
from insight.stats import Sums
from outcomes.models import HealthcareUse, Response
from people.rules import age_on
from referrals.models import Referral


def _facts(referrals: QuerySet[Referral], dimensions: dict[str, Any]) -> dict[Any, dict]:
    attended = Connection.objects.filter(case=OuterRef("pk"), first_attended_on__isnull=False)
    rows = (
        Case.objects.filter(referral__in=referrals)
        .annotate(treated=Exists(attended), n_contacts=Count("contacts"))
        .values(
            "pk",
            "treated",
            "n_contacts",
            received_at=F("referral__received_at"),
            reasons=F("referral__reasons"),
            birth_date=F("person__birth_date"),
            sex=F("person__sex"),
            **{f"dim_{i}": expression for i, expression in enumerate(dimensions.values())},
        )
    )
    facts: dict[Any, dict[str, Any]] = {}
    for values in rows:
        row: dict[str, Any] = dict(values)
        row["age"] = age_on(row["birth_date"], timezone.localdate(row["received_at"]))
        row["categories"] = set()
        facts[row["pk"]] = row
    attended_services = Connection.objects.filter(
        case__referral__in=referrals, first_attended_on__isnull=False
    ).values_list("case_id", "service_id")
    by_service: dict[Any, set[Any]] = defaultdict(set)
    for case_id, service_id in attended_services:
        by_service[service_id].add(case_id)
    terms = {
        pk: (parent, name)
        for pk, parent, name in TaxonomyTerm.objects.values_list("pk", "parent_id", "name")
    }
    links = Attribute.objects.filter(link_entity="service", link_id__in=list(by_service))
    for service_id, term_id in links.values_list("link_id", "taxonomy_term_id"):
        category = _top_level(term_id, terms)
        for case_id in by_service[service_id]:
            if case_id in facts and category:
                facts[case_id]["categories"].add(category)
    return facts


def _top_level(term_id, terms: dict) -> str | None:
    seen = set()
    while term_id in terms and term_id not in seen:
        seen.add(term_id)
        parent, name = terms[term_id]
        if parent is None or parent not in terms:
            return name
        term_id = parent
    return None


def _value(stored: Any, key: str) -> int | None:
    if isinstance(stored, dict):
        stored = stored.get(key)
    if isinstance(stored, bool) or not isinstance(stored, int | float):
        return None
    return round(float(stored) * SCALE)


def measure_sums(referrals: Referrals) -> MeasureSums:
    """insight.evaluation_sql.measure_sums, from the records, in Python."""
    referrals = referrals_of(referrals)
    measures = [(m.instrument, m.score) for m in MEASURES]
    dimensions = {name: d.key() for name, d in DIMENSIONS.items()}
    follow_up_days = FOLLOW_UP_DAYS
    facts = _facts(referrals, dimensions)
    instruments = sorted({instrument for instrument, _ in measures})
    rows = (
        Response.objects.filter(case__referral__in=referrals, instrument__in=instruments)
        .order_by("case_id", "completed_at", "id")
        .values_list("case_id", "instrument", "completed_at", "score")
    )
    by_case: dict[tuple[Any, str], list] = defaultdict(list)
    for case_id, instrument, completed_at, score in rows:
        by_case[(case_id, instrument)].append((completed_at, score))
    main: dict[tuple, list] = defaultdict(list)  # key -> [(baseline, change or None)]
    groups: dict[str, dict[tuple, list[Any]]] = defaultdict(lambda: defaultdict(list))
    names = list(dimensions)
    for i, (instrument, key) in enumerate(measures):
        for (case_id, ins), responses in by_case.items():
            if ins != instrument or case_id not in facts:
                continue
            values = [(at, v) for at, score in responses if (v := _value(score, key)) is not None]
            pair = pair_change(values, min_days=follow_up_days)
            if pair is None:
                continue
            fact = facts[case_id]
            age = fact["age"]
            group = (i, bool(fact["treated"]), band_index(age, AGE_BANDS), fact["sex"] or "")
            if not isinstance(pair, tuple):  # a baseline lost to follow-up
                main[group].append((None, None, age))
                continue
            baseline, change = pair[0], pair[1] - pair[0]
            main[group].append((baseline, change, age))
            for code in set(fact["reasons"] or []):  # a pair counts once per reason
                groups["reason"][(i, code)].append(change)
            for category in fact["categories"]:
                groups["category"][(i, category)].append(change)
            groups["contacts"][(i, fact["n_contacts"])].append(change)
            for d, name in enumerate(names):
                groups[name][(i, fact[f"dim_{d}"])].append(change)
    out = MeasureSums(dims={name: {} for name in names})
    for group, pairs in main.items():
        paired = [(b, y, a) for b, y, a in pairs if y is not None]
        aged = [(b, y, a) for b, y, a in paired if a is not None]
        out.main[group] = Moments(
            baselines=len(pairs),
            n=len(paired),
            sy=sum(y for _, y, _ in paired),
            syy=sum(y * y for _, y, _ in paired),
            sb=sum(b for b, _, _ in paired),
            sbb=sum(b * b for b, _, _ in paired),
            syb=sum(y * b for b, y, _ in paired),
            sa=sum(a for _, _, a in aged),
            saa=sum(a * a for _, _, a in aged),
            sab=sum(a * b for b, _, a in aged),
            say=sum(a * y for _, y, a in aged),
        )
    for section, by_key in groups.items():
        builtin = section in ("reason", "category", "contacts")
        target = getattr(out, section) if builtin else out.dims[section]
        for k, changes in by_key.items():
            target[k] = Sums.of(changes, SCALE)
    return out


def healthcare_sums(
    referrals: Referrals, *, latest: dt.datetime, window_days: int
) -> HealthcareSums:
    referrals = referrals_of(referrals)
    window = dt.timedelta(days=window_days)
    with_use = HealthcareUse.objects.filter(person_id=OuterRef("person_id"))
    eligible = list(
        referrals.filter(case__isnull=False, received_at__lte=latest)
        .filter(Exists(with_use))
        .values_list("pk", "person_id", "received_at")
    )
    kinds = [kind for kind, _ in HealthcareUse.Kind.choices]
    per: dict[Any, dict[str, list[int]]] = {pk: {k: [0, 0] for k in kinds} for pk, _, _ in eligible}
    by_person: dict[Any, list[tuple[Any, dt.date]]] = defaultdict(list)
    for pk, person_id, received_at in eligible:
        by_person[person_id].append((pk, timezone.localdate(received_at)))
    use = HealthcareUse.objects.filter(person_id__in=list(by_person)).values_list(
        "person_id", "kind", "occurred_on", "count"
    )
    for person_id, kind, occurred_on, count in use:
        for pk, referred in by_person[person_id]:
            if referred - window <= occurred_on < referred:
                per[pk][kind][0] += count
            elif referred <= occurred_on < referred + window:
                per[pk][kind][1] += count
    out = HealthcareSums(people=len(per))
    for k in kinds:
        out.before[k] = sum(r[k][0] for r in per.values())
        out.after[k] = sum(r[k][1] for r in per.values())
        for m in kinds:
            out.cross[(k, m)] = sum((r[k][1] - r[k][0]) * (r[m][1] - r[m][0]) for r in per.values())
    return out
