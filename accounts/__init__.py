"""Users, teams, areas and roles, the Permission enum, and personal API tokens.

Owns who someone is and what their role lets them do. It does not own what records they
can see: each domain app scopes its own querysets (queries.py) using these permissions.
"""
