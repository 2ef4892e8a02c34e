"""Referrals in (clinician form, self-referral, API), duplicate detection and triage.

Owns a referral from receipt until it is accepted (which opens a casework Case), declined or
redirected. It does not own the case work that follows.
"""
