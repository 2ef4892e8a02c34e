"""Writes for case work. Each action is atomic, checks the case is open, and records its
audit event in the same transaction."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from accounts.permissions import Permission, has_permission
from audit.actions import record_event
from casework import rules, signals
from casework.models import (
    Case,
    Connection,
    Contact,
    Conversation,
    Goal,
    PlanAction,
    SafeguardingConcern,
)
from people.actions import update_person
from people.consent import fields_shared_with
from socialrx.errors import Conflict, ConsentMissing, DomainError, InvalidTransition


def _lock_case(case: Case) -> Case:
    """The stored row, locked: not the caller's copy, which may predate a discharge made
    elsewhere."""
    return Case.objects.select_for_update().only("status", "discharged_at").get(pk=case.pk)


def _discharged(case: Case) -> DomainError:
    return DomainError(
        f"This case was discharged on {case.discharged_at:%-d %B %Y}; it can no longer be changed."
    )


def _ensure_open(case: Case) -> None:
    """Refuse changes to a discharged case."""
    current = _lock_case(case)
    if current.status != Case.Status.OPEN:
        raise _discharged(current)


def _received_on(case: Case) -> dt.date:
    return timezone.localdate(case.referral.received_at)


def _check_date(day: dt.date, *, field: str, what: str, not_before: dt.date, since: str):
    error = rules.date_error(
        day, what=what, not_before=not_before, since=since, today=timezone.localdate()
    )
    if error:
        raise DomainError(error, field=field)


@transaction.atomic
def open_case(referral, *, link_worker, by, at: dt.datetime | None = None) -> Case:
    """Open the case for an accepted referral, held by `link_worker` (same team); `at`
    dates a case opened earlier (an imported history).

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
        opened_at=at or timezone.now(),
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
    _check_date(
        held_on,
        field="held_on",
        what="The conversation",
        not_before=_received_on(case),
        since="the referral was received",
    )
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
def propose_connection(
    case: Case, *, service, by, goal=None, note_to_partner="", at: dt.datetime | None = None
) -> Connection:
    """Add a service to the plan as a proposed connection (the person chooses; nothing is
    sent until the worker sends it). `at` dates a proposal made earlier (an import)."""
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
        proposed_at=at or timezone.now(),
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
    at: dt.datetime | None = None,
) -> Connection:
    """Move a connection along its journey (see casework.rules.MOVES for who may do what).

    Sending enforces consent: the person must have agreed to share details with the
    organisation. Declining and dropping need a reason. A first visit is dated from the day
    the connection was sent up to today. After discharge only the partner may move a
    connection that continues independently.

    `at` dates a move made earlier (an imported history). Such a move skips the check that
    the service takes new people: its capacity today says nothing about then.
    """
    connection = _lock(connection)
    case = _lock_case(connection.case)
    if case.status != Case.Status.OPEN and not (
        side == rules.PARTNER and connection.continues_independently
    ):
        raise _discharged(case)
    error = rules.move_error(connection.status, to, side)
    if error:
        raise InvalidTransition(error)
    reason = (reason or "").strip()
    if rules.needs_reason(connection.status, to) and not reason:
        raise DomainError("Give a reason.", field="reason")
    now = at or timezone.now()
    if to == rules.SENT:
        if not fields_shared_with(connection.case.person, connection.organization_id):
            raise ConsentMissing(
                f"{connection.case.person.full_name} has not agreed to share details with "
                f"{connection.service.organization}. Record their consent first."
            )
        if at is None and not connection.service.is_accepting:
            raise DomainError(f"{connection.service.name} is not taking new people at the moment.")
        connection.sent_at = now
    elif to in (rules.ACCEPTED, rules.DECLINED):
        connection.responded_at = now
        if to == rules.DECLINED:
            connection.decline_reason = reason
    elif to == rules.FIRST_ATTENDED:
        day = on or timezone.localdate()
        sent_at = connection.sent_at or connection.case.referral.received_at
        _check_date(
            day,
            field="on",
            what="The first visit",
            not_before=timezone.localdate(sent_at),
            since="the connection was sent",
        )
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
    """Log a contact with the person; the first one sets the referral's first-contact time
    (referrals.handover, on casework.signals.contact_recorded).

    The contact is dated from the day the referral was received up to today. Without a
    user `by` (an imported history), it is recorded as the case's link worker's.
    """
    _ensure_open(case)
    _check_date(
        happened_on,
        field="happened_on",
        what="The contact",
        not_before=_received_on(case),
        since="the referral was received",
    )
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
        # Without a user (an import run by a command) the contact is the case's link worker's.
        recorded_by=by if (by is not None and by.pk) else case.link_worker,
    )
    record_event(by, "create", contact, detail={"mode": mode, "minutes": minutes})
    contact_time = timezone.make_aware(dt.datetime.combine(happened_on, dt.time(12)))
    signals.contact_recorded.send(Case, case=case, at=min(contact_time, timezone.now()), by=by)
    return contact


@transaction.atomic
def discharge_case(
    case: Case, *, reason: str, by, notes: str = "", at: dt.datetime | None = None
) -> Case:
    """Discharge the case and close its referral.

    Connections the person has taken up (accepted, first attended, ongoing) continue
    independently: they keep their status, get `independent_since`, and the organisation can
    still record how they go; they are not counted as completed or dropped. A connection still
    waiting for the organisation's answer blocks discharge (settle it first). Proposals never
    sent are dropped with the discharge as reason. `at` dates a discharge made earlier (an
    imported history). Side effects: audit rows for the case and each connection changed;
    the referral closes (referrals.handover, on casework.signals.case_discharged).
    """
    case = Case.objects.select_for_update().get(pk=case.pk)
    _ensure_open(case)
    if reason not in Case.DischargeReason.values:
        raise DomainError("Choose a discharge reason.", field="reason")
    waiting = list(
        case.connections.filter(status__in=rules.BLOCKS_DISCHARGE).select_related("service")
    )
    if waiting:
        names = ", ".join(c.service.name for c in waiting)
        raise DomainError(
            f"These organisations have not answered yet: {names}. Wait for their answer, or "
            "record the connection as dropped, before discharging."
        )
    now = at or timezone.now()
    for connection in case.connections.filter(status=rules.PROPOSED):
        connection.status = rules.DROPPED
        connection.drop_reason = "Not taken up before discharge"
        connection.ended_at = now
        connection.save(update_fields=["status", "drop_reason", "ended_at", "updated_at"])
        record_event(by, "change", connection, detail={"status": rules.DROPPED})
    for connection in case.connections.filter(status__in=rules.CONTINUE_AT_DISCHARGE):
        connection.independent_since = now
        connection.save(update_fields=["independent_since", "updated_at"])
        record_event(by, "change", connection, detail={"continuing_independently": True})
    case.status = Case.Status.DISCHARGED
    case.discharged_at = now
    case.discharge_reason = reason
    case.discharge_notes = notes
    case.save(update_fields=["status", "discharged_at", "discharge_reason", "discharge_notes"])
    record_event(by, "change", case, detail={"status": Case.Status.DISCHARGED, "reason": reason})
    signals.case_discharged.send(Case, case=case, by=by)
    return case


@transaction.atomic
def raise_safeguarding_concern(case: Case, *, reasons: list[str], response, by):
    """Record that a questionnaire's answers disclosed a possible risk of harm, for a
    supervisor to review, and set the person's safeguarding flag.

    `reasons` are disclosure codes from the instrument file; `by` entered the answers (None
    when the person answered on their one-time link). Raised on a discharged case too: a
    disclosure is never dropped. Side effects: a "create" audit row with the reason codes,
    and the person's flag (audited by people.actions.update_person).
    """
    if not reasons:
        raise DomainError("A safeguarding concern needs a reason.")
    entered_by = by if (by is not None and by.pk) else None
    concern = SafeguardingConcern.objects.create(
        area_id=case.area_id,
        case=case,
        person_id=case.person_id,
        source=SafeguardingConcern.Source.MEASURE,
        response=response,
        instrument=response.instrument,
        entered_via=response.via,
        entered_by=entered_by,
        reasons=list(reasons),
        raised_at=timezone.now(),
    )
    record_event(
        by,
        "create",
        concern,
        detail={"source": concern.source, "instrument": concern.instrument, "reasons": reasons},
    )
    update_person(case.person, by=by, safeguarding_flag=True)
    return concern


@transaction.atomic
def close_safeguarding_concern(
    concern: SafeguardingConcern, *, outcome_note: str, keep_flag: bool, by
) -> SafeguardingConcern:
    """A supervisor records what was decided and closes the concern.

    Needs the SUPERVISE permission and a note. `keep_flag` says whether the person keeps the
    safeguarding flag; it stays anyway while another of their concerns is open. Raises
    Conflict when the concern was already closed. Side effects: a "change" audit row (no
    note text), and the person's flag (audited by people.actions.update_person).
    """
    if not has_permission(by, Permission.SUPERVISE):
        raise DomainError("Only a supervisor can close a safeguarding concern.")
    current = (
        SafeguardingConcern.objects.select_for_update(of=("self",))
        .select_related("person")
        .get(pk=concern.pk)
    )
    if current.reviewed_at is not None:
        raise Conflict(
            f"This concern was already reviewed by {current.reviewed_by} on "
            f"{timezone.localtime(current.reviewed_at):%-d %B %Y}."
        )
    note = (outcome_note or "").strip()
    if not note:
        raise DomainError("Say what was decided and done.", field="outcome_note")
    current.reviewed_at = timezone.now()
    current.reviewed_by = by
    current.outcome_note = note
    current.flag_kept = bool(keep_flag)
    current.save(update_fields=["reviewed_at", "reviewed_by", "outcome_note", "flag_kept"])
    record_event(by, "change", current, detail={"reviewed": True, "flag_kept": bool(keep_flag)})
    still_open = SafeguardingConcern.objects.filter(
        person_id=current.person_id, reviewed_at__isnull=True
    ).exists()
    update_person(current.person, by=by, safeguarding_flag=bool(keep_flag) or still_open)
    return current
