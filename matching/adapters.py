"""The one adapter from the directory's Django models to the ranker's ServiceDoc.

The directory's HSDS models grow over time (taxonomy, schedules, cost options, eligibility,
service areas, languages, accessibility); this module is the one place that reads them
into matching's documents.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Prefetch, QuerySet

from directory.models import Attribute, Service, ServiceAtLocation
from matching.documents import (
    ServiceDoc,
    access_tags,
    eligibility_from_text,
    free_from_text,
    time_of_day,
    weekdays,
)


def _related(obj, name: str) -> list:
    return list(getattr(obj, name).all())


def services_for_index(ids: Iterable | None = None) -> QuerySet[Service]:
    """Services with everything the adapter reads, in a fixed number of queries."""
    qs = Service.objects.select_related("organization").prefetch_related(
        Prefetch(
            "service_at_locations",
            queryset=ServiceAtLocation.objects.select_related("location"),
        ),
        "service_at_locations__location__accessibility",
        "service_at_locations__location__languages",
        "schedules",
        "cost_options",
        "service_areas",
        "languages",
    )
    if ids is not None:
        qs = qs.filter(pk__in=list(ids))
    return qs.order_by("pk")


def taxonomy_names(service_ids: list) -> dict[str, list[str]]:
    """Taxonomy term names attached to each service (HSDS attributes link by id)."""
    if not service_ids:
        return {}
    out: dict[str, list[str]] = {}
    rows = Attribute.objects.filter(link_entity="service", link_id__in=service_ids)
    for link_id, name in rows.values_list("link_id", "taxonomy_term__name").order_by("pk"):
        if name:
            out.setdefault(str(link_id), []).append(name)
    return out


def _hhmm(value):
    """A time as "HH:MM": a time from the database, or as given to a model not yet
    re-read (an import's "09:30")."""
    return value.strftime("%H:%M") if hasattr(value, "strftime") else value or None


def _schedule(service) -> frozenset[tuple[str, str]]:
    slots = set()
    for sched in _related(service, "schedules"):
        days = weekdays(sched.byday)
        opens, closes = _hhmm(sched.opens_at), _hhmm(sched.closes_at)
        for day in days:
            for tod in time_of_day(opens, closes):
                slots.add((day, tod))
    return frozenset(slots)


def _free(service) -> bool | None:
    options = _related(service, "cost_options")
    if options:
        amounts = [o.amount for o in options]
        if any(a is not None and a > 0 for a in amounts):
            return False
        if all(a is not None for a in amounts):
            return True
    return free_from_text(service.fees_description or service.fees)


def doc_for_service(service: Service, taxonomy: Iterable[str] = ()) -> ServiceDoc:
    points, access_texts, remote = [], [], False
    languages = {lang.name.lower() for lang in _related(service, "languages")}
    for sal in service.service_at_locations.all():
        loc = sal.location
        if loc.location_type == "virtual":
            remote = True
        if loc.latitude is not None and loc.longitude is not None:
            points.append((loc.latitude, loc.longitude))
        access_texts += [a.description for a in _related(loc, "accessibility")]
        languages |= {lang.name.lower() for lang in _related(loc, "languages")}
    # HSDS 3.0 has age fields but states other rules in words; read the plain ones.
    text_min, text_max, sexes = eligibility_from_text(service.eligibility_description)
    areas = {area.name.lower() for area in _related(service, "service_areas") if area.name}
    return ServiceDoc(
        id=str(service.pk),
        name=service.name,
        description=service.description or "",
        organization=service.organization.name,
        eligibility=service.eligibility_description or "",
        taxonomy_terms=tuple(dict.fromkeys(taxonomy)),
        points=tuple(points),
        # No place at all: by phone, online or outreach, so distance does not apply.
        remote=remote or not points,
        schedule=_schedule(service),
        free=_free(service),
        min_age=service.minimum_age if service.minimum_age is not None else text_min,
        max_age=service.maximum_age if service.maximum_age is not None else text_max,
        sexes=sexes,
        areas=frozenset(areas),
        languages=frozenset(languages - {""}),
        accessibility=access_tags(access_texts),
        setting=getattr(service, "setting", "") or "",
        capacity=service.capacity,
        status=service.status,
        visibility=service.visibility,
        last_verified_at=service.last_verified_at,
    )


def docs_for_services(ids: Iterable | None = None) -> list[ServiceDoc]:
    services = list(services_for_index(ids))
    terms = taxonomy_names([s.pk for s in services])
    return [doc_for_service(s, terms.get(str(s.pk), ())) for s in services]
