"""Directory search: words, category, place and distance, scoped to what the user may see.

Used by the HSDS API and the directory pages. Distance filtering narrows candidates with a
bounding box in SQL (indexed latitude/longitude) and measures great-circle distance only
for those.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Case, IntegerField, Q, When
from django.utils import timezone

from directory.models import Attribute, Location, Service, TaxonomyTerm
from directory.queries import services_for

DEFAULT_RADIUS_KM = 10.0


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
    language: str = "",
    accessible: bool = False,
    offset: int = 0,
    limit: int = 50,
) -> SearchResult:
    from places.geo import bounding_box, geocode, haversine_km, valid_lat_lon

    qs = services_for(user)
    if active_only:
        qs = qs.filter(status=Service.Status.ACTIVE)
    for word in text.split()[:8]:
        qs = qs.filter(
            Q(name__icontains=word)
            | Q(description__icontains=word)
            | Q(organization__name__icontains=word)
        )
    if taxonomy_term_id:
        qs = qs.filter(
            pk__in=Attribute.objects.filter(taxonomy_term_id=taxonomy_term_id).values("link_id")
        )
    if taxonomy_id:
        terms = TaxonomyTerm.objects.filter(taxonomy_detail_id=taxonomy_id)
        qs = qs.filter(pk__in=Attribute.objects.filter(taxonomy_term__in=terms).values("link_id"))
    if organization_id:
        qs = qs.filter(organization_id=organization_id)
    if free_only:
        qs = qs.filter(
            Q(fees_description__iregex=r"(^|[^a-z])free")
            | Q(cost_options__amount=0)
            | Q(cost_options__option__iexact="free")
        ).distinct()
    if day:
        qs = qs.filter(
            Q(schedules__byday__icontains=day)
            | Q(service_at_locations__schedules__byday__icontains=day)
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

    if postcode.strip():
        point = geocode(postcode)
        if point is None:
            return SearchResult(problem=f"Unknown postcode or place {postcode.strip()!r}.")
        lat, lon = point
    if (lat is None) != (lon is None):
        return SearchResult(problem="Give both latitude and longitude.")
    cutoff = _stale_cutoff()
    if lat is None:
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
    min_lat, max_lat, min_lon, max_lon = bounding_box(lat, lon, radius)
    nearby = Location.objects.filter(
        latitude__range=(min_lat, max_lat), longitude__range=(min_lon, max_lon)
    )
    best: dict = {}
    stale: dict = {}
    for service_id, llat, llon, verified in qs.filter(
        service_at_locations__location__in=nearby
    ).values_list(
        "pk",
        "service_at_locations__location__latitude",
        "service_at_locations__location__longitude",
        "last_verified_at",
    ):
        d = haversine_km(lat, lon, llat, llon)
        if d <= radius and d < best.get(service_id, float("inf")):
            best[service_id] = d
            stale[service_id] = verified is None or verified < cutoff
    # Nearest first, but a stale listing ranks after every recently verified one.
    ordered = sorted(best, key=lambda sid: (stale[sid], best[sid], str(sid)))
    page = ordered[offset : offset + limit]
    return SearchResult(
        ids=page, total=len(ordered), distances_km={sid: round(best[sid], 2) for sid in page}
    )


def _stale_cutoff():
    return timezone.now() - timezone.timedelta(days=settings.DIRECTORY_STALE_AFTER_DAYS)
