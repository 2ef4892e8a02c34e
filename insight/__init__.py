"""Insight: what works, for whom, and where the community falls short.

Read-only over the other apps' records (dashboards, evaluation, gaps in provision,
exports), plus bringing a service's history in (import_caseload). Aggregation happens in
the database; small numbers are suppressed in every output (insight.suppression).
"""
