"""Writes for case work. Each action is atomic, checks the case is open, and records its
audit event in the same transaction."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from accounts.permissions import Permission, has_permission
from audit.actions import record_event
from casework import rules
from casework.models import Case, Connection, Contact, Conversation, Goal, PlanAction
from people.consent import fields_shared_with
from socialrx.errors import ConsentMissing, DomainError, InvalidTransition


def _ensure_open(case: Case) -> None:
    """Refuse changes to a discharged case. Reads (and locks) the stored row, not the
    caller's copy, which may predate a discharge made elsewhere."""
    current = Case.objects.select_for_update().only("status", "discharged_at").get(pk=case.pk)
    if current.status != Case.Status.OPEN:
        raise DomainError(
            f"This case was discharged on {current.discharged_at:%-d %B %Y}; it can no "
            "longer be changed."
        )


@transaction.atomic
def open_case(referral, *, link_worker, by) -> Case:
    """Open the case for an accepted referral, held by `link_worker` (same team).

    Precondition: the referral is accepted and has no case yet. Side effect: audit row.
    """
    if link_worker.team_id != referral.team_id or not has_permission(
        link_worker, Permission.WORK_CASES
    ):
        raise DomainError(
            "A case can only be assigned to a link worker in the referral's team.",
            field="link_worker",
        )
    case = Case.objects.create(
        area_id=referral.area_id,
        team_id=referral.team_id,
        person_id=referral.person_id,
        referral=referral,
        link_worker=link_worker,
        opened_at=timezone.now(),
    )
    record_event(by, "create", case, detail={"link_worker": link_worker.username})
    return case


@transaction.atomic
def reassign_case(case: Case, *, link_worker, by) -> Case:
    _ensure_open(case)
    if link_worker.team_id != case.team_id or not has_permission(
        link_worker, Permission.WORK_CASES
    ):
        raise DomainError("Choose a link worker in this team.", field="link_worker")
    case.link_worker = link_worker
    case.save(update_fields=["link_worker"])
    record_event(by, "change", case, detail={"link_worker": link_worker.username})
    return case


@transaction.atomic
def record_conversation(case: Case, *, by, held_on: dt.date, what_matters: str, **fields):
    """Record a "what matters to me" conversation; the latest one is the current profile."""
    _ensure_open(case)
    if not (what_matters or "").strip():
        raise DomainError("Write down what matters to the person.", field="what_matters")
    conversation = Conversation.objects.create(
        case=case,
        area_id=case.area_id,
        held_on=held_on,
        what_matters=what_matters.strip(),
        recorded_by=by,
        **fields,
    )
    record_event(by, "create", conversation, detail={"fields": sorted(fields)})
    return conversation


@transaction.atomic
def add_goal(case: Case, *, text: str, by) -> Goal:
    _ensure_open(case)
    if not (text or "").strip():
        raise DomainError("Write the goal in the person's own words.", field="text")
    goal = Goal.objects.create(case=case, area_id=case.area_id, text=text.strip())
    record_event(by, "create", goal)
    return goal


@transaction.atomic
def set_goal_status(goal: Goal, *, status: str, by) -> Goal:
    _ensure_open(goal.case)
    if status not in Goal.Status.values:
        raise DomainError("Choose how far the goal was achieved.", field="status")
    goal.status = status
    goal.save(update_fields=["status", "updated_at"])
    record_event(by, "change", goal, detail={"status": status})
    return goal


@transaction.atomic
def add_plan_action(
    case: Case, *, description: str, owner: str, by, due_date=None, goal=None, owner_name=""
) -> PlanAction:
    _ensure_open(case)
    if not (description or "").strip():
        raise DomainError("Say what will be done.", field="description")
    if goal is not None and goal.case_id != case.pk:
        raise DomainError("That goal belongs to another case.", field="goal")
    action = PlanAction.objects.create(
        case=case,
        area_id=case.area_id,
        goal=goal,
        description=description.strip(),
        owner=owner,
        owner_name=owner_name,
        due_date=due_date,
    )
    record_event(by, "create", action)
    return action


@transaction.atomic
def complete_plan_action(action: PlanAction, *, by) -> PlanAction:
    _ensure_open(action.case)
    if action.done_at is None:
        action.done_at = timezone.now()
        action.save(update_fields=["done_at"])
        record_event(by, "change", action, detail={"done": True})
    return action


@transaction.atomic
def agree_plan(case: Case, *, by, review_date: dt.date | None = None) -> Case:
    """Mark the plan agreed with the person and set when it is reviewed."""
    _ensure_open(case)
    if not case.goals.exists():
        raise DomainError("Add at least one goal before agreeing the plan.")
    today = timezone.localdate()
    if review_date is not None and review_date < today:
        raise DomainError("The review date must be today or later.", field="review_date")
    case.plan_agreed_at = timezone.now()
    case.review_date = review_date or rules.default_review_date(today)
    case.save(update_fields=["plan_agreed_at", "review_date"])
    record_event(by, "change", case, detail={"plan_agreed": True})
    return case


@transaction.atomic
def propose_connection(case: Case, *, service, by, goal=None, note_to_partner="") -> Connection:
    """Add a service to the plan as a proposed connection (the person chooses; nothing is
    sent until the worker sends it)."""
    _ensure_open(case)
    if case.connections.filter(service=service).exclude(status__in=rules.ENDED).exists():
        raise DomainError(f"{service.name} is already in this person's plan.", field="service")
    connection = Connection.objects.create(
        case=case,
        area_id=case.area_id,
        service=service,
        organization_id=service.organization_id,
        goal=goal,
        note_to_partner=note_to_partner,
        proposed_at=timezone.now(),
    )
    record_event(by, "create", connection, detail={"service": str(service.pk)})
    return connection


def _lock(connection: Connection) -> Connection:
    return (
        Connection.objects.select_for_update()
        .select_related("case", "service")
        .get(pk=connection.pk)
    )


@transaction.atomic
def move_connection(
    connection: Connection,
    *,
    to: str,
    side: str,
    by,
    reason: str = "",
    on: dt.date | None = None,
    accompanied: bool = False,
) -> Connection:
    """Move a connection along its journey (see casework.rules.MOVES for who may do what).

    Sending enforces consent: the person must have agreed to share details with the
    organisation. Declining and dropping need a reason.
    """
    connection = _lock(connection)
    _ensure_open(connection.case)
    error = rules.move_error(connection.status, to, side)
    if error:
        raise InvalidTransition(error)
    reason = (reason or "").strip()
    if rules.needs_reason(connection.status, to) and not reason:
        raise DomainError("Give a reason.", field="reason")
    now = timezone.now()
    if to == rules.SENT:
        if not fields_shared_with(connection.case.person, connection.organization_id):
            raise ConsentMissing(
                f"{connection.case.person.full_name} has not agreed to share details with "
                f"{connection.service.organization}. Record their consent first."
            )
        if not connection.service.is_accepting:
            raise DomainError(f"{connection.service.name} is not taking new people at the moment.")
        connection.sent_at = now
    elif to in (rules.ACCEPTED, rules.DECLINED):
        connection.responded_at = now
        if to == rules.DECLINED:
            connection.decline_reason = reason
    elif to == rules.FIRST_ATTENDED:
        day = on or timezone.localdate()
        if day > timezone.localdate():
            raise DomainError("Attendance cannot be recorded in the future.", field="on")
        connection.first_attended_on = day
        connection.accompanied_first_visit = accompanied
    if to in (rules.COMPLETED, rules.DROPPED):
        connection.ended_at = now
        if to == rules.DROPPED:
            connection.drop_reason = reason
    connection.status = to
    connection.save()
    record_event(by, "change", connection, detail={"status": to, "by_side": side})
    return connection


@transaction.atomic
def record_contact(
    case: Case,
    *,
    happened_on: dt.date,
    mode: str,
    minutes: int,
    by,
    notes: str = "",
    follow_up_due: dt.date | None = None,
) -> Contact:
    """Log a contact with the person; the first one sets the referral's first-contact time."""
    from referrals.actions import mark_first_contact

    _ensure_open(case)
    today = timezone.localdate()
    if happened_on > today:
        raise DomainError("A contact cannot be in the future.", field="happened_on")
    if follow_up_due is not None and follow_up_due < happened_on:
        raise DomainError("The follow-up must be after the contact.", field="follow_up_due")
    if minutes < 0 or minutes > 24 * 60:
        raise DomainError("Minutes must be between 0 and 1440.", field="minutes")
    contact = Contact.objects.create(
        case=case,
        area_id=case.area_id,
        happened_on=happened_on,
        mode=mode,
        minutes=minutes,
        notes=notes,
        follow_up_due=follow_up_due,
        recorded_by=by,
    )
    record_event(by, "create", contact, detail={"mode": mode, "minutes": minutes})
    contact_time = timezone.make_aware(dt.datetime.combine(happened_on, dt.time(12)))
    mark_first_contact(case.referral, at=min(contact_time, timezone.now()), by=by)
    return contact


@transaction.atomic
def discharge_case(case: Case, *, reason: str, by, notes: str = "") -> Case:
    """Discharge the case and close its referral.

    Connections still in progress are not ended silently: the worker must first record how
    each one ended (completed or dropped), so the outcome data stays honest. Proposed
    connections that were never sent are dropped with the discharge as reason.
    """
    from referrals.actions import close_referral

    case = Case.objects.select_for_update().get(pk=case.pk)
    _ensure_open(case)
    if reason not in Case.DischargeReason.values:
        raise DomainError("Choose a discharge reason.", field="reason")
    active = list(case.connections.filter(status__in=rules.ACTIVE).select_related("service"))
    if active:
        names = ", ".join(c.service.name for c in active)
        raise DomainError(f"Record how these connections ended before discharging: {names}.")
    now = timezone.now()
    for connection in case.connections.filter(status=rules.PROPOSED):
        connection.status = rules.DROPPED
        connection.drop_reason = "Not taken up before discharge"
        connection.ended_at = now
        connection.save(update_fields=["status", "drop_reason", "ended_at", "updated_at"])
        record_event(by, "change", connection, detail={"status": rules.DROPPED})
    case.status = Case.Status.DISCHARGED
    case.discharged_at = now
    case.discharge_reason = reason
    case.discharge_notes = notes
    case.save(update_fields=["status", "discharged_at", "discharge_reason", "discharge_notes"])
    record_event(by, "change", case, detail={"status": "discharged", "reason": reason})
    close_referral(case.referral, by=by)
    return case
