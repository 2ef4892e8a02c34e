"""web's status_tag filter: one colour for every journey state the models declare."""

import itertools

import pytest

from casework.models import Case, Connection
from referrals.models import Referral
from web.templatetags.srx import CASE_TAGS, CONNECTION_TAGS, REFERRAL_TAGS, status_tag

TABLES = [
    (Referral.Status, REFERRAL_TAGS),
    (Case.Status, CASE_TAGS),
    (Connection.Status, CONNECTION_TAGS),
]


@pytest.mark.parametrize(("choices", "tags"), TABLES)
def test_every_state_has_a_colour_and_no_colour_names_an_unknown_state(choices, tags):
    assert set(tags) == set(choices.values)


def test_a_value_two_models_share_has_the_same_colour_in_both():
    for (_, one), (_, other) in itertools.combinations(TABLES, 2):
        for value in set(one) & set(other):
            assert one[value] == other[value] == status_tag(value)


def test_an_unknown_value_has_no_colour():
    assert status_tag("nonsense") == ""
