"""The trial panel on a case page, and the wait tag on caseload rows, so case work shows a
trial without its views reading trials (one query each, or two when a decision is due)."""

from __future__ import annotations

from django import template

from trials import queries

register = template.Library()


@register.inclusion_tag("trials/_case_panel.html")
def trial_panel(case):
    participant = queries.participant_for(case)
    pending = None if participant else queries.pending_trial_for(case)
    return {"case": case, "participant": participant, "pending": pending}


@register.simple_tag
def trial_waits(cases):
    """referral id -> the day contact starts, for the cases on a page allocated to wait."""
    return queries.waits_for(case.referral_id for case in cases)


@register.filter
def wait_for(waits, case):
    return waits.get(case.referral_id)
