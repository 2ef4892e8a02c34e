"""JSON API for outcomes."""

from ninja import Router

router = Router(tags=["outcomes"])
