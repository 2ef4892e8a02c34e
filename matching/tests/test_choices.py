"""Every table and set in matching that names a model's states, tied to that model's choices:
a state added to (or renamed in) the model fails here, not silently in the ranking."""

import re

from casework.models import Conversation, TimeOfDay, Weekday
from directory.models import Service
from matching import constraints, documents
from matching.documents import Profile, ServiceDoc
from matching.schemas import SuggestionRequest
from people.models import Person


def _values(model, field: str) -> set[str]:
    return {value for value, _ in model._meta.get_field(field).choices}


def test_every_service_status_but_active_excludes_the_service_with_a_reason():
    assert set(constraints.CLOSED_STATUSES) == set(Service.Status.values) - {Service.Status.ACTIVE}


def test_the_days_and_times_are_the_conversations_own_in_order():
    assert tuple(Weekday.values) == documents.WEEKDAYS
    assert tuple(TimeOfDay.values) == documents.TIMES_OF_DAY


def test_every_hsds_day_reads_as_a_weekday():
    assert documents.weekdays("MO,TU,WE,TH,FR,SA,SU") == list(Weekday.values)


def test_a_whole_day_touches_every_time_of_day():
    assert documents.time_of_day("00:00", "23:59") == tuple(TimeOfDay.values)


def test_the_sexes_are_the_persons_choices_less_not_known():
    assert set(documents.SEXES) == _values(Person, "sex") - {"unknown"}


def test_every_sex_table_names_only_a_persons_sex():
    assert set(constraints.SEX_WORDS) <= set(documents.SEXES)
    read_from_text = {
        sex
        for text in ("Eligibility: Women only", "Eligibility: Men only")
        for sex in documents.eligibility_from_text(text)[2]
    }
    assert read_from_text <= set(documents.SEXES)


def test_the_api_accepts_every_sex_and_nothing_else():
    pattern = SuggestionRequest.model_fields["sex"].metadata[0].pattern
    assert all(re.fullmatch(pattern, sex) for sex in documents.SEXES)
    assert not re.fullmatch(pattern, "unknown")


def test_a_documents_defaults_are_the_models_choices():
    doc, profile = ServiceDoc(id="x", name="x"), Profile()
    assert doc.status in Service.Status.values
    assert doc.capacity in Service.Capacity.values
    assert doc.visibility in Service.Visibility.values
    assert doc.setting in set(Conversation.Setting.values) | {""}
    assert profile.setting in Conversation.Setting.values
    assert profile.mode in Conversation.Mode.values
