"""The vendored HSDS 3.0 fixtures (data/hsds/, CC BY-SA 4.0; see its README)."""

from pathlib import Path

HSDS = Path(__file__).parent / "data" / "hsds"
EXAMPLES = HSDS / "examples"
FULL = EXAMPLES / "service_full.json"
SERVICE_LIST = EXAMPLES / "service_list.json"
CSV_OFFICIAL = EXAMPLES / "csv"
ARRAY = HSDS / "derived" / "services_array.json"
CSV_OK = HSDS / "derived" / "csv-consistent"

# Every file the tests open: missing one fails the run (directory/tests/conftest.py).
CSV_FILES = (
    "accessibility.csv",
    "addresses.csv",
    "attributes.csv",
    "contacts.csv",
    "cost_options.csv",
    "funding.csv",
    "languages.csv",
    "locations.csv",
    "meta_table_descriptions.csv",
    "metadata.csv",
    "organization_identifiers.csv",
    "organizations.csv",
    "phones.csv",
    "programs.csv",
    "required_documents.csv",
    "schedules.csv",
    "service_areas.csv",
    "service_at_location.csv",
    "services.csv",
    "taxonomies.csv",
    "taxonomy_terms.csv",
)
REQUIRED = (
    FULL,
    SERVICE_LIST,
    ARRAY,
    *(CSV_OFFICIAL / name for name in CSV_FILES),
    *(CSV_OK / name for name in CSV_FILES),
)


def missing() -> list[Path]:
    return [path for path in REQUIRED if not path.is_file()]
