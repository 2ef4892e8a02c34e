"""Hard constraints: a service that fails one is never suggested; on request it is listed
with the reason, in words a link worker can repeat to the person.

Pure functions over ServiceDoc and Profile. Unknown facts do not exclude: an unknown age
does not rule out an 18–25 group (the explanation then says to check), but a known age does.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from directory.models import Service
from directory.rules import is_listed_for
from matching.documents import Profile, ServiceDoc
from places.geo import haversine_km

# Every service status but ACTIVE, and how the exclusion reads.
CLOSED_STATUSES: dict[str, str] = {
    Service.Status.INACTIVE: "Not running at the moment",
    Service.Status.DEFUNCT: "Closed down",
    Service.Status.TEMPORARILY_CLOSED: "Temporarily closed",
}
# How "for women only" reads, by documents.SEXES ("other" reads as itself).
SEX_WORDS = {"female": "women", "male": "men"}


@dataclass(frozen=True, slots=True)
class Exclusion:
    # closed, full, visibility, age, sex, area, condition, distance, stale, in_plan, unsuitable
    code: str
    reason: str


def nearest_km(doc: ServiceDoc, profile: Profile) -> float | None:
    """Distance to the service's nearest place, or None when either side has no location."""
    if not profile.has_location or not doc.points:
        return None
    return min(haversine_km(profile.lat, profile.lon, lat, lon) for lat, lon in doc.points)


def age_range_text(doc: ServiceDoc) -> str:
    lo, hi = doc.min_age, doc.max_age
    if lo is not None and hi is not None:
        return f"ages {lo}–{hi}"
    if lo is not None:
        return f"ages {lo} and over"
    return f"ages up to {hi}"


def months_since(when: dt.datetime, today: dt.date) -> int:
    days = (today - when.date()).days
    return max(0, round(days / 30.44))


def violations(doc: ServiceDoc, profile: Profile, *, today: dt.date) -> list[Exclusion]:
    """Every hard constraint `doc` fails for `profile` (empty: it may be suggested)."""
    out: list[Exclusion] = []
    if doc.id in profile.exclude_ids:
        out.append(Exclusion("in_plan", "Already in this person's plan"))
    for service_id, said in profile.unsuitable:  # a handful at most: one per "not suitable"
        if service_id == doc.id:
            out.append(Exclusion("unsuitable", said))
    if doc.status in CLOSED_STATUSES:
        out.append(Exclusion("closed", CLOSED_STATUSES[doc.status]))
    if doc.capacity == Service.Capacity.FULL:
        out.append(Exclusion("full", "Full: not taking new people"))
    if not is_listed_for(doc.visibility, professional=profile.professional):
        out.append(Exclusion("visibility", "Listed for professionals only"))
    if profile.age is not None and (
        (doc.min_age is not None and profile.age < doc.min_age)
        or (doc.max_age is not None and profile.age > doc.max_age)
    ):
        out.append(Exclusion("age", f"For {age_range_text(doc)} only"))
    if profile.sex and doc.sexes and profile.sex not in doc.sexes:
        who = " and ".join(sorted(SEX_WORDS.get(s, s) for s in doc.sexes))
        out.append(Exclusion("sex", f"For {who} only"))
    if profile.areas is not None and doc.areas and not (doc.areas & profile.areas):
        out.append(Exclusion("area", f"Only serves {', '.join(sorted(doc.areas))}"))
    if (
        profile.conditions is not None
        and doc.conditions
        and not (doc.conditions & profile.conditions)
    ):
        out.append(
            Exclusion("condition", f"For people with {' or '.join(sorted(doc.conditions))} only")
        )
    if profile.radius_km is not None and profile.has_location and not doc.remote:
        km = nearest_km(doc, profile)
        if km is None:
            out.append(Exclusion("distance", "No address listed, so the distance is unknown"))
        elif km > profile.radius_km:
            out.append(Exclusion("distance", f"{km:.1f} km away (limit {profile.radius_km:g} km)"))
    if doc.last_verified_at is not None:
        months = months_since(doc.last_verified_at, today)
        if is_stale_by_days(doc.last_verified_at, today, profile.stale_after_days):
            out.append(Exclusion("stale", f"Not verified for {months} months"))
    return out


def is_stale_by_days(last_verified_at: dt.datetime, today: dt.date, after_days: int) -> bool:
    """Verified more than `after_days` calendar days before `today` (the index counts the
    same way). Never verified is not known to be out of date, so it is not excluded."""
    return (today - last_verified_at.date()).days > after_days


def eligibility_notes(doc: ServiceDoc, profile: Profile) -> list[str]:
    """Restrictions the ranker could not check because the profile does not say."""
    notes = []
    if profile.age is None and (doc.min_age is not None or doc.max_age is not None):
        notes.append(f"check eligibility: {age_range_text(doc)}")
    if not profile.sex and doc.sexes:
        notes.append("check eligibility: " + " and ".join(sorted(doc.sexes)) + " only")
    if profile.conditions is None and doc.conditions:
        notes.append("check eligibility: for " + " or ".join(sorted(doc.conditions)))
    return notes
