import pytest

from accounts.models import Role
from accounts.permissions import ROLE_PERMISSIONS, Permission, has_permission


def test_every_role_has_a_permission_set():
    assert set(ROLE_PERMISSIONS) == set(Role.values)


def test_commissioners_can_never_see_identifiable_records():
    held = ROLE_PERMISSIONS[Role.COMMISSIONER]
    assert Permission.VIEW_TEAM_PEOPLE not in held
    assert Permission.WORK_CASES not in held
    assert Permission.HANDLE_CONNECTIONS not in held


def test_admins_need_a_casework_role_to_read_peoples_records():
    assert Permission.VIEW_TEAM_PEOPLE not in ROLE_PERMISSIONS[Role.ADMIN]


@pytest.mark.parametrize("permission", list(Permission))
def test_anonymous_and_inactive_users_hold_no_permission(worker, permission):
    from django.contrib.auth.models import AnonymousUser

    assert not has_permission(AnonymousUser(), permission)
    assert not has_permission(None, permission)
    worker.is_active = False
    assert not has_permission(worker, permission)
