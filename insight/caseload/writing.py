"""Write a checked caseload through the same actions as the pages, all in one transaction.

Each step is dated from the folder (a referral received on its received_on, a contact on
its contact_on, …): the actions take an explicit date for this and keep their audit rows.
A connection walks its journey's states in order (proposed, sent, accepted, first
attended, …), so the state machine in casework.rules holds for imported history too.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from audit.context import acting_as
from casework import rules
from casework.actions import (
    discharge_case,
    move_connection,
    propose_connection,
    record_contact,
)
from insight import summaries
from insight.caseload.reading import COLUMNS, CaseloadProblems, Problem, Row, read_folder
from outcomes.actions import record_response
from outcomes.models import Response
from people.actions import create_person, record_consent
from people.consent import fields_shared_with
from people.models import Consent
from referrals.actions import accept_referral, mark_first_contact, refer_person
from socialrx.errors import DomainError

ACTOR = "manage.py import_caseload"
VIA = "import_caseload"
# What an imported share consent lets the organisation see: only the name, the least a
# referral needs. The team records a fuller consent with the person if they need more.
SHARED_FIELDS = ("name",)
# A partner's decline and a dropped connection need a reason; the files carry none.
NO_REASON = "Recorded before socialrx; the reason was not imported."

# The states a connection passes through to reach each status, and each state's date.
PATHS = {
    rules.PROPOSED: (),
    rules.SENT: (rules.SENT,),
    rules.ACCEPTED: (rules.SENT, rules.ACCEPTED),
    rules.DECLINED: (rules.SENT, rules.DECLINED),
    rules.FIRST_ATTENDED: (rules.SENT, rules.ACCEPTED, rules.FIRST_ATTENDED),
    rules.ONGOING: (rules.SENT, rules.ACCEPTED, rules.FIRST_ATTENDED, rules.ONGOING),
    rules.COMPLETED: (rules.SENT, rules.ACCEPTED, rules.FIRST_ATTENDED, rules.COMPLETED),
}
PARTNER_MOVES = frozenset({rules.ACCEPTED, rules.DECLINED})


@dataclass
class Summary:
    people: int = 0
    referrals: int = 0
    discharged: int = 0
    contacts: int = 0
    connections: int = 0
    measures: int = 0
    people_known: int = 0
    referrals_known: int = 0

    def __str__(self) -> str:
        return (
            f"Imported {self.people} people, {self.referrals} referrals ({self.discharged} "
            f"discharged), {self.contacts} contacts, {self.connections} connections and "
            f"{self.measures} measures. Already imported, so left as they were: "
            f"{self.people_known} people, {self.referrals_known} referrals."
        )


def _moment(day: dt.date) -> dt.datetime:
    """Midday on `day` (as casework dates a contact), never later than now."""
    return min(timezone.make_aware(dt.datetime.combine(day, dt.time(12))), timezone.now())


def _path(row: Row) -> list[tuple[str, dt.date]]:
    """The moves after proposing, each with its date."""
    v = row.values
    status, proposed = v["status"], v["proposed_on"]
    if status == rules.DROPPED:
        steps = PATHS[rules.FIRST_ATTENDED] if v.get("first_attended_on") else ()
        steps = (*steps, rules.DROPPED)
    else:
        steps = PATHS[status]
    dates = {
        rules.DECLINED: v.get("ended_on") or proposed,
        rules.FIRST_ATTENDED: v.get("first_attended_on"),
        rules.ONGOING: v.get("first_attended_on"),
        rules.COMPLETED: v.get("ended_on"),
        rules.DROPPED: v.get("ended_on"),
    }
    return [(step, dates.get(step) or proposed) for step in steps]


class _Writer:
    def __init__(self, *, team, by, link_worker) -> None:
        self.team, self.by, self.link_worker = team, by, link_worker
        self.summary = Summary()

    def person(self, row: Row):
        if row.values["person"] is not None:
            self.summary.people_known += 1
            return row.values["person"]
        fields = {k: v for k, v in row.values.items() if k in COLUMNS["people.csv"]}
        fields.pop("person_ref", None)
        self.summary.people += 1
        return create_person(
            team=self.team, by=self.by, local_identifier=row.values["person_ref"], **fields
        )

    def referral(self, row: Row, person, children: dict[str, list[Row]]) -> None:
        v = row.values
        received = _moment(v["received_on"])
        referral = refer_person(
            team=self.team,
            source=v["source"],
            by=self.by,
            reasons=v["reasons"],
            person=person,
            confirm_duplicate=True,  # the history is as it was, overlapping or not
            received_at=received,
            local_identifier=v["referral_ref"],
        )
        case = accept_referral(referral, link_worker=self.link_worker, by=self.by, at=received)
        self.summary.referrals += 1
        if v.get("first_contact_on"):
            mark_first_contact(referral, at=_moment(v["first_contact_on"]), by=self.by)
        for contact in sorted(children["contacts"], key=lambda r: r.values["contact_on"]):
            _at(contact, "contact_on")(
                record_contact,
                case,
                happened_on=contact.values["contact_on"],
                mode=contact.values["mode"],
                minutes=contact.values["minutes"],
                by=self.by,
            )
            self.summary.contacts += 1
        later = []
        for row_ in sorted(children["connections"], key=lambda r: r.values["proposed_on"]):
            later += self.connection(row_, case, person, discharged_on=v.get("discharged_on"))
        for measure in sorted(children["measures"], key=lambda r: r.values["completed_on"]):
            _at(measure, "answers")(
                record_response,
                case,
                instrument_id=measure.values["instrument"],
                answers=measure.values["answers"],
                timepoint=measure.values["timepoint"],
                by=self.by,
                via=Response.Via.LINK_WORKER,
                completed_at=_moment(measure.values["completed_on"]),
            )
            self.summary.measures += 1
        if v.get("discharged_on"):
            _at(row, "discharged_on")(
                discharge_case,
                case,
                reason=v["discharge_reason"],
                by=self.by,
                at=_moment(v["discharged_on"]),
            )
            self.summary.discharged += 1
        for connection_row, connection, step, day in later:
            # Ended after discharge: the organisation records how a continuing one ends.
            _at(connection_row, "ended_on")(
                move_connection,
                connection,
                to=step,
                side=rules.PARTNER,
                by=self.by,
                reason=NO_REASON if step == rules.DROPPED else "",
                at=_moment(day),
            )

    def connection(self, row: Row, case, person, *, discharged_on):
        service = row.values["service"]
        proposed = _moment(row.values["proposed_on"])
        write = _at(row, "status")
        connection = write(propose_connection, case, service=service, by=self.by, at=proposed)
        self.summary.connections += 1
        later = []
        for step, day in _path(row):
            if discharged_on and day > discharged_on:
                later.append((row, connection, step, day))
                continue
            if step == rules.SENT and not fields_shared_with(person, service.organization_id):
                write(
                    record_consent,
                    person,
                    kind=Consent.Kind.SHARE_WITH_ORGANIZATION,
                    given=True,
                    by=self.by,
                    organization=service.organization,
                    shared_fields=SHARED_FIELDS,
                    at=proposed,
                    via=VIA,
                )
            connection = write(
                move_connection,
                connection,
                to=step,
                side=rules.PARTNER if step in PARTNER_MOVES else rules.WORKER,
                by=self.by,
                reason=NO_REASON if step in (rules.DECLINED, rules.DROPPED) else "",
                on=day if step == rules.FIRST_ATTENDED else None,
                at=_moment(day),
            )
        return later


def _at(row: Row, column: str):
    """Call an action for `row`; a refusal it still raises (the checks missed a rule) is
    reported against the row like any other problem."""

    def call(action, *args, **kwargs):
        try:
            return action(*args, **kwargs)
        except DomainError as exc:
            raise CaseloadProblems([Problem(row.file, row.line, column, exc.message)]) from exc

    return call


def import_caseload(folder: Path, *, team, by=None, link_worker) -> Summary:
    """Import the caseload in `folder` into `team`: people, then each referral (accepted,
    with its case held by `link_worker`) with its contacts, connections, measures and
    discharge. All or nothing: CaseloadProblems lists every problem and nothing is written.
    `by` is the user the audit rows name; without one they name the command.

    Idempotent: people are matched by their person_ref (kept as Person.local_identifier)
    within the team, referrals by their referral_ref (Referral.local_identifier); a
    referral imported before is left as it is, with everything under it.
    """
    caseload = read_folder(Path(folder), team)
    children: dict[str, dict[str, list[Row]]] = defaultdict(lambda: defaultdict(list))
    for kind in ("contacts", "connections", "measures"):
        for row in getattr(caseload, kind):
            children[row.cells["referral_ref"]][kind].append(row)
    writer = _Writer(team=team, by=by, link_worker=link_worker)
    with acting_as(ACTOR), transaction.atomic(), summaries.batched():
        people = {
            ref: _at(row, "person_ref")(writer.person, row) for ref, row in caseload.people.items()
        }
        ordered = sorted(
            caseload.referrals.values(), key=lambda r: (r.values["received_on"], r.line)
        )
        for row in ordered:
            if row.values["referral"] is not None:
                writer.summary.referrals_known += 1
                continue
            person = people[row.cells["person_ref"]]
            writer.referral(row, person, children[row.values["referral_ref"]])
    return writer.summary
