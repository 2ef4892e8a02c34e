"""The benchmark's baseline for the dashboards: the same tables counted by loading the rows
into Python (what insight.dashboards does in SQL). Used by bench/bench_insight.py only."""

from __future__ import annotations

from collections import Counter, defaultdict

from django.utils import timezone

from casework.models import Case, Contact
from insight.dashboards import Filters, _labelled
from referrals.models import Referral
from referrals.reasons import Reason


def dashboard_in_python(f: Filters) -> dict[str, list[list]]:
    """{table slug: raw rows} for the referral tables, contacts and discharge reasons."""
    referrals = Referral.objects.filter(f.q(), f.period("received_at"))
    source: Counter[str] = Counter()
    reason: Counter[str] = Counter()
    team: Counter[str] = Counter()
    month: Counter[str] = Counter()
    rows = referrals.values_list("source", "reasons", "team__name", "received_at")
    for src, reasons, team_name, received_at in rows.iterator(chunk_size=20_000):
        source[src] += 1
        for code in set(reasons or []):
            reason[code] += 1
        team[team_name] += 1
        month[timezone.localtime(received_at).strftime("%Y-%m")] += 1
    people: dict[str, set] = defaultdict(set)
    contacts: Counter[str] = Counter()
    minutes: Counter[str] = Counter()
    contact_rows = Contact.objects.filter(f.q("case__"), f.day_period("happened_on")).values_list(
        "case__team__name", "case__person_id", "minutes"
    )
    for team_name, person_id, spent in contact_rows.iterator(chunk_size=20_000):
        people[team_name].add(person_id)
        contacts[team_name] += 1
        minutes[team_name] += spent
    discharged = Counter(
        reason
        for reason in Case.objects.filter(
            f.q(), f.period("discharged_at"), status=Case.Status.DISCHARGED
        )
        .values_list("discharge_reason", flat=True)
        .iterator(chunk_size=20_000)
    )
    per_person = []
    for name in sorted(contacts):
        n = len(people[name])
        per_person.append(
            [
                name,
                n,
                contacts[name],
                minutes[name],
                round(contacts[name] / n, 1),
                round(minutes[name] / n),
            ]
        )
    return {
        "referrals-by-source": _labelled(source, Referral.Source.choices),
        "referrals-by-reason": _labelled(reason, Reason.choices),
        "referrals-by-team": [[name, team[name]] for name in sorted(team)],
        "referrals-by-month": [[m, month[m]] for m in sorted(month)],
        "contacts": per_person,
        "discharge-reasons": _labelled(discharged, Case.DischargeReason.choices),
    }
