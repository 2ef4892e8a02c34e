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
