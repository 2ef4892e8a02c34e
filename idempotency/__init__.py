"""Writes exactly once: the answers to API writes sent with an `Idempotency-Key` header,
kept for 24 hours so a retry gets the first answer instead of writing again (keys.py).

Owns nothing about people or referrals; its rows are purged after a day. It is an app of
its own, not part of `audit`, because the audit log is append-only and kept, while these
rows are short-lived copies of answers that must be deleted (docs/api.md).
"""
