"""The append-only audit log: every create, change and view of a person's data.

Actions in other apps call `record_event` inside their own transaction, so a change and its
audit row commit together or not at all. Views call `record_access` after an access check.
"""
