"""Who may run trials, and which trials they see.

A commissioner switches trial mode on and off for the teams of their team's area (every
area when their account has no team): the commissioner's case of insight.access's scope
rule, written out here so that trials does not import insight (insight reads trials).
Supervisors and administrators also read insight, but a trial is a commissioning decision,
so they may not run one; link workers meet a trial only on their cases (the consent page).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404

from accounts.models import Team
from accounts.permissions import Permission, has_permission
from trials.models import Trial


def can_run_trials(user: Any) -> bool:
    return (
        has_permission(user, Permission.VIEW_DASHBOARDS)
        and not has_permission(user, Permission.SUPERVISE)
        and not has_permission(user, Permission.MANAGE_USERS)
    )


def teams_for(user: Any) -> QuerySet[Team]:
    """The teams `user` may run a trial for (practices hold no caseload); PermissionDenied
    for anyone who may not run trials."""
    if not can_run_trials(user):
        raise PermissionDenied
    teams = Team.objects.exclude(kind=Team.Kind.PRACTICE).select_related("area")
    return teams.filter(area_id=user.team.area_id) if user.team_id else teams


def trials_for(user: Any) -> QuerySet[Trial]:
    return Trial.objects.filter(team__in=teams_for(user)).select_related("team", "area")


def get_trial_for_user(user: Any, trial_id: Any) -> Trial:
    """The trial, or 404 for "missing" and "not in your area" alike."""
    try:
        return trials_for(user).get(pk=trial_id)
    except (Trial.DoesNotExist, ValueError):
        raise Http404("No such trial.") from None
