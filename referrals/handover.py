"""The case hands its news back to its referral: the first contact stamps the wait, and the
discharge closes the referral. casework announces both (casework.signals) from inside its
action's transaction; these receivers write the referral through its own actions, so the
referral's change and its audit row commit or roll back with the case's."""

from __future__ import annotations

import datetime as dt
from typing import Any

from casework.models import Case
from casework.signals import case_discharged, contact_recorded
from referrals.actions import close_referral, mark_first_contact


def on_contact_recorded(sender: Any, *, case: Case, at: dt.datetime, by: Any, **_: Any) -> None:
    mark_first_contact(case.referral, at=at, by=by)


def on_case_discharged(sender: Any, *, case: Case, by: Any, **_: Any) -> None:
    close_referral(case.referral, by=by)


def connect() -> None:
    """Called once from ReferralsConfig.ready."""
    contact_recorded.connect(on_contact_recorded, dispatch_uid="referrals.first_contact")
    case_discharged.connect(on_case_discharged, dispatch_uid="referrals.close_on_discharge")
