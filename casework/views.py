"""Case work pages for link workers. Each POST view: access check, form, one action."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts.permissions import Permission, has_permission
from audit.actions import record_access, record_list_access
from casework import actions, forms, rules
from casework.access import get_case_for_user
from casework.models import Case, Goal, PlanAction
from casework.queries import caseload_for, cases_for
from directory.models import Service
from socialrx.errors import DomainError
from socialrx.forms import apply_domain_error


def _services_for_picker(*, for_display: bool = False):
    """Every active service, for the "add a service to the plan" select. Shown, it needs
    only each service's id and name (the page lists over a hundred); a proposal reads the
    chosen one whole."""
    services = Service.objects.filter(status=Service.Status.ACTIVE)
    return services.only("pk", "name") if for_display else services


def _case_context(request, case, **overrides):
    conversation = case.conversations.first()
    goals = list(case.goals.all())
    connections = list(case.connections.select_related("service__organization"))
    for c in connections:
        c.worker_moves = rules.moves_from(c.status, rules.WORKER, discharged=not case.is_open)
    context = {
        "case": case,
        "person": case.person,
        "conversation": conversation,
        "goals": goals,
        "plan_actions": case.actions.all(),
        "connections": connections,
        "contacts": case.contacts.all()[:20],
        "open_concerns": case.safeguarding_concerns.filter(reviewed_at__isnull=True),
        "conversation_form": forms.ConversationForm(),
        "goal_form": forms.GoalForm(),
        "action_form": forms.PlanActionForm(),
        "agree_form": forms.AgreePlanForm(),
        "propose_form": forms.ProposeConnectionForm(
            services=_services_for_picker(for_display=True)
        ),
        "contact_form": forms.ContactForm(),
        "discharge_form": forms.DischargeForm(),
        "goal_statuses": Goal.Status.choices,
        "today": timezone.localdate(),
    }
    context.update(overrides)
    return context


@login_required
def caseload(request):
    if not has_permission(request.user, Permission.WORK_CASES):
        raise PermissionDenied
    mine = request.GET.get("show") != "team"
    cases = list(_listed(caseload_for(request.user, mine_only=mine)))
    _audit_list(request, "casework.caseload", cases, show="mine" if mine else "team")
    return render(request, "casework/caseload.html", {"cases": cases, "mine": mine})


def _listed(cases):
    """A list of cases shows the person and the link worker; the referral (joined by
    cases_for for the pages that show it) is read through its id alone."""
    return cases.select_related(None).select_related("person", "link_worker")


def _audit_list(request, list_name: str, cases: list, **detail) -> None:
    """One audit event per list of people shown, naming how many (not one per row)."""
    people = len({case.person_id for case in cases})
    record_list_access(request.user, list_name, people=people, detail=detail)


@login_required
def case_detail(request, case_id):
    if not has_permission(request.user, Permission.WORK_CASES):
        raise PermissionDenied
    case = get_case_for_user(request.user, case_id)
    record_access(request.user, case)
    return render(request, "casework/case.html", _case_context(request, case))


def _post(request, case_id, form_class, action, form_key, **form_kwargs):
    """Shared POST handling: scoped fetch, validate, call the action, redirect or re-render."""
    if not has_permission(request.user, Permission.WORK_CASES):
        raise PermissionDenied
    case = get_case_for_user(request.user, case_id, for_change=True)
    form = form_class(request.POST, **form_kwargs)
    if form.is_valid():
        try:
            message = action(case, form.cleaned_data)
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            messages.success(request, message)
            return redirect("casework:case", case_id=case.pk)
    context = _case_context(request, case, **{form_key: form, "open_panel": form_key})
    return render(request, "casework/case.html", context, status=400)


@login_required
@require_POST
def add_conversation(request, case_id):
    def act(case, data):
        held_on = data.pop("held_on")
        what = data.pop("what_matters")
        actions.record_conversation(
            case, by=request.user, held_on=held_on, what_matters=what, **data
        )
        return "Conversation recorded."

    return _post(request, case_id, forms.ConversationForm, act, "conversation_form")


@login_required
@require_POST
def add_goal(request, case_id):
    def act(case, data):
        actions.add_goal(case, text=data["text"], by=request.user)
        return "Goal added."

    return _post(request, case_id, forms.GoalForm, act, "goal_form")


@login_required
@require_POST
def set_goal_status(request, case_id, goal_id):
    def act(case, data):
        goal = get_object_or_404(Goal, pk=goal_id, case=case)
        actions.set_goal_status(goal, status=data["status"], by=request.user)
        return "Goal updated."

    return _post(request, case_id, forms.GoalStatusForm, act, "goal_status_form")


@login_required
@require_POST
def add_action(request, case_id):
    def act(case, data):
        actions.add_plan_action(case, by=request.user, **data)
        return "Action added to the plan."

    return _post(request, case_id, forms.PlanActionForm, act, "action_form")


@login_required
@require_POST
def complete_action(request, case_id, action_id):
    def act(case, data):
        plan_action = get_object_or_404(PlanAction, pk=action_id, case=case)
        actions.complete_plan_action(plan_action, by=request.user)
        return "Action marked done."

    return _post(request, case_id, _EmptyForm, act, "complete_form")


@login_required
@require_POST
def agree_plan(request, case_id):
    def act(case, data):
        actions.agree_plan(case, by=request.user, review_date=data["review_date"])
        return "Plan agreed."

    return _post(request, case_id, forms.AgreePlanForm, act, "agree_form")


@login_required
@require_POST
def propose_connection(request, case_id):
    def act(case, data):
        c = actions.propose_connection(
            case, service=data["service"], by=request.user, note_to_partner=data["note_to_partner"]
        )
        return f"{c.service.name} added to the plan."

    return _post(
        request,
        case_id,
        forms.ProposeConnectionForm,
        act,
        "propose_form",
        services=_services_for_picker(),
    )


@login_required
@require_POST
def move_connection(request, case_id, connection_id):
    def act(case, data):
        connection = get_object_or_404(case.connections, pk=connection_id)
        moved = actions.move_connection(
            connection,
            to=data["to"],
            side=rules.WORKER,
            by=request.user,
            reason=data["reason"],
            on=data["on"],
            accompanied=data["accompanied"],
        )
        return f"{moved.service.name}: {moved.get_status_display().lower()}."

    return _post(request, case_id, forms.MoveConnectionForm, act, "move_form")


@login_required
@require_POST
def add_contact(request, case_id):
    def act(case, data):
        actions.record_contact(case, by=request.user, **data)
        return "Contact logged."

    return _post(request, case_id, forms.ContactForm, act, "contact_form")


@login_required
@require_POST
def discharge(request, case_id):
    def act(case, data):
        actions.discharge_case(case, reason=data["reason"], notes=data["notes"], by=request.user)
        continuing = case.connections.filter(independent_since__isnull=False)
        names = ", ".join(c.service.name for c in continuing.select_related("service"))
        carry_on = f" Continuing independently with: {names}." if names else ""
        ask = (
            ""
            if data["reason"] in ("died", "no_contact")
            else " Ask them the experience questions: Outcome measures, questionnaire "
            "'Your experience of social prescribing', when 'Discharge'."
        )
        return f"{case.person.full_name} has been discharged.{carry_on}{ask}"

    return _post(request, case_id, forms.DischargeForm, act, "discharge_form")


class _EmptyForm(forms.forms.Form):
    pass


@login_required
def safeguarding(request, case_id):
    """The case's safeguarding concerns; supervisors close open ones with a note (POST)."""
    if not has_permission(request.user, Permission.WORK_CASES):
        raise PermissionDenied
    case = get_case_for_user(request.user, case_id)
    open_concerns = case.safeguarding_concerns.filter(reviewed_at__isnull=True)
    form = None
    if request.method == "POST":
        if not has_permission(request.user, Permission.SUPERVISE):
            raise PermissionDenied("Only a supervisor can close a safeguarding concern.")
        form = forms.CloseConcernForm(request.POST, concerns=open_concerns)
        if form.is_valid():
            try:
                actions.close_safeguarding_concern(by=request.user, **form.cleaned_data)
            except DomainError as exc:
                apply_domain_error(form, exc)
            else:
                messages.success(request, "Safeguarding concern closed.")
                return redirect("casework:safeguarding", case_id=case.pk)
    else:
        record_access(request.user, case, detail={"page": "safeguarding"})
    return render(
        request,
        "casework/safeguarding.html",
        {
            "case": case,
            "person": case.person,
            "bound": form,
            "concerns": forms.concern_forms(
                case.safeguarding_concerns.select_related("entered_by", "reviewed_by"),
                bound=form,
                may_close=has_permission(request.user, Permission.SUPERVISE),
            ),
        },
        status=400 if form is not None else 200,
    )


@login_required
def team_cases(request):
    """Supervisors: the team's open cases by worker."""
    if not has_permission(request.user, Permission.SUPERVISE):
        raise PermissionDenied
    cases = list(_listed(cases_for(request.user).filter(status=Case.Status.OPEN)))
    _audit_list(request, "casework.team_cases", cases)
    return render(request, "casework/caseload.html", {"cases": cases, "mine": False})
