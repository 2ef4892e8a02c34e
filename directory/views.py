# LEAD NOTE: the lead already implemented this module (commits 6764b26..9272917) while
# helpers were starting up. Helpers: read it, then extend, fix and test it; do NOT rewrite
# it wholesale, keep its function names and signatures, and keep
# `pytest tests/test_journey.py` (the end-to-end journey) passing.
from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render

from directory.queries import search_services, services_for


@login_required
def services(request):
    text = request.GET.get("q", "")[:200]
    page = Paginator(search_services(request.user, text), 25).get_page(request.GET.get("page"))
    return render(request, "directory/services.html", {"page": page, "q": text})


@login_required
def service(request, service_id):
    try:
        svc = services_for(request.user).get(pk=service_id)
    except Exception as exc:  # noqa: BLE001 - invalid ids and missing rows are both "not found"
        raise Http404("No such service.") from exc
    return render(request, "directory/service.html", {"service": svc})
