"""The research extract: only people whose latest research consent stands; nothing in any
file identifies anyone; each person's dates are shifted by one offset; every column is in
the data dictionary; no key, no extract."""

import csv
import datetime as dt
import uuid
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from audit.models import Event
from casework.models import Conversation
from casework.tests.factories import CaseFactory, ConnectionFactory, ContactFactory, GoalFactory
from insight.exports import DATE_SHIFT_DAYS, FILES, date_shift, pseudonym
from outcomes.models import HealthcareUse, Response
from people.consent import has_consent
from people.models import Consent, Person
from people.tests.factories import ConsentFactory
from places.deprivation import import_imd
from places.importers import import_postcodes

KEY = "k" * 64
DATA = Path(__file__).resolve().parents[2] / "places" / "tests" / "data"
RECEIVED = dt.date(2026, 3, 10)


@pytest.fixture(autouse=True)
def _key(settings):
    settings.RESEARCH_PSEUDONYM_KEY = KEY


def _at(day: dt.date, hour: int = 10) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def _research(person, *decisions):
    """Research consent decisions in order, a day apart: True, False, or "withdrawn"."""
    for i, decision in enumerate(decisions):
        ConsentFactory(
            person=person,
            kind=Consent.Kind.RESEARCH,
            given=decision is not False,
            recorded_at=_at(RECEIVED, 9) + dt.timedelta(days=i),
            withdrawn_at=_at(RECEIVED, 12) + dt.timedelta(days=i)
            if decision == "withdrawn"
            else None,
        )


def _history(team, n: int, **person):
    """A person with a full history whose every free-text field says something personal."""
    case = CaseFactory(
        referral__person__team=team,
        referral__person__given_name=f"Zebedee{n}",
        referral__person__family_name=f"Quixotic-Smythe{n}",
        referral__person__birth_date=dt.date(1950, 6, 15),
        referral__person__address=f"{n} Lantern Row, Ashford",
        referral__person__phone=f"07700 90{n:04d}",
        referral__person__email=f"zebedee{n}@example.com",
        referral__person__ethnic_category="M",
        referral__person__long_term_conditions=3,
        referral__person__postcode="TN23 1AA",
        referral__person__safeguarding_note=f"Brother {n} visits on Sundays",
        referral__person__communication_needs="Hard of hearing in the left ear",
        referral__received_at=_at(RECEIVED),
        referral__first_contact_at=_at(RECEIVED + dt.timedelta(days=2)),
        referral__notes=f"Widowed in 2024, number {n}; struggling with the stairs",
        referral__person_details_sent={"given_name": f"Zebedee{n}"},
        opened_at=_at(RECEIVED + dt.timedelta(days=1)),
        discharge_notes="Moved in with her daughter",
    )
    for field, value in person.items():
        setattr(case.person, field, value)
    case.person.save()
    Conversation.objects.create(
        area=case.area,
        case=case,
        held_on=RECEIVED + dt.timedelta(days=5),
        what_matters=f"Getting back to the allotment on Elm Lane ({n})",
        strengths="Great baker",
        recorded_by=case.link_worker,
    )
    GoalFactory(case=case, text=f"Bake for the church fete {n}")
    ContactFactory(
        case=case,
        happened_on=RECEIVED + dt.timedelta(days=2),
        minutes=45,
        notes="Talked about her late husband Reginald",
    )
    ConnectionFactory(
        case=case,
        status="sent",
        proposed_at=_at(RECEIVED + dt.timedelta(days=6)),
        sent_at=_at(RECEIVED + dt.timedelta(days=7)),
        note_to_partner="Prefers mornings; uses a walking frame",
    )
    Response.objects.create(
        area=case.area,
        person=case.person,
        case=case,
        instrument="ucla3",
        instrument_version="1",
        timepoint="baseline",
        answers=[3, 3, 2],
        score=8,
        via="link_worker",
        completed_at=_at(RECEIVED + dt.timedelta(days=5)),
    )
    HealthcareUse.objects.create(
        area=case.area,
        person=case.person,
        kind=HealthcareUse.Kind.GP_APPOINTMENT,
        occurred_on=RECEIVED - dt.timedelta(days=20),
        count=2,
        source="Dr Okafor at Bank Street",
    )
    return case


@pytest.fixture
def world(team):
    import_postcodes(DATA / "onspd_lsoa_sample.csv")
    import_imd(DATA / "imd_file1_sample.csv")
    consenting = _history(team, 1)
    _research(consenting.person, True)
    changed_mind = _history(team, 2)
    _research(changed_mind.person, False, True)  # refused, then agreed: included
    withdrawn = _history(team, 3)
    _research(withdrawn.person, True, "withdrawn")
    refused_later = _history(team, 4)
    _research(refused_later.person, True, False)
    never_asked = _history(team, 5)
    ConsentFactory(person=never_asked.person, kind=Consent.Kind.REFERRAL)
    return {
        "included": [consenting, changed_mind],
        "excluded": [withdrawn, refused_later, never_asked],
    }


def _read(outdir: Path) -> dict[str, list[dict]]:
    files = {}
    for path in sorted(outdir.glob("*.csv")):
        with path.open(newline="", encoding="utf-8") as handle:
            files[path.name] = list(csv.DictReader(handle))
    return files


@pytest.fixture
def extract(world, tmp_path):
    call_command("research_extract", str(tmp_path / "out"))
    return tmp_path / "out"


def _pid(person) -> str:
    return pseudonym(KEY.encode(), "research-person", person.pk)


def test_only_people_whose_latest_research_consent_stands_are_extracted(world, extract):
    people = _read(extract)["people.csv"]
    everyone = [c.person for c in world["included"] + world["excluded"]]
    assert {row["person_key"] for row in people} == {
        _pid(p) for p in everyone if has_consent(p, Consent.Kind.RESEARCH)
    }
    assert {row["person_key"] for row in people} == {_pid(c.person) for c in world["included"]}
    for name, rows in _read(extract).items():
        if "person_key" in (rows[0] if rows else {}):
            assert {r["person_key"] for r in rows} <= {row["person_key"] for row in people}, name


def test_nothing_in_any_file_identifies_anyone(world, extract):
    text = "\n".join(p.read_text(encoding="utf-8") for p in extract.glob("*.csv"))
    forbidden = []
    for case in world["included"] + world["excluded"]:
        person = Person.objects.get(pk=case.person_id)
        forbidden += [
            person.given_name,
            person.family_name,
            person.nhs_number,
            person.nhs_number_display,
            person.postcode,
            person.postcode.replace(" ", ""),
            person.postcode.split(" ")[0],
            person.address.split(",")[0],
            person.phone,
            person.email,
            person.birth_date.isoformat(),
            str(person.pk),
            str(person.pk).replace("-", ""),
            str(case.pk),
            str(case.referral_id),
            case.referral.notes.split(";")[0],
            case.conversations.get().what_matters,
            case.goals.get().text,
        ]
    forbidden += [
        "Brother",
        "Hard of hearing",
        "Moved in with her daughter",
        "Great baker",
        "Reginald",
        "walking frame",
        "Okafor",
    ]
    found = [value for value in forbidden if value and value in text]
    assert not found, f"Identifying values in the extract: {found}"


def test_people_carry_bands_and_area_codes_instead_of_identifiers(world, extract):
    row = _read(extract)["people.csv"][0]
    assert row["age_band"] == "65–79"  # born 15 June 1950, referred March 2026: 75
    assert (row["ethnic_category"], row["ethnic_group"]) == ("M", "Black or Black British")
    assert (row["lsoa"], row["imd_decile"]) == ("E01000001", "1")
    assert row["long_term_conditions"] == "3"


def test_each_persons_dates_move_by_one_offset_within_the_documented_range(world, extract):
    files = _read(extract)
    for case in world["included"]:
        pid = _pid(case.person)
        received = dt.date.fromisoformat(
            next(r for r in files["referrals.csv"] if r["person_key"] == pid)["received_on"]
        )
        shift = received - RECEIVED
        assert abs(shift.days) <= DATE_SHIFT_DAYS
        expected = {
            ("referrals.csv", "first_contact_on"): RECEIVED + dt.timedelta(days=2),
            ("cases.csv", "opened_on"): RECEIVED + dt.timedelta(days=1),
            ("contacts.csv", "happened_on"): RECEIVED + dt.timedelta(days=2),
            ("connections.csv", "proposed_on"): RECEIVED + dt.timedelta(days=6),
            ("connections.csv", "sent_on"): RECEIVED + dt.timedelta(days=7),
            ("measures.csv", "completed_on"): RECEIVED + dt.timedelta(days=5),
            ("healthcare_use.csv", "occurred_on"): RECEIVED - dt.timedelta(days=20),
        }
        for (name, column), true_date in expected.items():
            row = next(r for r in files[name] if r["person_key"] == pid)
            assert dt.date.fromisoformat(row[column]) - true_date == shift, (name, column)


def test_offsets_differ_between_people_and_stay_within_the_range():
    key = KEY.encode()
    shifts = [date_shift(key, uuid.UUID(int=i)).days for i in range(500)]
    assert all(-DATE_SHIFT_DAYS <= s <= DATE_SHIFT_DAYS for s in shifts)
    assert len(set(shifts)) > 50  # spread over the range, not one value
    assert date_shift(key, uuid.UUID(int=7)) == date_shift(key, uuid.UUID(int=7))


def test_ids_are_stable_for_one_key_and_change_with_the_key(world, tmp_path, settings):
    call_command("research_extract", str(tmp_path / "a"))
    call_command("research_extract", str(tmp_path / "b"))
    settings.RESEARCH_PSEUDONYM_KEY = "another-key-" + "x" * 40
    call_command("research_extract", str(tmp_path / "c"))
    a, b, c = (_read(tmp_path / d)["people.csv"] for d in "abc")
    assert a == b
    assert {r["person_key"] for r in a}.isdisjoint({r["person_key"] for r in c})


def test_the_data_dictionary_describes_every_column_of_every_file(extract):
    dictionary = _read(extract)["data_dictionary.csv"]
    described = {(r["file"], r["column"]) for r in dictionary}
    assert all(r["description"] and r["type"] for r in dictionary)
    for path in extract.glob("*.csv"):
        if path.name == "data_dictionary.csv":
            continue
        with path.open(newline="", encoding="utf-8") as handle:
            header = next(csv.reader(handle))
        assert {(path.name, column) for column in header} <= described, path.name
    assert {name for name, _ in described} == set(FILES)


def test_the_extract_has_the_rows_of_the_consenting_people(extract):
    files = _read(extract)
    assert {name: len(rows) for name, rows in files.items() if name != "data_dictionary.csv"} == {
        "people.csv": 2,
        "referrals.csv": 2,
        "cases.csv": 2,
        "contacts.csv": 2,
        "connections.csv": 2,
        "measures.csv": 2,
        "healthcare_use.csv": 2,
    }
    assert files["contacts.csv"][0]["minutes"] == "45"


def test_the_extract_is_audited_with_counts(extract):
    event = Event.objects.get(verb="export", record_type="insight.research_extract")
    assert event.actor_label == "manage.py research_extract"
    assert event.detail["people"] == 2
    assert event.detail["rows"]["contacts.csv"] == 2


@pytest.mark.parametrize("key", ["", "too-short"])
def test_without_a_proper_key_the_command_refuses_and_writes_nothing(
    world, tmp_path, settings, key
):
    settings.RESEARCH_PSEUDONYM_KEY = key
    with pytest.raises(CommandError, match="RESEARCH_PSEUDONYM_KEY is not set"):
        call_command("research_extract", str(tmp_path / "out"))
    assert not (tmp_path / "out").exists()
    assert not Event.objects.filter(verb="export").exists()


def test_a_file_given_as_the_folder_is_refused(world, tmp_path):
    (tmp_path / "taken").write_text("")
    with pytest.raises(CommandError, match="is a file"):
        call_command("research_extract", str(tmp_path / "taken"))
