"""directory.rules: who a listing is shown to, against the model's choices."""

from directory import rules
from directory.models import Service


def test_the_model_declares_no_visibility_of_its_own():
    assert Service.Visibility is rules.Visibility


def test_a_public_listing_is_shown_to_everyone():
    assert rules.is_listed_for(Service.Visibility.PUBLIC, professional=False)
    assert rules.is_listed_for(Service.Visibility.PUBLIC, professional=True)


def test_every_other_visibility_is_shown_to_professionals_only():
    for value in set(Service.Visibility.values) - {rules.PUBLIC}:
        assert not rules.is_listed_for(value, professional=False)
        assert rules.is_listed_for(value, professional=True)
