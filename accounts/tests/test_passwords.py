"""Passwords: Argon2 for new ones, older hashes upgraded at the next login, and a policy."""

from __future__ import annotations

import pytest
from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

from accounts.tests.factories import UserFactory


def test_new_passwords_are_hashed_with_argon2(db):
    user = UserFactory(username="new-starter")
    user.set_password("a long and unusual passphrase")
    user.save()
    user.refresh_from_db()
    assert user.password.startswith("argon2$argon2id$")
    assert user.check_password("a long and unusual passphrase")


def test_an_older_pbkdf2_hash_becomes_argon2_at_the_next_login(client, db):
    user = UserFactory(username="old-timer")
    user.password = make_password("a long and unusual passphrase", hasher="pbkdf2_sha256")
    user.save()
    answer = client.post(
        "/login/", {"username": "old-timer", "password": "a long and unusual passphrase"}
    )
    assert answer.status_code == 302
    user.refresh_from_db()
    assert user.password.startswith("argon2$")


@pytest.mark.parametrize(
    "password,problem",
    [
        ("short-pw1!", "at least 12 characters"),
        ("password1234", "too common"),
        ("204857391846", "entirely numeric"),
        ("robin.hartley", "too similar"),
    ],
)
def test_the_password_policy_refuses_weak_passwords(db, password, problem):
    user = UserFactory.build(username="robin.hartley", first_name="Robin", last_name="Hartley")
    with pytest.raises(ValidationError) as refused:
        validate_password(password, user)
    assert any(problem in message for message in refused.value.messages)


def test_the_password_policy_accepts_a_long_passphrase(db):
    user = UserFactory.build(username="robin.hartley")
    validate_password("correct horse battery staple", user)
