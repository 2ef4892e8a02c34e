"""Case work: the caseload, the "what matters to me" conversation, the plan (goals and
actions), contacts and follow-ups, connections (social prescriptions), discharge, and
safeguarding concerns and their review.

A Case opens when a referral is accepted and closes at discharge.
"""
