"""Where a referral goes: the social prescribing team that triages it.

A GP practice does not triage; it is *served by* one or more social prescribing teams (a
PCN's link workers, a local connector scheme), set by an administrator. A clinician's
referral goes to the team serving their practice, or to the one they choose when several
do. A referrer whose own account is in a social prescribing team refers to that team. A
self-referral goes to the team whose self-referral postcodes cover the person's postcode.
"""

from __future__ import annotations

from accounts.models import Team
from places.postcodes import parse_coverage, postcode_keys
from socialrx.errors import DomainError


class NoServingTeam(DomainError):
    """No social prescribing team takes referrals from here."""

    status_code = 409


def teams_serving(team: Team | None) -> list[Team]:
    """The social prescribing teams a member of `team` may refer to, by name.

    A practice's are the teams that serve it (possibly none yet). Any other kind of team is
    itself a social prescribing team, so its members refer to it, and to any team that
    serves it as well.
    """
    if team is None:
        return []
    serving = list(team.served_by.order_by("name", "pk"))
    if team.is_practice:
        return serving
    return [team, *(t for t in serving if t.pk != team.pk)]


def choose_team(options: list[Team], chosen_id: int | None = None) -> Team:
    """Of `options` (teams_serving of the referrer's team), the one a referral goes to: the
    only one, or `chosen_id` among several. Raises NoServingTeam, or
    DomainError(field="team")."""
    if not options:
        raise NoServingTeam(
            "No social prescribing team takes referrals from your practice yet. Ask your "
            "administrator to set which team serves it.",
            field="team",
        )
    if chosen_id is None:
        if len(options) == 1:
            return options[0]
        names = "; ".join(f"{t.pk} ({t.name})" for t in options)
        raise DomainError(
            f"Several teams serve your practice: choose one of {names}.", field="team"
        )
    for option in options:
        if option.pk == chosen_id:
            return option
    raise DomainError("Choose one of the teams that serve your practice.", field="team")


def team_for_postcode(postcode: str) -> Team | None:
    """The self-referral team covering `postcode`: the most specific coverage wins (a sector
    over its district); between equally specific ones, the team first by name."""
    keys = postcode_keys(postcode)
    if not keys:
        return None
    best: tuple[int, str, int] | None = None
    chosen = None
    teams = Team.objects.filter(accepts_self_referrals=True).exclude(self_referral_postcodes="")
    for team in teams:
        try:
            covered = set(parse_coverage(team.self_referral_postcodes))
        except ValueError:
            continue  # the admin form refuses these; an old bad value covers nothing
        for rank, key in enumerate(keys):
            if key in covered:
                candidate = (rank, team.name, team.pk)
                if best is None or candidate < best:
                    best, chosen = candidate, team
                break
    return chosen


def self_referral_open() -> bool:
    """Whether any team takes self-referrals at all (else the public form is closed)."""
    return (
        Team.objects.filter(accepts_self_referrals=True)
        .exclude(self_referral_postcodes="")
        .exists()
    )
