"""What case work announces to the referral it came from.

referrals sits above casework (accepting a referral opens its case, `referrals.actions.
accept_referral` calls `casework.actions.open_case`), so casework cannot call referrals back.
Its actions send these signals instead, inside their own transaction; the receivers are
`referrals.handover`, connected in `ReferralsConfig.ready`. They are sent with
`Signal.send`, not `send_robust`: a receiver that raises rolls the action back.
"""

from __future__ import annotations

from django.dispatch import Signal

# A contact with the person was logged. Arguments: case, at (when it happened, never in
# the future), by (the acting user, or None for an imported history).
contact_recorded = Signal()

# The case was discharged. Arguments: case, by.
case_discharged = Signal()
