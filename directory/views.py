"""Directory pages: staff search, service pages with problem reports, verification tasks,
partners editing their own listings, and a public self-help search."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts.permissions import Permission, has_permission
from directory import actions
from directory.access import (
    get_own_service_for_partner,
    get_service_for_user,
    is_stale,
    stale_after_days,
    tasks_for,
)
from directory.forms import EditListingForm, ReportProblemForm, SearchForm
from directory.models import Service
from directory.search import search
from socialrx.errors import DomainError
from socialrx.forms import apply_domain_error
from socialrx.pagination import MAX_PAGE

PER_PAGE = 25


def _search_page(request, user, template):
    form = SearchForm(request.GET or None)
    results, total, problem, page = [], 0, None, 1
    if form.is_valid():
        data = form.cleaned_data
        try:
            # Bounded: an absurd page number overflowed the database's OFFSET (500).
            page = min(max(1, int(request.GET.get("page", 1))), MAX_PAGE)
        except ValueError:
            page = 1
        result = search(
            user,
            text=data["q"] or "",
            taxonomy_term_id=data["category"].pk if data["category"] else None,
            postcode=data["postcode"] or "",
            radius_km=data["radius_km"],
            day=data["day"] or "",
            part_of_day=data["time"] or "",
            language=data["language"] or "",
            free_only=data["free_only"],
            accessible=data["accessible"],
            active_only=True,
            offset=(page - 1) * PER_PAGE,
            limit=PER_PAGE,
        )
        problem, total = result.problem, result.total
        if problem:
            form.add_error("postcode", problem)
        by_id = Service.objects.select_related("organization").in_bulk(result.ids)
        results = [(by_id[i], result.distances_km.get(i)) for i in result.ids if i in by_id]
    rows = [(s, d, is_stale(s)) for s, d in results]
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        template,
        {
            "form": form,
            "rows": rows,
            "total": total,
            "page": page,
            "has_next": page * PER_PAGE < total,
            "query": query.urlencode(),
        },
    )


@login_required
def services(request):
    if not has_permission(request.user, Permission.VIEW_DIRECTORY):
        raise PermissionDenied
    return _search_page(request, request.user, "directory/services.html")


def public_services(request):
    """Self-help: public listings only, whoever is asking."""
    return _search_page(request, None, "directory/public.html")


@login_required
def service(request, service_id):
    if not has_permission(request.user, Permission.VIEW_DIRECTORY):
        raise PermissionDenied
    svc = get_service_for_user(request.user, service_id)
    return _service_page(request, svc, ReportProblemForm())


def _service_page(request, svc, form, status=200):
    sals = svc.service_at_locations.select_related("location").prefetch_related(
        "location__addresses", "location__accessibility", "schedules"
    )
    return render(
        request,
        "directory/service.html",
        {
            "service": svc,
            "sals": sals,
            "schedules": svc.schedules.all(),
            "report_form": form,
            "stale": is_stale(svc),
            "stale_after_days": stale_after_days(),
            "can_edit": request.user.organization_id == svc.organization_id
            and has_permission(request.user, Permission.HANDLE_CONNECTIONS),
        },
        status=status,
    )


@login_required
@require_POST
def report(request, service_id):
    if not has_permission(request.user, Permission.VIEW_DIRECTORY):
        raise PermissionDenied
    svc = get_service_for_user(request.user, service_id)
    form = ReportProblemForm(request.POST)
    if form.is_valid():
        try:
            actions.report_problem(svc, by=request.user, **form.cleaned_data)
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(
                request, "Thank you. The organisation has been asked to check this listing."
            )
            return redirect("directory:service", service_id=svc.pk)
    return _service_page(request, svc, form, status=400)


@login_required
def tasks(request):
    if not has_permission(request.user, Permission.VIEW_DIRECTORY):
        raise PermissionDenied
    return render(
        request,
        "directory/tasks.html",
        {
            "tasks": tasks_for(request.user),
            "is_partner": has_permission(request.user, Permission.HANDLE_CONNECTIONS),
        },
    )


@login_required
@require_POST
def verify(request, service_id):
    svc = get_own_service_for_partner(request.user, service_id)
    outcome = request.POST.get("outcome", "confirm")
    changes = {
        "confirm": {},
        "full": {"capacity": Service.Capacity.FULL},
        "closed": {"status": Service.Status.INACTIVE},
    }.get(outcome)
    if changes is None:
        raise PermissionDenied
    actions.verify_service(svc, by=request.user, resolution=f"Organisation: {outcome}", **changes)
    messages.success(request, f"{svc.name}: thank you, the listing is marked as checked.")
    return redirect("directory:tasks")


@login_required
def edit(request, service_id):
    svc = get_own_service_for_partner(request.user, service_id)
    form = EditListingForm(request.POST or None, instance=svc)
    if request.method == "POST" and form.is_valid():
        changes = {k: form.cleaned_data[k] for k in form.fields}
        svc.refresh_from_db()
        try:
            actions.update_listing(svc, by=request.user, **changes)
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            messages.success(request, "Listing saved and marked as checked today.")
            return redirect("directory:service", service_id=svc.pk)
    return render(
        request,
        "directory/edit.html",
        {"service": svc, "form": form},
        status=400 if form.errors else 200,
    )


@login_required
def my_listings(request):
    if not (
        has_permission(request.user, Permission.HANDLE_CONNECTIONS) and request.user.organization_id
    ):
        raise PermissionDenied
    listings = Service.objects.filter(organization_id=request.user.organization_id)
    return render(request, "directory/my_listings.html", {"listings": listings})
