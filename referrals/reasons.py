"""The coded reasons for referral, with SNOMED CT concepts where one fits.

The codes are the API's vocabulary (GET /api/v1/referral-reasons); never type them by hand.
"""

from __future__ import annotations

from django.db import models


class Reason(models.TextChoices):
    LONELINESS = "loneliness", "Loneliness or social isolation"
    LOW_MOOD = "low_mood", "Low mood or anxiety"
    MONEY = "money", "Money or debt"
    HOUSING = "housing", "Housing"
    EMPLOYMENT = "employment", "Employment"
    INACTIVITY = "inactivity", "Physical inactivity"
    WEIGHT = "weight", "Weight"
    CARER = "carer", "Carer support"
    BEREAVEMENT = "bereavement", "Bereavement"
    LONG_TERM_CONDITION = "long_term_condition", "Long-term condition support"
    FREQUENT_ATTENDANCE = "frequent_attendance", "Frequent attendance"


# Who may give each reason. A person referring themselves chooses from the reasons worded
# here, in their own terms; a reason worded None is a clinician's (frequent attendance is
# what the practice sees, not a need a person names), so the public form neither offers
# nor accepts it. Every reason is listed, so a new one needs a decision (tested).
PERSON_WORDING: dict[Reason, str | None] = {
    Reason.LONELINESS: "Feeling lonely or cut off from other people",
    Reason.LOW_MOOD: "Feeling low, worried or anxious",
    Reason.MONEY: "Money worries or debt",
    Reason.HOUSING: "Problems with housing",
    Reason.EMPLOYMENT: "Work, or finding work",
    Reason.INACTIVITY: "Being more physically active",
    Reason.WEIGHT: "Managing my weight",
    Reason.CARER: "Looking after someone (being a carer)",
    Reason.BEREAVEMENT: "Coping after someone close has died",
    Reason.LONG_TERM_CONDITION: "Living with a long-term health condition",
    Reason.FREQUENT_ATTENDANCE: None,
}


def self_referral_choices() -> list[tuple[str, str]]:
    """The reasons a person may choose for themselves, in their words, in Reason order."""
    return [(r.value, wording) for r in Reason if (wording := PERSON_WORDING.get(r))]


# SNOMED CT concepts (International / UK edition) for the findings behind each reason.
# Only codes we have checked are listed; reasons without one are coded by text alone.
SNOMED_FOR_REASON: dict[str, tuple[str, str]] = {
    Reason.LONELINESS: ("422650009", "Social isolation (finding)"),
    Reason.LOW_MOOD: ("366979004", "Depressed mood (finding)"),
    Reason.MONEY: ("160903007", "Financial problem (finding)"),
    Reason.HOUSING: ("105531004", "Housing unsatisfactory (finding)"),
    Reason.EMPLOYMENT: ("73438004", "Unemployed (finding)"),
    Reason.INACTIVITY: ("160711003", "Lack of physical exercise (finding)"),
    Reason.BEREAVEMENT: ("699679007", "Bereavement (finding)"),
}

SNOMED_REFERRAL_TO_SOCIAL_PRESCRIBING = (
    "871731000000106",
    "Referral to social prescribing service",
)


def reason_label(code: str) -> str:
    try:
        return Reason(code).label
    except ValueError:
        return code
