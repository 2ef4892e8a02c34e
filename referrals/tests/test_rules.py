"""referrals.rules: the triage transition table and how intake compares a known person."""

import datetime as dt

import pytest

from referrals import rules
from referrals.models import Referral
from referrals.rules import (
    TRANSITIONS,
    can_move,
    details_that_differ,
    is_identity_mismatch,
    transition_error,
)

S = Referral.Status


def test_the_table_covers_every_referral_status():
    assert set(TRANSITIONS) == set(S.values)
    assert all(set(targets) <= set(S.values) for targets in TRANSITIONS.values())


@pytest.mark.parametrize("to", [S.ACCEPTED, S.DECLINED, S.REDIRECTED])
def test_a_received_referral_can_be_accepted_declined_or_redirected(to):
    assert can_move(S.RECEIVED, to) and transition_error(S.RECEIVED, to) is None


def test_only_an_accepted_referral_can_be_closed():
    assert [s for s in S.values if can_move(s, S.CLOSED)] == [S.ACCEPTED]


@pytest.mark.parametrize("final", [S.DECLINED, S.REDIRECTED, S.CLOSED])
def test_a_finished_referral_cannot_move_and_says_so(final):
    for to in S.values:
        assert not can_move(final, to)
        assert transition_error(final, to) == (
            f"This referral is already {final}; it cannot be changed now."
        )


def test_declining_an_accepted_referral_points_to_discharge():
    assert "discharge the case instead" in transition_error(S.ACCEPTED, S.DECLINED)


def test_an_unknown_state_moves_nowhere():
    assert not can_move("lost", S.ACCEPTED)


STORED = {
    "given_name": "Mary",
    "family_name": "Jones",
    "birth_date": dt.date(1948, 3, 2),
    "postcode": "TN23 1AA",
    "phone": "07700 900123",
    "email": "",
    "address": "1 High Street",
}


def test_the_same_details_in_another_case_and_spacing_do_not_differ():
    given = {"given_name": " mary ", "family_name": "JONES", "birth_date": dt.date(1948, 3, 2)}
    assert details_that_differ(STORED, given) == {}


def test_blank_details_mean_not_given_rather_than_different():
    assert details_that_differ(STORED, {"phone": "", "email": None}) == {}


def test_new_and_changed_details_are_listed_as_text():
    differ = details_that_differ(
        STORED,
        {"phone": "07700 900999", "email": "m@example.com", "birth_date": dt.date(1950, 1, 1)},
    )
    assert differ == {"phone": "07700 900999", "email": "m@example.com", "birth_date": "1950-01-01"}


def test_a_different_date_of_birth_is_another_person():
    differ = details_that_differ(STORED, {"birth_date": dt.date(1990, 1, 1)})
    assert is_identity_mismatch(differ, STORED)


def test_a_date_of_birth_added_where_none_was_known_is_not_a_mismatch():
    stored = {**STORED, "birth_date": None}
    differ = details_that_differ(stored, {"birth_date": dt.date(1990, 1, 1)})
    assert differ and not is_identity_mismatch(differ, stored)


def test_a_changed_family_name_alone_is_not_a_mismatch_but_both_names_are():
    married = details_that_differ(STORED, {"given_name": "Mary", "family_name": "Smith"})
    assert married == {"family_name": "Smith"} and not is_identity_mismatch(married, STORED)
    stranger = details_that_differ(STORED, {"given_name": "Pat", "family_name": "Smith"})
    assert is_identity_mismatch(stranger, STORED)


def test_new_contact_details_are_not_a_mismatch():
    differ = details_that_differ(STORED, {"phone": "07700 900999", "postcode": "SW1A 1AA"})
    assert not is_identity_mismatch(differ, STORED)


def test_every_move_goes_to_a_referral_status():
    assert set().union(*TRANSITIONS.values()) <= set(S.values)


def test_the_model_declares_no_states_of_its_own():
    # One copy: the model's choices are the rules module's enum, not a second list.
    assert Referral.Status is rules.ReferralStatus
