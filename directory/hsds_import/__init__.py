"""Import an HSDS 3.0 dataset: nested JSON services, the tabular CSV form, or a zip of either.

All or nothing: every record is checked (schema, types, sizes, references) and the dataset
is written in one transaction, which is rolled back if anything is rejected. Re-import
upserts by id. Every rejected record is reported with its file and JSON path or CSV row, and
the reason. Once everything is written, in the same transaction, the import records its
audit event and tells listeners (matching) what changed: directory.actions.record_hsds_import.

A small dataset is checked whole before anything is written. A large one is written while
it is read: once a table has `Tuning.flush_every` new records they go to a background
`Loader`, so the database works on one core while this thread reads on the other. Records
are complete when first seen in the usual case; one that a later copy adds to is written
again at the end. The design is ADR 0018 (docs/adr).

The modules, in the order an import uses them:
- `importer`: one import from start to end (`import_hsds`);
- `json_reader` and `csv_reader`: the two forms, read into
- `dataset`: the records by table and id, merged across copies, sent in batches;
- `checks`: what the database can hold, field sizes by the standard's meaning, references;
- `output`: the transaction, the Loader, and what is written when the file is read;
- `records` (the report, where a record was read) and `tuning` (the sizes it works in).
"""

from directory.hsds_import.importer import import_hsds
from directory.hsds_import.records import ImportFailed, ImportReport
from directory.hsds_import.tuning import Tuning, tuned

__all__ = ["ImportFailed", "ImportReport", "Tuning", "import_hsds", "tuned"]
