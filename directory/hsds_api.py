"""The Open Referral HSDS 3.0 read API under /hsds/ (paths, parameters and the paginated
envelope as in the official openapi.json). Anonymous callers see the public directory only;
staff who may use the directory also see professionals-only listings."""

from __future__ import annotations

import math
import uuid

from django.db.models import Q
from django.http import JsonResponse

from directory import hsds_tables as t
from directory.hsds_export import _Store, services_as_json
from directory.models import Organization, Taxonomy, TaxonomyTerm
from directory.queries import services_for

MAX_PER_PAGE = 200


class BadParameter(ValueError):
    pass


def _int(request, name: str, default: int, lo: int, hi: int) -> int:
    raw = request.GET.get(name)
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except ValueError:
        raise BadParameter(f"{name} must be a whole number.") from None
    if not lo <= value <= hi:
        raise BadParameter(f"{name} must be between {lo} and {hi}.")
    return value


def _float(request, *names: str) -> float | None:
    for name in names:
        raw = request.GET.get(name)
        if raw not in (None, ""):
            try:
                return float(raw)
            except ValueError:
                raise BadParameter(f"{name} must be a number.") from None
    return None


def _uuid(request, name: str):
    raw = request.GET.get(name)
    if raw in (None, ""):
        return None
    try:
        return uuid.UUID(raw)
    except ValueError:
        raise BadParameter(f"{name} must be a UUID.") from None


def _page(request, items: list, total: int, page: int, per_page: int) -> JsonResponse:
    pages = max(1, math.ceil(total / per_page)) if total else 0
    return JsonResponse(
        {
            "total_items": total,
            "total_pages": pages,
            "page_number": page,
            "size": len(items),
            "first_page": page == 1,
            "last_page": page >= pages,
            "empty": len(items) == 0,
            "contents": items,
        }
    )


def _errors(view):
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except BadParameter as exc:
            return JsonResponse({"detail": str(exc)}, status=400)

    wrapper.__name__ = view.__name__
    return wrapper


def _user(request):
    return request.user if request.user.is_authenticated else None


def index(request):
    return JsonResponse(
        {
            "version": "3.0",
            "profile": "https://openreferral.org/",
            "openapi_url": request.build_absolute_uri("/hsds/openapi.json"),
        }
    )


def _list_item(store: _Store, service_id: str) -> dict:
    row = store.rows["service"][service_id]
    item = {c: row[c] for c in t.scalar_columns("service") if c in row}
    item["organization_id"] = row["organization_id"]
    org = store.rows["organization"].get(row["organization_id"])
    if org:
        item["organization"] = {c: org[c] for c in t.scalar_columns("organization") if c in org}
    if row.get("program_id") and row["program_id"] in store.rows["program"]:
        prog = store.rows["program"][row["program_id"]]
        item["program"] = {c: prog[c] for c in t.scalar_columns("program") if c in prog}
    return item


@_errors
def services(request):
    from directory.search import search

    page = _int(request, "page", 1, 1, 10**6)
    per_page = _int(request, "per_page", 50, 1, MAX_PER_PAGE)
    radius_km = _float(request, "radius_km")
    proximity_m = _float(request, "proximity")
    if radius_km is None and proximity_m is not None:
        radius_km = proximity_m / 1000
    result = search(
        _user(request),
        text=request.GET.get("search", ""),
        taxonomy_term_id=_uuid(request, "taxonomy_term_id"),
        taxonomy_id=_uuid(request, "taxonomy_id"),
        organization_id=_uuid(request, "organization_id"),
        postcode=request.GET.get("postcode", ""),
        lat=_float(request, "lat"),
        lon=_float(request, "long", "lon"),
        radius_km=radius_km,
        offset=(page - 1) * per_page,
        limit=per_page,
    )
    if result.problem:
        raise BadParameter(result.problem)
    ids = [str(s) for s in result.ids]
    if request.GET.get("full") == "true":
        full = {s["id"]: s for s in services_as_json(ids)}
        items = [full[i] for i in ids]
    else:
        store = _Store(ids)
        items = [_list_item(store, i) for i in ids]
    return _page(request, items, result.total, page, per_page)


def service(request, service_id):
    if not services_for(_user(request)).filter(pk=service_id).exists():
        return JsonResponse({"detail": "Not found."}, status=404)
    return JsonResponse(services_as_json([str(service_id)])[0])


@_errors
def organizations(request):
    page = _int(request, "page", 1, 1, 10**6)
    per_page = _int(request, "per_page", 50, 1, MAX_PER_PAGE)
    qs = Organization.objects.order_by("name", "pk")
    if text := request.GET.get("search", "").strip():
        qs = qs.filter(Q(name__icontains=text) | Q(description__icontains=text))
    total = qs.count()
    rows = list(qs[(page - 1) * per_page : page * per_page])
    items = [
        {
            c: v
            for c, v in _Store._row("organization", o).items()
            if c in t.scalar_columns("organization")
        }
        for o in rows
    ]
    return _page(request, items, total, page, per_page)


def organization(request, organization_id):
    org = Organization.objects.filter(pk=organization_id).first()
    if org is None:
        return JsonResponse({"detail": "Not found."}, status=404)
    visible = list(
        services_for(_user(request))
        .filter(organization=org)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    store = _Store([str(i) for i in visible])
    if str(org.pk) not in store.rows["organization"]:
        store.rows["organization"][str(org.pk)] = _Store._row("organization", org)
    body = store.nested("organization", str(org.pk))
    body["services"] = [
        {k: v for k, v in store.nested("service", str(sid)).items() if k != "organization"}
        for sid in visible
    ]
    return JsonResponse(body)


@_errors
def taxonomies(request):
    page = _int(request, "page", 1, 1, 10**6)
    per_page = _int(request, "per_page", 50, 1, MAX_PER_PAGE)
    qs = Taxonomy.objects.order_by("name", "pk")
    total = qs.count()
    items = [_Store._row("taxonomy", x) for x in qs[(page - 1) * per_page : page * per_page]]
    return _page(request, items, total, page, per_page)


@_errors
def taxonomy_terms(request):
    page = _int(request, "page", 1, 1, 10**6)
    per_page = _int(request, "per_page", 50, 1, MAX_PER_PAGE)
    qs = TaxonomyTerm.objects.select_related("taxonomy_detail").order_by("name", "pk")
    if taxonomy_id := _uuid(request, "taxonomy_id"):
        qs = qs.filter(taxonomy_detail_id=taxonomy_id)
    if text := request.GET.get("search", "").strip():
        qs = qs.filter(Q(name__icontains=text) | Q(code__icontains=text))
    total = qs.count()
    items = []
    for term in qs[(page - 1) * per_page : page * per_page]:
        item = {
            c: v
            for c, v in _Store._row("taxonomy_term", term).items()
            if c in t.scalar_columns("taxonomy_term")
        }
        if term.taxonomy_detail_id:
            item["taxonomy_detail"] = _Store._row("taxonomy", term.taxonomy_detail)
        items.append(item)
    return _page(request, items, total, page, per_page)
