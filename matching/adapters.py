"""The one adapter from the directory's Django models to the ranker's ServiceDoc.

The directory's HSDS models grow over time (taxonomy, schedules, cost options, eligibility,
service areas, languages, accessibility); this module reads each part only when the model
has it, so matching keeps working while they land.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Prefetch, QuerySet

from directory.models import Service, ServiceAtLocation
from matching.documents import ServiceDoc, access_tags, free_from_text, time_of_day

_HSDS_DAYS = {"MO": "mon", "TU": "tue", "WE": "wed", "TH": "thu", "FR": "fri"}
_HSDS_DAYS |= {"SA": "sat", "SU": "sun"}


def _has(model, name: str) -> bool:
    try:
        model._meta.get_field(name)
    except Exception:  # noqa: BLE001 - FieldDoesNotExist and friends: the field is not there
        return False
    return True


def _related(obj, name: str) -> list:
    manager = getattr(obj, name, None)
    return list(manager.all()) if manager is not None and hasattr(manager, "all") else []


def services_for_index(ids: Iterable | None = None) -> QuerySet[Service]:
    """Services with everything the adapter reads, in a fixed number of queries."""
    qs = Service.objects.select_related("organization").prefetch_related(
        Prefetch(
            "service_at_locations",
            queryset=ServiceAtLocation.objects.select_related("location"),
        )
    )
    for name in ("attributes", "taxonomy_terms", "schedules", "cost_options", "service_areas"):
        if _has(Service, name):
            qs = qs.prefetch_related(name)
    for name in ("languages", "eligibilities", "accessibility"):
        if _has(Service, name):
            qs = qs.prefetch_related(name)
    if ids is not None:
        qs = qs.filter(pk__in=list(ids))
    return qs.order_by("pk")


def _taxonomy(service) -> tuple[str, ...]:
    names = []
    for attr in _related(service, "attributes"):
        term = getattr(attr, "taxonomy_term", None)
        if term is not None and getattr(term, "name", ""):
            names.append(term.name)
    names += [t.name for t in _related(service, "taxonomy_terms") if getattr(t, "name", "")]
    return tuple(dict.fromkeys(names))


def _schedule(service) -> frozenset[tuple[str, str]]:
    slots = set()
    for sched in _related(service, "schedules"):
        days = [
            _HSDS_DAYS.get(d.strip().upper())
            for d in (getattr(sched, "byday", "") or "").split(",")
        ]
        opens = getattr(sched, "opens_at", None)
        closes = getattr(sched, "closes_at", None)
        opens = opens.strftime("%H:%M") if hasattr(opens, "strftime") else opens
        closes = closes.strftime("%H:%M") if hasattr(closes, "strftime") else closes
        for day in filter(None, days):
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
    return free_from_text(service.fees_description)


def doc_for_service(service: Service) -> ServiceDoc:
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
    access_texts += [getattr(a, "description", "") for a in _related(service, "accessibility")]
    sexes, conditions = set(), set()
    for rule in _related(service, "eligibilities"):
        kind = getattr(rule, "kind", "") or getattr(rule, "eligible_type", "")
        values = getattr(rule, "values", None) or [getattr(rule, "value", "")]
        if kind in {"sex", "gender"}:
            sexes |= {str(v).lower() for v in values if v}
        elif kind in {"condition", "health_condition"}:
            conditions |= {str(v).lower() for v in values if v}
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
        taxonomy_terms=_taxonomy(service),
        points=tuple(points),
        # No place at all: by phone, online or outreach, so distance does not apply.
        remote=remote or not points or getattr(service, "delivery", "") in {"online", "phone"},
        schedule=_schedule(service),
        free=_free(service),
        min_age=service.minimum_age,
        max_age=service.maximum_age,
        sexes=frozenset(sexes),
        areas=frozenset(areas),
        conditions=frozenset(conditions),
        languages=frozenset(languages - {""}),
        accessibility=access_tags(access_texts),
        setting=getattr(service, "setting", "") or "",
        capacity=service.capacity,
        status=service.status,
        visibility=service.visibility,
        last_verified_at=service.last_verified_at,
    )


def docs_for_services(ids: Iterable | None = None) -> list[ServiceDoc]:
    return [doc_for_service(s) for s in services_for_index(ids)]
