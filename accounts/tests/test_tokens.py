import io

import pytest
from django.core.management import CommandError, call_command

from accounts.models import ApiToken
from accounts.tokens import create_api_token, revoke_api_token, user_for_token
from audit.models import Event


def test_a_token_is_shown_once_and_stored_only_as_a_hash(worker):
    token = create_api_token(worker, name="script")
    row = ApiToken.objects.get()
    assert token.startswith("srx_")
    assert token not in (row.token_hash, row.prefix)
    assert row.prefix == token[:12]
    assert user_for_token(token) == worker


def test_creating_a_token_is_audited(worker):
    create_api_token(worker)
    assert Event.objects.filter(record_type="accounts.ApiToken", verb="create").exists()


def test_a_revoked_token_no_longer_authenticates(worker):
    token = create_api_token(worker)
    revoke_api_token(ApiToken.objects.get(), by=worker)
    assert user_for_token(token) is None


def test_an_inactive_users_token_no_longer_authenticates(worker):
    token = create_api_token(worker)
    worker.is_active = False
    worker.save()
    assert user_for_token(token) is None


@pytest.mark.parametrize("garbage", ["", "srx_", "not-a-token", "srx_" + "x" * 43])
def test_unknown_tokens_are_refused(db, garbage):
    assert user_for_token(garbage) is None


def test_create_api_token_command_prints_a_working_token(worker):
    out = io.StringIO()
    call_command("create_api_token", "worker", stdout=out)
    assert user_for_token(out.getvalue().strip()) == worker


def test_create_api_token_command_refuses_unknown_users(db):
    with pytest.raises(CommandError, match="No active user"):
        call_command("create_api_token", "nobody")


def test_revoke_api_tokens_command_revokes_them_all(worker):
    first, second = create_api_token(worker), create_api_token(worker)
    out = io.StringIO()
    call_command("revoke_api_tokens", "worker", stdout=out)
    assert "Revoked 2 token(s)" in out.getvalue()
    assert user_for_token(first) is None and user_for_token(second) is None
