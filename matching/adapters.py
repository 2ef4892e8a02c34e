"""The one adapter from the directory's Django models to the ranker's ServiceDoc.

The directory's HSDS models grow over time (taxonomy, schedules, cost options, eligibility,
service areas, languages, accessibility); this module is the one place that reads them
into matching's documents. Every one of those models exists now: the checks that a field or
model is there (`_has`, `_model`) are left from when they were being added, and can go
(TODO(#19), with the engine rework).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.apps import apps as django_apps
from django.db.models import Prefetch, QuerySet

from directory.models import Location, Service, ServiceAtLocation
from matching.documents import (
    ServiceDoc,
    access_tags,
    eligibility_from_text,
    free_from_text,
    time_of_day,
    weekdays,
)


def _has(model, name: str) -> bool:
    try:
        model._meta.get_field(name)
    except Exception:  # noqa: BLE001 - FieldDoesNotExist and friends: the field is not there
        return False
    return True


def _related(obj, name: str) -> list:
    manager = getattr(obj, name, None)
    return list(manager.all()) if manager is not None and hasattr(manager, "all") else []


def _model(name: str):
    try:
        return django_apps.get_model("directory", name)
    except LookupError:
        return None


def services_for_index(ids: Iterable | None = None) -> QuerySet[Service]:
    """Services with everything the adapter reads, in a fixed number of queries."""
    location_parts = [
        f"service_at_locations__location__{name}"
        for name in ("accessibility", "languages")
        if _has(Location, name)
    ]
    qs = Service.objects.select_related("organization").prefetch_related(
        Prefetch(
            "service_at_locations",
            queryset=ServiceAtLocation.objects.select_related("location"),
        ),
        *location_parts,
    )
    for name in ("schedules", "cost_options", "service_areas", "languages"):
        if _has(Service, name):
            qs = qs.prefetch_related(name)
    if ids is not None:
        qs = qs.filter(pk__in=list(ids))
    return qs.order_by("pk")


def taxonomy_names(service_ids: list) -> dict[str, list[str]]:
    """Taxonomy term names attached to each service (HSDS attributes link by id)."""
    attribute = _model("Attribute")
    if attribute is None or not service_ids:
        return {}
    out: dict[str, list[str]] = {}
    rows = attribute.objects.filter(link_entity="service", link_id__in=service_ids)
    for link_id, name in rows.values_list("link_id", "taxonomy_term__name").order_by("pk"):
        if name:
            out.setdefault(str(link_id), []).append(name)
    return out


def _schedule(service) -> frozenset[tuple[str, str]]:
    slots = set()
    for sched in _related(service, "schedules"):
        days = weekdays(getattr(sched, "byday", ""))
        opens = getattr(sched, "opens_at", None)
        closes = getattr(sched, "closes_at", None)
        opens = opens.strftime("%H:%M") if hasattr(opens, "strftime") else opens
        closes = closes.strftime("%H:%M") if hasattr(closes, "strftime") else closes
        for day in days:
            for tod in time_of_day(opens, closes):
                slots.add((day, tod))
    return frozenset(slots)


def _free(service) -> bool | None:
    options = _related(service, "cost_options")
    if options:
        amounts = [getattr(o, "amount", None) for o in options]
        if any(a is not None and a > 0 for a in amounts):
            return False
        if all(a is not None for a in amounts):
            return True
    return free_from_text(service.fees_description or getattr(service, "fees", ""))


def doc_for_service(service: Service, taxonomy: Iterable[str] = ()) -> ServiceDoc:
    points, access_texts, remote = [], [], False
    languages = {getattr(lang, "name", "").lower() for lang in _related(service, "languages")}
    for sal in service.service_at_locations.all():
        loc = sal.location
        if getattr(loc, "location_type", "physical") == "virtual":
            remote = True
        if loc.latitude is not None and loc.longitude is not None:
            points.append((loc.latitude, loc.longitude))
        access_texts += [getattr(a, "description", "") for a in _related(loc, "accessibility")]
        languages |= {getattr(lang, "name", "").lower() for lang in _related(loc, "languages")}
    # HSDS 3.0 has age fields but states other rules in words; read the plain ones.
    text_min, text_max, sexes = eligibility_from_text(service.eligibility_description)
    areas = set()
    for area in _related(service, "service_areas"):
        for attr in ("name", "code"):
            if getattr(area, attr, ""):
                areas.add(str(getattr(area, attr)).lower())
    return ServiceDoc(
        id=str(service.pk),
        name=service.name,
        description=service.description or "",
        organization=service.organization.name,
        eligibility=service.eligibility_description or "",
        taxonomy_terms=tuple(dict.fromkeys(taxonomy)),
        points=tuple(points),
        # No place at all: by phone, online or outreach, so distance does not apply.
        remote=remote or not points or getattr(service, "delivery", "") in {"online", "phone"},
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
