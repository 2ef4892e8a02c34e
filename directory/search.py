"""Directory search: words, category, place and distance, scoped to what the user may see.

Used by the HSDS API and the directory pages. A search near a place starts from the places:
locations in an indexed bounding box, trimmed to the circle by great-circle distance, then
their services; words, category and the other filters then apply to those services only.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Case, IntegerField, Q, When

from directory.access import stale_cutoff, visible_services
from directory.models import Attribute, Location, Service, ServiceAtLocation, TaxonomyTerm
from places.geo import bounding_box, geocode, haversine_km, valid_lat_lon

DEFAULT_RADIUS_KM = 10.0
# key: (label, opens before, closes after). HSDS times are "HH:MM[:SS]", which compare as text.
PARTS_OF_DAY = {
    "morning": ("Morning (before 12:00)", "12:00", "00:00"),
    "afternoon": ("Afternoon (12:00 to 17:00)", "17:00", "12:00"),
    "evening": ("Evening (after 17:00)", "24:00", "17:00"),
}
_IN_CHUNK = 2_000  # ids per IN (...) list: well inside SQLite's 32,766 parameters


@dataclass
class SearchResult:
    ids: list = field(default_factory=list)
    total: int = 0
    distances_km: dict = field(default_factory=dict)
    problem: str | None = None


def search(
    user,
    *,
    text: str = "",
    taxonomy_term_id=None,
    taxonomy_id=None,
    organization_id=None,
    postcode: str = "",
    lat: float | None = None,
    lon: float | None = None,
    radius_km: float | None = None,
    active_only: bool = False,
    free_only: bool = False,
    day: str = "",
    part_of_day: str = "",
    language: str = "",
    accessible: bool = False,
    offset: int = 0,
    limit: int = 50,
) -> SearchResult:
    filters = {
        "text": text,
        "taxonomy_term_id": taxonomy_term_id,
        "taxonomy_id": taxonomy_id,
        "organization_id": organization_id,
        "active_only": active_only,
        "free_only": free_only,
        "day": day,
        "part_of_day": part_of_day,
        "language": language,
        "accessible": accessible,
    }
    if postcode.strip():
        point = geocode(postcode)
        if point is None:
            return SearchResult(problem=f"Unknown postcode or place {postcode.strip()!r}.")
        lat, lon = point
    if (lat is None) != (lon is None):
        return SearchResult(problem="Give both latitude and longitude.")
    cutoff = stale_cutoff()
    if lat is None:
        qs = _filtered(visible_services(user), None, **filters)
        # Listings verified recently come first; stale ones are kept but down-ranked.
        ranked = qs.annotate(
            stale=Case(
                When(last_verified_at__gte=cutoff, then=0), default=1, output_field=IntegerField()
            )
        )
        ids = list(
            ranked.order_by("stale", "name", "pk").values_list("pk", flat=True)[
                offset : offset + limit
            ]
        )
        return SearchResult(ids=ids, total=qs.count())
    if not valid_lat_lon(lat, lon):
        return SearchResult(problem="Latitude must be -90..90 and longitude -180..180.")
    radius = radius_km if radius_km is not None else DEFAULT_RADIUS_KM
    if radius <= 0:
        return SearchResult(problem="The radius must be more than zero.")
    nearest = _services_near(lat, lon, radius)
    # The other filters run on those services only: a few hundred rows, by primary key.
    best: dict = {}
    stale: dict = {}
    ids = list(nearest)
    for start in range(0, len(ids), _IN_CHUNK):
        chunk = ids[start : start + _IN_CHUNK]
        qs = _filtered(visible_services(user), chunk, **filters)
        for service_id, verified in qs.order_by().values_list("pk", "last_verified_at"):
            best[service_id] = nearest[service_id]
            stale[service_id] = verified is None or verified < cutoff
    # Nearest first, but a stale listing ranks after every recently verified one.
    ordered = sorted(best, key=lambda sid: (stale[sid], best[sid], str(sid)))
    page = ordered[offset : offset + limit]
    return SearchResult(
        ids=page, total=len(ordered), distances_km={sid: round(best[sid], 2) for sid in page}
    )


def _filtered(
    qs,
    among: list | None,
    *,
    text: str,
    taxonomy_term_id,
    taxonomy_id,
    organization_id,
    active_only: bool,
    free_only: bool,
    day: str,
    part_of_day: str,
    language: str,
    accessible: bool,
):
    """`qs` narrowed by every filter but place, and to the services `among` when given.

    With `among`, categories are checked by reading those services' own attributes (the
    link_id index) and keeping the matches: a broad category ("Health") links tens of
    thousands of services, and left to SQL, SQLite's planner starts from the category's
    index once the id list is long, reading all of them for a search that has a few
    hundred services nearby."""
    if among is not None:
        among = _in_categories(among, taxonomy_term_id, taxonomy_id)
        qs = qs.filter(pk__in=among)
        taxonomy_term_id = taxonomy_id = None
    if active_only:
        qs = qs.filter(status=Service.Status.ACTIVE)
    for word in text.split()[:8]:
        qs = qs.filter(
            Q(name__icontains=word)
            | Q(description__icontains=word)
            | Q(organization__name__icontains=word)
        )
    if taxonomy_term_id:
        linked = Attribute.objects.filter(taxonomy_term_id=taxonomy_term_id)
        qs = qs.filter(pk__in=linked.values("link_id"))
    if taxonomy_id:
        terms = TaxonomyTerm.objects.filter(taxonomy_detail_id=taxonomy_id)
        linked = Attribute.objects.filter(taxonomy_term__in=terms)
        qs = qs.filter(pk__in=linked.values("link_id"))
    if organization_id:
        qs = qs.filter(organization_id=organization_id)
    if free_only:
        qs = qs.filter(
            Q(fees_description__iregex=r"(^|[^a-z])free")
            | Q(cost_options__amount=0)
            | Q(cost_options__option__iexact="free")
        ).distinct()
    if day or part_of_day:
        qs = qs.filter(
            _schedule_q("schedules", day, part_of_day)
            | _schedule_q("service_at_locations__schedules", day, part_of_day)
        ).distinct()
    if language.strip():
        word = language.strip()
        qs = qs.filter(
            Q(languages__name__icontains=word)
            | Q(languages__code__iexact=word)
            | Q(service_at_locations__location__languages__name__icontains=word)
        ).distinct()
    if accessible:
        qs = qs.filter(service_at_locations__location__accessibility__isnull=False).distinct()
    return qs


def _schedule_q(path: str, day: str, part_of_day: str) -> Q:
    """One schedule row (under `path`) open on `day` and during `part_of_day`: both
    conditions sit in one Q, so they must hold for the same row."""
    q = Q()
    if day:
        q &= Q(**{f"{path}__byday__icontains": day})
    if part_of_day in PARTS_OF_DAY:
        _, opens_before, closes_after = PARTS_OF_DAY[part_of_day]
        q &= Q(
            **{
                f"{path}__opens_at__gt": "",
                f"{path}__opens_at__lt": opens_before,
                f"{path}__closes_at__gt": closes_after,
            }
        )
    return q


def _in_categories(ids: list, taxonomy_term_id, taxonomy_id) -> list:
    """Those of `ids` linked to the term and/or to a term of the taxonomy (both, if both
    are given, as the SQL filters would)."""
    if not (taxonomy_term_id or taxonomy_id):
        return ids
    links = Attribute.objects.filter(link_id__in=ids).values_list("link_id", "taxonomy_term_id")
    by_term: dict[str, set] = {}
    for link_id, term_id in links:
        by_term.setdefault(str(term_id), set()).add(link_id)
    keep = set(ids)
    if taxonomy_term_id:
        keep &= by_term.get(str(taxonomy_term_id), set())
    if taxonomy_id:
        terms = TaxonomyTerm.objects.filter(taxonomy_detail_id=taxonomy_id)
        keep &= set().union(
            *(by_term.get(str(t), set()) for t in terms.values_list("pk", flat=True))
        )
    return [i for i in ids if i in keep]


def _services_near(lat: float, lon: float, radius: float) -> dict:
    """{service id: km to its nearest location} within `radius` km, found location-first:
    the (latitude, longitude) index gives the bounding box, great-circle distance trims it
    to the circle, and service_at_location's location index gives the services. Every step
    reads an index, so the cost follows how many services are near, not the directory's
    size (a single joined query let the planner scan every service's text first)."""
    min_lat, max_lat, min_lon, max_lon = bounding_box(lat, lon, radius)
    boxed = Location.objects.filter(
        latitude__range=(min_lat, max_lat), longitude__range=(min_lon, max_lon)
    ).values_list("pk", "latitude", "longitude")
    within = {}
    for pk, llat, llon in boxed:
        d = haversine_km(lat, lon, llat, llon)
        if d <= radius:
            within[pk] = d
    nearest: dict = {}
    locations = list(within)
    for start in range(0, len(locations), _IN_CHUNK):
        chunk = locations[start : start + _IN_CHUNK]
        links = ServiceAtLocation.objects.filter(location_id__in=chunk)
        for service_id, location_id in links.values_list("service_id", "location_id"):
            d = within[location_id]
            if d < nearest.get(service_id, float("inf")):
                nearest[service_id] = d
    return nearest
