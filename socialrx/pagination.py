"""Pagination for the JSON API: ninja's page numbers, with a ceiling.

A page number is turned into an SQL OFFSET; an absurd one (10**20) overflowed the database's
integer and answered 500. Past MAX_PAGE the request is refused as invalid (422, naming
`page`) before any query runs.
"""

from ninja import Field, Schema
from ninja.pagination import PageNumberPagination

MAX_PAGE = 100_000


class Pages(PageNumberPagination):
    class Input(Schema):
        page: int = Field(1, ge=1, le=MAX_PAGE)
        page_size: int | None = Field(None, ge=1)
