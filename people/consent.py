"""Consent checks: what a person has agreed to, right now. Enforced by actions, not advisory."""

from __future__ import annotations

from people.models import Consent, Person


def _current(person: Person, kind: str, organization_id=None):
    qs = Consent.objects.filter(person=person, kind=kind)
    if organization_id is not None:
        qs = qs.filter(organization_id=organization_id)
    # The latest decision wins: a refusal or withdrawal after an earlier "yes" means no.
    return qs.order_by("-recorded_at").first()


def has_consent(person: Person, kind: str) -> bool:
    latest = _current(person, kind)
    return latest is not None and latest.is_current


def fields_shared_with(person: Person, organization_id) -> list[str]:
    """The fields the person agreed to share with this organisation ([] means none: no
    referral may be sent there)."""
    latest = _current(person, Consent.Kind.SHARE_WITH_ORGANIZATION, organization_id)
    if latest is None or not latest.is_current:
        return []
    allowed = {code for code, _ in Consent.SHAREABLE_FIELDS}
    return [f for f in latest.shared_fields if f in allowed]


def may_contact_by(person: Person, channel: str) -> bool:
    """Whether the person agreed to be contacted by "sms" or "email" (and we have the detail)."""
    if channel == "sms":
        return bool(person.phone) and has_consent(person, Consent.Kind.SMS)
    if channel == "email":
        return bool(person.email) and has_consent(person, Consent.Kind.EMAIL)
    raise ValueError(f"Unknown contact channel {channel!r}")
