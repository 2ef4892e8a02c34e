"""How long an imported HSDS text may be, by what the standard says the field holds.

The HSDS schema sets no lengths; the database holds any text. Without a cap, one record with
a description of 200 MB imports, and every public search then reads it (80 times slower).
Each text field is capped by its meaning, generously enough that no real directory comes
near (the longest in the vendored examples and the San Mateo directory: a description of
4,848 characters, a required document of 279, a name of 177); a record over a cap is
refused, naming its file and JSON path or CSV row, and the whole import with it. The table is
in docs/directory.md ("Field sizes"). Where a database column is narrower still, its own
length applies too (checks.bounds).
"""

from __future__ import annotations

from typing import NamedTuple


class Cap(NamedTuple):
    limit: int  # most characters
    meaning: str  # what the field holds, for the message


NAME = Cap(255, "a name or title")
CODE = Cap(255, "a code, type or short label")
SHORT_TEXT = Cap(4_000, "a short text")
PROSE = Cap(10_000, "a passage of text")
DESCRIPTION = Cap(30_000, "a description")
# RFC 5321 4.5.3.1.3: a path is at most 256 octets, two of them the angle brackets.
EMAIL = Cap(254, "an email address (RFC 5321)")
# RFC 9110 4.1: senders and recipients should support URIs of at least 8,000 octets.
URL = Cap(8_000, "a URL (RFC 9110)")
# E.164 allows 15 digits; the rest is room for spaces, brackets and a written extension.
PHONE = Cap(64, "a telephone number")
# An area's outline (GeoJSON, WKT); metadata's values may be an old or new outline.
EXTENT = Cap(1_000_000, "a geographic extent")

BY_COLUMN: dict[str, Cap] = {
    **dict.fromkeys(("name", "alternate_name", "title", "department"), NAME),
    **dict.fromkeys(
        (
            "assured_date",
            "attending_type",
            "byday",
            "bymonthday",
            "byweekno",
            "byyearday",
            "character_set",
            "city",
            "closes_at",
            "code",
            "country",
            "currency",
            "dtstart",
            "extent_type",
            "external_identifier",
            "external_identifier_type",
            "field_name",
            "freq",
            "identifier",
            "identifier_scheme",
            "identifier_type",
            "language",
            "last_action_date",
            "last_action_type",
            "last_modified",
            "legal_status",
            "link_entity",
            "link_type",
            "location_type",
            "opens_at",
            "postal_code",
            "region",
            "resource_type",
            "state_province",
            "status",
            "tax_id",
            "tax_status",
            "taxonomy",
            "type",
            "until",
            "updated_by",
            "valid_from",
            "valid_to",
            "version",
            "wkst",
        ),
        CODE,
    ),
    **dict.fromkeys(("email", "assurer_email"), EMAIL),
    **dict.fromkeys(("url", "uri", "website", "logo", "term_uri", "schedule_link"), URL),
    "number": PHONE,
    **dict.fromkeys(
        (
            "alert",
            "amount_description",
            "application_process",
            "details",
            "eligibility_description",
            "fees",
            "fees_description",
            "interpretation_services",
            "licenses",
            "notes",
            "transportation",
            "wait_time",
        ),
        PROSE,
    ),
    "description": DESCRIPTION,
    **dict.fromkeys(("extent", "previous_value", "replacement_value"), EXTENT),
}


def cap(column: str) -> Cap:
    """The cap of a text column; one the table does not name (an address line, an
    attribute's value, a note, a required document) is a short text."""
    return BY_COLUMN.get(column, SHORT_TEXT)
