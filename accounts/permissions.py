"""Permissions by name, and which roles hold them. Code asks about permissions, not roles."""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING

from accounts.models import Role

if TYPE_CHECKING:
    from accounts.models import User


class Permission(enum.StrEnum):
    REFER = "refer"  # make a referral
    VIEW_OWN_REFERRALS = "view_own_referrals"  # see referrals one made, and their outcome
    TRIAGE_REFERRALS = "triage_referrals"  # accept, decline, redirect, assign
    VIEW_TEAM_PEOPLE = "view_team_people"  # identifiable records of one's team
    EDIT_PEOPLE = "edit_people"
    WORK_CASES = "work_cases"  # conversation, plan, contacts, connections, discharge
    SUPERVISE = "supervise"  # team-wide caseloads and overdue work
    HANDLE_CONNECTIONS = "handle_connections"  # partner: accept/decline/attendance
    VIEW_AGGREGATES = "view_aggregates"  # counts only, never identifiable
    VIEW_DASHBOARDS = "view_dashboards"  # insight dashboards and gaps: team, area or all
    VIEW_AUDIT = "view_audit"
    MANAGE_USERS = "manage_users"
    VIEW_DIRECTORY = "view_directory"


_CASEWORK = {
    Permission.VIEW_TEAM_PEOPLE,
    Permission.EDIT_PEOPLE,
    Permission.WORK_CASES,
    Permission.TRIAGE_REFERRALS,
    Permission.REFER,
    Permission.VIEW_DIRECTORY,
    Permission.VIEW_AGGREGATES,
}

ROLE_PERMISSIONS: dict[str, frozenset[Permission]] = {
    Role.REFERRER: frozenset(
        {Permission.REFER, Permission.VIEW_OWN_REFERRALS, Permission.VIEW_DIRECTORY}
    ),
    Role.LINK_WORKER: frozenset(_CASEWORK),
    Role.SUPERVISOR: frozenset(_CASEWORK | {Permission.SUPERVISE, Permission.VIEW_DASHBOARDS}),
    Role.PARTNER: frozenset({Permission.HANDLE_CONNECTIONS, Permission.VIEW_DIRECTORY}),
    Role.COMMISSIONER: frozenset(
        {Permission.VIEW_AGGREGATES, Permission.VIEW_DASHBOARDS, Permission.VIEW_DIRECTORY}
    ),
    # Admins run the system; they see the audit log and manage users, but are not given
    # casework access by default: reading a person's record needs a casework role.
    Role.ADMIN: frozenset(
        {
            Permission.VIEW_AUDIT,
            Permission.MANAGE_USERS,
            Permission.VIEW_AGGREGATES,
            Permission.VIEW_DASHBOARDS,
            Permission.VIEW_DIRECTORY,
        }
    ),
}


def has_permission(user: User | None, permission: Permission) -> bool:
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    return permission in ROLE_PERMISSIONS.get(user.role, frozenset())
