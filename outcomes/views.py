"""Outcome pages: a case's measures, recording one, one-time links, and the public form."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts.permissions import Permission, has_permission
from audit.actions import record_access, record_list_access
from casework.access import get_case_for_user
from directory.models import TaxonomyTerm
from directory.taxonomy import codes_for_need
from outcomes import actions, queries, schedule
from outcomes.forms import HealthcareUseForm, RecordMeasureForm, SendLinkForm, questionnaire_form
from outcomes.instruments import InstrumentError, get_instrument
from outcomes.models import HealthcareUse, Response, Timepoint
from socialrx.errors import DomainError
from socialrx.forms import apply_domain_error


def _case(request, case_id, *, for_change=False):
    if not has_permission(request.user, Permission.WORK_CASES):
        raise PermissionDenied
    return get_case_for_user(request.user, case_id, for_change=for_change)


# A discharged case may still be measured at discharge (the experience questions) and at
# the follow-up months after it (listed on /outcomes/due/); nothing earlier can be added.
AFTER_DISCHARGE = (Timepoint.DISCHARGE, Timepoint.POST_DISCHARGE)


def _when_allowed(form, case):
    """Offer only the timepoints that can still be recorded for this case."""
    if not case.is_open:
        field = form.fields["timepoint"]
        field.choices = [c for c in Timepoint.choices if c[0] in AFTER_DISCHARGE]
        field.initial = Timepoint.DISCHARGE
    return form


def _page(request, case, status=200, **forms):
    screen = queries.latest_screen(case)
    flagged = []
    if screen is not None:
        definitions = {d["id"]: d for d in get_instrument("hrsn").definition["domains"]}
        flagged = [
            definitions[k] | {"category": _category_for(k)}
            for k, v in screen.domains.items()
            if v == "positive"
        ]
    context = {
        "case": case,
        "person": case.person,
        "due": [(p, p.state(timezone.localdate())) for p in queries.due_for_case(case)],
        "histories": queries.histories_for(case),
        "responses": Response.objects.filter(person_id=case.person_id).order_by("-completed_at"),
        "flagged": flagged,
        "healthcare_use": HealthcareUse.objects.filter(person_id=case.person_id),
        "healthcare_summary": queries.healthcare_use_around_referral(case),
        "record_form": forms.get("record_form") or _when_allowed(RecordMeasureForm(), case),
        "link_form": forms.get("link_form") or _when_allowed(SendLinkForm(), case),
        "link_days": settings.ONE_TIME_LINK_DAYS,
        "use_form": forms.get("use_form") or HealthcareUseForm(),
        "new_link": forms.get("new_link"),
        "link_sent": forms.get("link_sent"),
    }
    return render(request, "outcomes/case.html", context, status=status)


@login_required
def case_outcomes(request, case_id):
    case = _case(request, case_id)
    record_access(request.user, case, detail={"page": "outcomes"})
    return _page(request, case)


@login_required
def record(request, case_id):
    """Choose a questionnaire (GET with measure-* fields) and complete it (POST)."""
    case = _case(request, case_id)
    chooser = _when_allowed(RecordMeasureForm(request.GET or request.POST or None), case)
    if not chooser.is_valid():
        return _page(request, case, status=400, record_form=chooser)
    instrument = get_instrument(chooser.cleaned_data["instrument"])
    form = questionnaire_form(instrument, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            response = actions.record_response(
                case,
                instrument_id=instrument.id,
                answers=form.cleaned_data,
                timepoint=chooser.cleaned_data["timepoint"],
                by=request.user,
                via=Response.Via.LINK_WORKER,
            )
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            messages.success(request, f"{instrument.title} recorded.")
            if response.disclosures:
                messages.warning(request, SAFEGUARDING_RAISED)
            return redirect("outcomes:case", case_id=case.pk)
    return render(
        request,
        "outcomes/record.html",
        {
            "case": case,
            "instrument": instrument,
            "form": form,
            "chooser": chooser,
        },
        status=400 if form.is_bound else 200,
    )


SAFEGUARDING_RAISED = (
    "Safeguarding concern raised: these answers say the person may be at risk of harm. Your "
    "supervisor can see it now; talk to them today."
)


@login_required
@require_POST
def send_link(request, case_id):
    case = _case(request, case_id)
    form = _when_allowed(SendLinkForm(request.POST), case)
    if form.is_valid():
        try:
            _, url = actions.create_one_time_link(
                case,
                instrument_id=form.cleaned_data["instrument"],
                timepoint=form.cleaned_data["timepoint"],
                channel=form.cleaned_data["channel"],
                by=request.user,
            )
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            channel = form.cleaned_data["channel"]
            sent = queries.link_goes_out(channel)
            if sent:
                messages.success(
                    request,
                    f"Link sent. It works once and expires in {settings.ONE_TIME_LINK_DAYS} days.",
                )
            else:
                messages.warning(request, NOT_SENT[channel])
            return _page(request, case, new_link=url, link_sent=sent)
    return _page(request, case, status=400, link_form=form)


NOT_SENT = {
    "sms": "Link not sent: no text message service is set up here, so nothing went to the "
    "person. Give them the link below yourself, or complete the measure together.",
    "email": "Link not sent: no email server is set up here, so nothing went to the person. "
    "Give them the link below yourself, or complete the measure together.",
}


@login_required
@require_POST
def add_healthcare_use(request, case_id):
    case = _case(request, case_id, for_change=True)
    form = HealthcareUseForm(request.POST)
    if form.is_valid():
        try:
            actions.record_healthcare_use(case.person, by=request.user, **form.cleaned_data)
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            messages.success(request, "Healthcare use recorded.")
            return redirect(reverse("outcomes:case", args=[case.pk]) + "#healthcare")
    return _page(request, case, status=400, use_form=form)


DUE_LISTS = {
    schedule.OVERDUE: ("Overdue", "overdue"),
    schedule.THIS_WEEK: ("Due this week", "due this week"),
    schedule.LATER: ("Due later", "due later"),
}
DUE_PAGE_SIZE = 25


@login_required
def due(request):
    """The worker's outcome measures in one list (?when=overdue|week|later), paged."""
    if not has_permission(request.user, Permission.WORK_CASES):
        raise PermissionDenied
    when = request.GET.get("when", schedule.OVERDUE)
    if when not in DUE_LISTS:
        raise Http404("No such list.")
    rows = queries.measure_rows_for(request.user)
    counts = {key: sum(1 for r in rows if r.urgency == key) for key in DUE_LISTS}
    page = Paginator([r for r in rows if r.urgency == when], DUE_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    # One audit event per page of the list shown, naming how many people it showed.
    record_list_access(
        request.user,
        "outcomes.due",
        people=len({row.case.person_id for row in page.object_list}),
        detail={"when": when, "page": page.number},
    )
    return render(
        request,
        "outcomes/due.html",
        {
            "when": when,
            "title": DUE_LISTS[when][0],
            "noun": DUE_LISTS[when][1],
            "lists": [(key, label, counts[key]) for key, (label, _) in DUE_LISTS.items()],
            "page": page,
            "page_range": page.paginator.get_elided_page_range(page.number, on_each_side=2),
            "query": f"when={when}",
        },
    )


def respond(request, token):
    """The person's one-time link: no login, single use, expiring."""
    try:
        link = actions.link_for_token(token)
        instrument = get_instrument(link.instrument)
    except (DomainError, InstrumentError):
        return render(request, "outcomes/link_gone.html", status=410)
    form = questionnaire_form(instrument, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.respond_with_link(token, answers=form.cleaned_data)
        except actions.LinkNoLongerWorks:
            return render(request, "outcomes/link_gone.html", status=410)
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            return render(request, "outcomes/thanks.html")
    return render(
        request,
        "outcomes/respond.html",
        {
            "instrument": instrument,
            "form": form,
            "first_name": link.person.given_name,
        },
        status=400 if form.is_bound else 200,
    )


def _category_for(domain: str):
    """The directory category a flagged need points to (None if the taxonomy isn't loaded)."""
    codes = codes_for_need(domain)
    return TaxonomyTerm.objects.filter(code__in=codes[:1]).values_list("pk", flat=True).first()
