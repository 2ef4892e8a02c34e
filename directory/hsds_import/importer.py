"""One import from start to end: read the path given, check, write, report."""

from __future__ import annotations

import gc
import tempfile
import zipfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from directory.actions import record_hsds_import
from directory.hsds_import import checks, tuning
from directory.hsds_import.csv_reader import read_csv_dir
from directory.hsds_import.dataset import Dataset
from directory.hsds_import.json_reader import read_json
from directory.hsds_import.output import Output, complete, created_counts, write_rest
from directory.hsds_import.records import ImportFailed, ImportReport


@contextmanager
def _without_cycle_collection():
    """An import holds millions of small dicts and lists until it ends. Python's cycle
    collector would walk them over and over while they are built (docs/benchmarks.md:
    Directory) and can free none of them; reference counting still frees
    everything the import lets go of."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def import_hsds(path: Path, *, by=None, via: str = "import_hsds") -> ImportReport:
    """Import a .json file, a folder of CSVs, or a .zip of either. Raises ImportFailed with
    the report (and writes nothing) when any record is rejected.

    In the import's transaction, once every record is written: its audit event (who: the
    user `by`, or without one `via`, naming the command or job; the file; the records
    created and updated) and the notice to listeners of what changed (matching's index and
    embeddings), by directory.actions.record_hsds_import."""
    with _without_cycle_collection():
        return _import(Path(path), _Done(source=str(path), by=by, via=via))


@dataclass(frozen=True)
class _Done:
    """Who imports what, for record_hsds_import once it is written."""

    source: str
    by: object
    via: str


def _import(path: Path, done: _Done) -> ImportReport:
    tuned = tuning.current()
    data = Dataset(flush_every=tuned.flush_every)
    with Output(tuned) as data.output:
        if path.suffix.lower() == ".zip":
            with tempfile.TemporaryDirectory() as tmp, zipfile.ZipFile(path) as archive:
                archive.extractall(tmp)  # noqa: S202 - names are checked below
                root = Path(tmp)
                if any(".." in Path(n).parts or Path(n).is_absolute() for n in archive.namelist()):
                    data.errors.append(f"{path.name}: the zip contains unsafe paths.")
                else:
                    _read_tree(root, path.name, data, tuned)
                    return _finish(data, done)
        elif path.is_dir():
            _read_tree(path, path.name, data, tuned)
        elif path.exists():
            read_json(path.read_bytes(), path.name, data, tuned)
        else:
            data.errors.append(f"{path}: no such file or folder.")
        return _finish(data, done)


def _read_tree(root: Path, label: str, data: Dataset, tuned: tuning.Tuning) -> None:
    jsons = sorted(root.glob("*.json"))
    if list(root.glob("*.csv")):
        read_csv_dir(root, data)
    elif jsons:
        for file in jsons:
            if file.name != "datapackage.json":
                read_json(file.read_bytes(), file.name, data, tuned)
    else:
        data.errors.append(f"{label}: no .json or .csv files at its top level.")


def _finish(data: Dataset, done: _Done) -> ImportReport:
    """Check references and write the rest, or raise ImportFailed; leaving the caller's
    `with Output()` then commits, or rolls back whatever was written already."""
    for table in list(data.rows):
        data.errors.extend(checks.bound_errors(data, table, data.to_write(table)))
    # Once writing has begun, the rest goes to the loader now, and after it the key checks
    # and index rebuilds, all done while the references are checked here (the check asks
    # the database only about rows stored before, ahead of the queue). A small dataset is
    # still checked whole first.
    streamed = data.output.writing
    if streamed and not data.errors:
        write_rest(data, data.output)
    if not data.errors:
        checks.check_references(data)
    report = ImportReport(errors=data.errors, warnings=data.warnings)
    if data.errors:
        raise ImportFailed(report)
    if not streamed:
        write_rest(data, data.output)
    report.counts, written = complete(data, data.output)
    created = created_counts(report.counts, data.output)
    report.created = {table: n for table, n in created.items() if n}
    report.updated = {
        table: n - created[table] for table, n in report.counts.items() if n > created[table]
    }
    record_hsds_import(report, source=done.source, by=done.by, via=done.via, records=written)
    return report
