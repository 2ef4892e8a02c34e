"""The Open Referral HSDS 3.0 read API under /hsds/: paths, parameters and the paginated
envelope as in the official openapi.json, served by django-ninja, which also serves its
OpenAPI document at /hsds/openapi.json (schemas: directory/hsds_openapi.py).

Anyone may call it. What a caller sees follows the directory's one visibility rule
(directory/access.py): the public view without credentials; a signed-in session or a
Bearer token (as on /api/) shows what that user may see. Errors have the /api/ shape.
"""

from __future__ import annotations

import math
import uuid
from typing import Annotated

from django.db.models import Q
from django.http import JsonResponse
from django.urls import reverse
from ninja import NinjaAPI, Query
from pydantic import BeforeValidator

from directory import hsds_tables as t
from directory.access import (
    get_organization_for_user,
    get_service_for_user,
    visible_locations,
    visible_organizations,
    visible_programs,
    visible_services,
)
from directory.hsds_export import _Store
from directory.hsds_openapi import answers, components, page_of, ref
from directory.models import Taxonomy, TaxonomyTerm
from directory.search import search as find
from socialrx.api_errors import install_error_handlers
from socialrx.auth import BearerToken
from socialrx.errors import DomainError

MAX_PER_PAGE = 200


class HsdsAPI(NinjaAPI):
    def get_openapi_schema(self, **kwargs):
        schema = super().get_openapi_schema(**kwargs)
        schema["components"]["schemas"].update(components())
        return schema

    def get_openapi_operation_id(self, operation) -> str:
        return operation.view_func.__name__


class OptionalBearerToken(BearerToken):
    """A Bearer token if one is sent (a bad one gets 401), else the session's user, else
    the public: ninja needs a true value for "let in", which the anonymous user is."""

    def __call__(self, request):
        if "Authorization" in request.headers:
            return super().__call__(request)
        return request.user


hsds = HsdsAPI(
    title="socialrx HSDS 3.0 API",
    version="3.0",
    description=(
        "The community directory as Open Referral HSDS 3.0. No credentials: the public "
        "view. A Bearer token or a signed-in session: what that user may see, which for "
        "staff includes listings for professionals only."
    ),
    urls_namespace="hsds",
    openapi_url="/openapi.json",
    docs_url="/docs",
    auth=OptionalBearerToken(),
)
install_error_handlers(hsds, invalid_fields_status=400)


def _blank_is_absent(value):
    return None if value == "" else value


Blank = BeforeValidator(_blank_is_absent)
Page = Annotated[int | None, Blank, Query(None, ge=1, le=10**6, description="From 1.")]
PerPage = Annotated[
    int | None, Blank, Query(None, ge=1, le=MAX_PER_PAGE, description="1 to 200; 50 if absent.")
]
Id = Annotated[uuid.UUID | None, Blank]
Number = Annotated[float | None, Blank, Query(None, allow_inf_nan=False)]
Text = Annotated[str, Query("", max_length=200)]


def _page(items: list, total: int, page: int, per_page: int) -> JsonResponse:
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


def _store(viewer, service_ids) -> _Store:
    """The records of these services, with only the places and programs `viewer` sees."""
    return _Store(
        [str(i) for i in service_ids],
        locations=visible_locations(viewer),
        programs=visible_programs(viewer),
    )


@hsds.get(
    "/",
    url_name="index",
    summary="About this API",
    openapi_extra=answers("The HSDS version, profile and this document's URL.", ref("index")),
)
def index(request):
    return JsonResponse(
        {
            "version": "3.0",
            "profile": "https://openreferral.org/",
            "openapi_url": request.build_absolute_uri(reverse("hsds:openapi-json")),
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


@hsds.get(
    "/services",
    url_name="services",
    summary="Search services",
    openapi_extra=answers(
        "A page of services (one-to-one fields; every field with full=true), nearest first "
        "when a place is given, recently verified before stale.",
        page_of("service_list"),
        400,
    ),
)
def services(
    request,
    search: Text = "",
    page: Page = None,
    per_page: PerPage = None,
    taxonomy_term_id: Id = None,
    taxonomy_id: Id = None,
    organization_id: Id = None,
    postcode: Annotated[str, Query("", max_length=20, description="UK postcode or place.")] = "",
    lat: Number = None,
    long: Number = None,
    lon: Annotated[
        float | None, Blank, Query(None, allow_inf_nan=False, description="= long")
    ] = None,
    radius_km: Number = None,
    proximity: Annotated[float | None, Blank, Query(None, description="Radius in metres.")] = None,
    full: Annotated[bool | None, Blank, Query(None, description="Full service objects.")] = None,
):
    page, per_page = page or 1, per_page or 50
    if radius_km is None and proximity is not None:
        radius_km = proximity / 1000
    result = find(
        request.auth,
        text=search,
        taxonomy_term_id=taxonomy_term_id,
        taxonomy_id=taxonomy_id,
        organization_id=organization_id,
        postcode=postcode,
        lat=lat,
        lon=long if long is not None else lon,
        radius_km=radius_km,
        offset=(page - 1) * per_page,
        limit=per_page,
    )
    if result.problem:
        raise DomainError(result.problem)
    ids = [str(s) for s in result.ids]
    store = _store(request.auth, ids)
    items = [store.nested("service", i) if full else _list_item(store, i) for i in ids]
    return _page(items, result.total, page, per_page)


@hsds.get(
    "/services/{service_id}",
    url_name="service",
    summary="One service",
    openapi_extra=answers("The service with everything linked to it.", ref("service"), 404),
)
def service(request, service_id: str):
    svc = get_service_for_user(request.auth, service_id)
    return JsonResponse(_store(request.auth, [svc.pk]).nested("service", str(svc.pk)))


@hsds.get(
    "/organizations",
    url_name="organizations",
    summary="List organizations",
    openapi_extra=answers(
        "A page of the organizations that have a service the caller may see.",
        page_of("organization_list"),
        400,
    ),
)
def organizations(request, search: Text = "", page: Page = None, per_page: PerPage = None):
    page, per_page = page or 1, per_page or 50
    qs = visible_organizations(request.auth).order_by("name", "pk")
    if text := search.strip():
        qs = qs.filter(Q(name__icontains=text) | Q(description__icontains=text))
    total = qs.count()
    columns = t.scalar_columns("organization")
    items = [
        {c: v for c, v in _Store._row("organization", o).items() if c in columns}
        for o in qs[(page - 1) * per_page : page * per_page]
    ]
    return _page(items, total, page, per_page)


@hsds.get(
    "/organizations/{organization_id}",
    url_name="organization",
    summary="One organization",
    openapi_extra=answers(
        "The organization with the services the caller may see.",
        ref("organization_with_services"),
        404,
    ),
)
def organization(request, organization_id: str):
    viewer = request.auth
    org = get_organization_for_user(viewer, organization_id)
    shown = list(
        visible_services(viewer)
        .filter(organization=org)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    store = _store(viewer, shown)
    body = store.nested("organization", str(org.pk))
    body["services"] = [
        {k: v for k, v in store.nested("service", str(sid)).items() if k != "organization"}
        for sid in shown
    ]
    return JsonResponse(body)


@hsds.get(
    "/taxonomies",
    url_name="taxonomies",
    summary="List taxonomies",
    openapi_extra=answers("A page of taxonomies.", page_of("taxonomy"), 400),
)
def taxonomies(request, page: Page = None, per_page: PerPage = None):
    page, per_page = page or 1, per_page or 50
    qs = Taxonomy.objects.order_by("name", "pk")
    total = qs.count()
    items = [_Store._row("taxonomy", x) for x in qs[(page - 1) * per_page : page * per_page]]
    return _page(items, total, page, per_page)


@hsds.get(
    "/taxonomy_terms",
    url_name="taxonomy_terms",
    summary="List taxonomy terms",
    openapi_extra=answers("A page of taxonomy terms.", page_of("taxonomy_term"), 400),
)
def taxonomy_terms(
    request,
    search: Text = "",
    taxonomy_id: Id = None,
    page: Page = None,
    per_page: PerPage = None,
):
    page, per_page = page or 1, per_page or 50
    qs = TaxonomyTerm.objects.select_related("taxonomy_detail").order_by("name", "pk")
    if taxonomy_id:
        qs = qs.filter(taxonomy_detail_id=taxonomy_id)
    if text := search.strip():
        qs = qs.filter(Q(name__icontains=text) | Q(code__icontains=text))
    total = qs.count()
    columns = t.scalar_columns("taxonomy_term")
    items = []
    for term in qs[(page - 1) * per_page : page * per_page]:
        item = {c: v for c, v in _Store._row("taxonomy_term", term).items() if c in columns}
        if term.taxonomy_detail_id:
            item["taxonomy_detail"] = _Store._row("taxonomy", term.taxonomy_detail)
        items.append(item)
    return _page(items, total, page, per_page)
