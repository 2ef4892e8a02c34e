"""JSON API for matching."""

from ninja import Router

router = Router(tags=["matching"])
