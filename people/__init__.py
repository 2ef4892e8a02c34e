"""The person: identity (NHS number or local identifier), contact details, needs, consents.

Owns who a person is and what they have agreed to. It does not own their referrals or case.
"""
