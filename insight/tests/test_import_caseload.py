"""manage.py import_caseload: the example folder in docs/ imports through the actions (with
their audit rows), every bad cell is reported and nothing is written, and a second import
of the same folder changes nothing."""

from __future__ import annotations

import datetime as dt
import shutil
from io import StringIO
from pathlib import Path

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.utils import timezone

from audit.models import Event
from casework.models import Case, Connection, Contact
from insight import facts
from insight.models import PairFact
from outcomes.models import Response
from people.models import Consent, Person
from referrals.models import Referral

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "examples" / "caseload"
WALK = "6f1c2a9e-5b7d-4c1e-9a2b-6d8e0f1a2b3c"
ADVICE = "8a4e6c2d-1f3b-4a5c-8e7d-9b0a1c2d3e4f"
ARTS = "2b7d9f1e-3c5a-4e6b-8d0f-1a2b3c4d5e6f"


@pytest.fixture
def directory(db):
    """The three services the example folder names, each run by its own organisation."""
    from directory.models import Service
    from directory.tests.factories import OrganizationFactory, ServiceFactory

    return {
        sid: ServiceFactory(
            id=sid,
            name=name,
            organization=OrganizationFactory(name=f"{name} organisation"),
            # Full today: an imported history is not refused for today's capacity.
            capacity=Service.Capacity.FULL if sid == WALK else Service.Capacity.OPEN,
        )
        for sid, name in ((WALK, "Health walk"), (ADVICE, "Money advice"), (ARTS, "Arts group"))
    }


def _import(folder=EXAMPLE, **options):
    out, err = StringIO(), StringIO()
    call_command(
        "import_caseload", str(folder), team="North PCN", stdout=out, stderr=err, **options
    )
    return out.getvalue(), err.getvalue()


def _counts() -> dict[str, int]:
    """Rows in every table socialrx has."""
    return {m._meta.label: m.objects.count() for m in apps.get_models()}


def _day(moment) -> dt.date:
    return timezone.localdate(moment)


def test_the_example_folder_imports_with_the_right_counts(team, worker, directory):
    out, _ = _import()

    assert out.strip() == (
        "Imported 3 people, 4 referrals (2 discharged), 5 contacts, 5 connections and 4 "
        "measures. Already imported, so left as they were: 0 people, 0 referrals."
    )
    people = {p.local_identifier: p for p in Person.objects.filter(team=team)}
    assert sorted(people) == ["P001", "P002", "P003"]
    assert people["P001"].nhs_number == "9999069584"
    assert people["P001"].birth_date == dt.date(1958, 4, 12)
    assert people["P003"].postcode == "TN24 8QE"
    assert people["P003"].sex == "unknown" and people["P003"].birth_date is None
    referrals = {r.local_identifier: r for r in Referral.objects.filter(team=team)}
    assert {k: r.status for k, r in referrals.items()} == {
        "R001": "closed",
        "R002": "accepted",
        "R003": "closed",
        "R004": "accepted",
    }
    r001 = referrals["R001"]
    assert r001.person == people["P001"] and r001.reasons == ["loneliness", "low_mood"]
    assert _day(r001.received_at) == dt.date(2024, 1, 8)
    assert _day(r001.triaged_at) == dt.date(2024, 1, 8)
    assert _day(r001.first_contact_at) == dt.date(2024, 1, 10)
    assert _day(referrals["R002"].first_contact_at) == dt.date(2024, 2, 20)
    assert referrals["R003"].first_contact_at is None
    case = r001.case
    assert case.link_worker == worker and _day(case.opened_at) == dt.date(2024, 1, 8)
    assert case.discharge_reason == "goals_met" and _day(case.discharged_at) == dt.date(2024, 6, 28)
    assert Case.objects.filter(team=team, status="discharged").count() == 2
    assert sorted(case.contacts.values_list("happened_on", "mode", "minutes")) == [
        (dt.date(2024, 1, 10), "phone", 20),
        (dt.date(2024, 1, 17), "in_person", 60),
        (dt.date(2024, 3, 5), "video", 30),
    ]
    assert Contact.objects.filter(case__team=team).count() == 5
    assert {str(c.service_id): c.status for c in case.connections.all()} == {
        WALK: "completed",
        ADVICE: "declined",
        ARTS: "completed",
    }
    walk = case.connections.get(service_id=WALK)
    assert _day(walk.proposed_at) == _day(walk.sent_at) == dt.date(2024, 1, 17)
    assert walk.first_attended_on == dt.date(2024, 1, 23)
    assert _day(walk.ended_at) == dt.date(2024, 5, 28) and walk.independent_since is None
    arts = case.connections.get(service_id=ARTS)
    # Still going at discharge, so it continued independently and ended after it.
    assert _day(arts.independent_since) == dt.date(2024, 6, 28)
    assert _day(arts.ended_at) == dt.date(2024, 9, 30)
    assert referrals["R002"].case.connections.get().status == "ongoing"
    assert referrals["R004"].case.connections.get().status == "proposed"
    scores = {
        (r.instrument, r.timepoint): (r.score, _day(r.completed_at))
        for r in Response.objects.filter(case=case)
    }
    assert scores[("swemwbs", "baseline")][1] == dt.date(2024, 1, 17)
    assert scores[("ucla3", "baseline")] == (8, dt.date(2024, 1, 17))
    assert Response.objects.filter(person__team=team).count() == 4
    assert Consent.objects.filter(kind="referral", person__team=team).count() == 4
    shares = Consent.objects.filter(kind="share", person__team=team)
    # One per person and organisation a connection was sent to, dated when proposed.
    assert shares.count() == 4
    assert all(s.shared_fields == ["name"] for s in shares)
    assert _day(shares.get(organization=walk.organization).recorded_at) == dt.date(2024, 1, 17)


def test_the_import_leaves_the_evaluations_facts_matching_the_records(team, worker, directory):
    _import()
    assert PairFact.objects.exists()
    assert facts.differences() == []


def test_every_write_is_audited_in_the_commands_name(team, worker, directory):
    before = list(Event.objects.values_list("pk", flat=True))
    _import()

    events = Event.objects.exclude(pk__in=before).order_by("at")
    assert {e.actor_label for e in events} == {"manage.py import_caseload"}
    assert all(e.actor_id is None for e in events)
    creates = {}
    for event in events.filter(verb="create"):
        creates[event.record_type] = creates.get(event.record_type, 0) + 1
    assert creates == {
        "people.Person": 3,
        "people.Consent": 8,
        "referrals.Referral": 4,
        "casework.Case": 4,
        "casework.Contact": 5,
        "casework.Connection": 5,
        "outcomes.Response": 4,
    }
    share = events.filter(record_type="people.Consent", detail__kind="share").first()
    assert share.detail["via"] == "import_caseload"
    # Each connection's moves are audited as the pages audit them: R001's walk went
    # sent, accepted, first attended, completed.
    walk = Connection.objects.get(service_id=WALK, case__referral__local_identifier="R001")
    moves = events.filter(record_id=str(walk.pk), verb="change")
    assert [e.detail["status"] for e in moves] == [
        "sent",
        "accepted",
        "first_attended",
        "completed",
    ]


def test_the_user_named_with_by_is_the_actor(team, worker, directory):
    _import(by="worker")

    assert set(Event.objects.values_list("actor_label", flat=True)) == {"worker"}
    assert Contact.objects.filter(recorded_by=worker).count() == 5


def test_importing_the_same_folder_again_changes_nothing(team, worker, directory):
    _import()
    before = _counts()

    out, _ = _import()

    assert _counts() == before
    assert out.strip().endswith("Already imported, so left as they were: 3 people, 4 referrals.")


def test_a_new_referral_for_a_person_imported_before_is_added_to_their_record(
    team, worker, directory, tmp_path
):
    _import()
    folder = tmp_path / "more"
    shutil.copytree(EXAMPLE, folder)
    with open(folder / "referrals.csv", "a") as f:
        f.write("R005,P002,2024-10-01,clinician,carer,,,\n")

    out, _ = _import(folder)

    assert "1 referrals" in out
    assert Person.objects.filter(team=team).count() == 3
    assert Referral.objects.get(local_identifier="R005").person.local_identifier == "P002"


BAD_CELLS = {
    "people.csv": [
        "person_ref,given_name,family_name,birth_date,sex,postcode,nhs_number",
        "P001,Amina,Khan,1958-13-12,female,TN23 1AA,9999069584",
        "P002,,Okafor,1971-09-30,alien,NOT A POSTCODE,1234567890",
        "P001,Jo,Smith,,unknown,,",
    ],
    "referrals.csv": [
        "referral_ref,person_ref,received_on,source,reasons,first_contact_on,discharged_on,"
        "discharge_reason",
        "R001,P001,2024-01-08,clinician,loneliness;luck,2024-01-07,2024-06-28,",
        "R002,P009,2999-01-01,fax,,,,goals_met",
        "R003,P002,2024-03-01,self,frequent_attendance,,2024-05-01,no_contact",
    ],
    "contacts.csv": [
        "referral_ref,contact_on,mode,minutes",
        "R001,2024-01-02,pigeon,ninety",
        "R404,2024-01-10,phone,20",
    ],
    "connections.csv": [
        "referral_ref,service_id,status,proposed_on,first_attended_on,ended_on",
        f"R001,{WALK},completed,2024-01-17,,2024-01-10",
        "R003,00000000-0000-0000-0000-000000000000,sent,2024-03-02,,",
        f"R003,{ADVICE},sent,2024-03-02,,",
    ],
    "measures.csv": [
        "referral_ref,instrument,completed_on,timepoint,answers",
        "R001,swemwbs,2024-01-17,baseline,3 2 2 3 2 3",
        "R001,wellness,2024/01/17,someday,1 2",
        "R003,ucla3,2024-03-05,baseline,1 9 1",
    ],
}

EXPECTED = """\
people.csv:2: birth_date: '1958-13-12' is not a date like 2024-03-31 (YYYY-MM-DD)
people.csv:3: given_name: This is required.
people.csv:3: sex: Choose one of the listed options.
people.csv:3: postcode: Enter a real UK postcode, like TN23 1AA.
people.csv:3: nhs_number: {nhs_error}
people.csv:4: person_ref: 'P001' is already on line 2
referrals.csv:2: reasons: 'luck' is not a referral reason code
referrals.csv:2: first_contact_on: cannot be before received_on (2024-01-08)
referrals.csv:2: discharge_reason: required when discharged_on is set
referrals.csv:3: person_ref: 'P009' is not a person_ref in people.csv
referrals.csv:3: received_on: 2999-01-01 is in the future
referrals.csv:3: source: 'fax' is not one of: clinician, agency, self, api, fhir
referrals.csv:3: reasons: give at least one reason code
referrals.csv:3: discharge_reason: give discharged_on too, or leave this blank
referrals.csv:4: reasons: 'frequent_attendance' is not a reason a person gives themselves
contacts.csv:2: mode: 'pigeon' is not one of: in_person, phone, video, message
contacts.csv:2: minutes: a whole number of minutes from 0 to 1440
contacts.csv:2: contact_on: cannot be before the referral's received_on (2024-01-08)
contacts.csv:2: contact_on: cannot be before first_contact_on (2024-01-07)
contacts.csv:3: referral_ref: 'R404' is not a referral_ref in referrals.csv
connections.csv:2: first_attended_on: this is required (a date, YYYY-MM-DD)
connections.csv:2: ended_on: cannot be before proposed_on (2024-01-17)
connections.csv:3: service_id: '00000000-0000-0000-0000-000000000000' is not a service in the directory
connections.csv:3: status: a sent connection is still waiting for the organisation's answer, so the referral cannot have been discharged; give the answer (accepted or declined)
connections.csv:4: status: a sent connection is still waiting for the organisation's answer, so the referral cannot have been discharged; give the answer (accepted or declined)
measures.csv:2: answers: Short Warwick-Edinburgh Mental Wellbeing Scale (SWEMWBS) has 7 questions; 6 answers were given (use - for a question not answered).
measures.csv:3: instrument: 'wellness' is not one of: experience, hrsn, ons4, swemwbs, ucla3
measures.csv:3: completed_on: '2024/01/17' is not a date like 2024-03-31 (YYYY-MM-DD)
measures.csv:3: timepoint: 'someday' is not one of: baseline, week_6, week_12, discharge, post_discharge, other
measures.csv:4: answers: {ucla_error}
"""  # noqa: E501


def _write(folder: Path, files: dict[str, list[str]]) -> Path:
    folder.mkdir(exist_ok=True)
    for name, lines in files.items():
        (folder / name).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


def test_every_bad_cell_is_reported_and_nothing_is_written(team, worker, directory, tmp_path):
    from outcomes.instruments import get_instrument
    from outcomes.scoring import ScoringError, score
    from people.rules import nhs_number_error

    folder = _write(tmp_path / "bad", BAD_CELLS)
    before = _counts()

    with pytest.raises(CommandError, match=r"^30 problem\(s\) found; nothing was imported\.$"):
        _import(folder)

    err = StringIO()
    with pytest.raises(CommandError):
        call_command("import_caseload", str(folder), team="North PCN", stderr=err)
    with pytest.raises(ScoringError) as ucla:
        score(get_instrument("ucla3"), ["1", "9", "1"])
    expected = EXPECTED.format(nhs_error=nhs_number_error("1234567890"), ucla_error=ucla.value)
    assert err.getvalue() == expected
    assert _counts() == before


def test_missing_files_and_columns_are_reported_by_name(team, worker, directory, tmp_path):
    files = {k: v[:1] for k, v in BAD_CELLS.items() if k != "measures.csv"}
    files["contacts.csv"] = ["referral_ref,contact_on,mode,minuets"]
    folder = _write(tmp_path / "partial", files)
    err = StringIO()

    with pytest.raises(CommandError, match="3 problem"):
        call_command("import_caseload", str(folder), team="North PCN", stderr=err)

    assert err.getvalue().splitlines() == [
        "contacts.csv:1: minutes: this column is missing",
        "contacts.csv:1: minuets: unknown column (expected referral_ref, contact_on, mode, "
        "minutes)",
        "measures.csv:1: *: the file is missing (it may hold just the header row)",
    ]


def test_a_team_with_several_link_workers_needs_one_named(team, worker, colleague, directory):
    with pytest.raises(CommandError, match="name the one who holds the imported cases"):
        _import()
    assert not Referral.objects.exists()

    _import(link_worker="colleague")

    assert set(Case.objects.values_list("link_worker__username", flat=True)) == {"colleague"}


def test_an_unknown_team_is_refused(team, worker, directory):
    with pytest.raises(CommandError, match="No social prescribing team is named 'Nowhere'"):
        call_command("import_caseload", str(EXAMPLE), team="Nowhere")


def test_a_refusal_while_writing_is_reported_and_undoes_everything(
    team, worker, directory, monkeypatch
):
    from insight.caseload import writing
    from socialrx.errors import DomainError

    def refuse(*args, **kwargs):
        raise DomainError("The measure could not be recorded.", field="answers")

    monkeypatch.setattr(writing, "record_response", refuse)
    before = _counts()
    err = StringIO()

    with pytest.raises(CommandError, match="1 problem"):
        call_command("import_caseload", str(EXAMPLE), team="North PCN", stderr=err)

    # R001 is written first (people, referral, contacts, connections) before its measures.
    assert err.getvalue() == "measures.csv:2: answers: The measure could not be recorded.\n"
    assert _counts() == before
