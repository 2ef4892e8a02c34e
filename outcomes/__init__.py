"""Outcome measures: instruments as data, scoring, measurement schedules, one-time links for
people to answer on their phone, and healthcare use before and after referral.

Owns what was measured and when. It does not own the case (casework) or the directory
categories a flagged need points to (directory).
"""
