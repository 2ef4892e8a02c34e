"""JSON API for casework (mounted under /api/v1/ by socialrx/api.py)."""

from ninja import Router

router = Router(tags=["casework"])
