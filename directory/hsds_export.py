# LEAD NOTE: the lead implemented HSDS import/export here while the directory helper had
# not started. Extend and test; do NOT rewrite wholesale; keep directory/tests passing.
"""Export the directory as HSDS 3.0: nested JSON services, or the tabular CSV form.

Everything is read once per table and assembled in memory, so exporting N services costs
~21 queries, not N x 21. Arrays are ordered by id, so exports are deterministic.
"""

from __future__ import annotations

import csv
import json
import zipfile
from collections import defaultdict
from pathlib import Path

from directory import hsds_tables as t


def _number(value):
    if value is None:
        return None
    return int(value) if float(value).is_integer() else value


class _Store:
    def __init__(self, service_ids=None) -> None:
        self.rows: dict[str, dict[str, dict]] = {}
        for table in t.WRITE_ORDER:
            model = t.MODELS[table]
            qs = model.objects.all()
            if table == "service" and service_ids is not None:
                qs = qs.filter(pk__in=service_ids)
            self.rows[table] = {str(obj.pk): self._row(table, obj) for obj in qs.iterator()}
        self.children: dict[tuple[str, str], dict[str, list[str]]] = defaultdict(
            lambda: defaultdict(list)
        )
        for table, rows in self.rows.items():
            for column, _target in t.tables()[table]["foreign_keys"]:
                for record_id, row in rows.items():
                    if row.get(column):
                        self.children[(table, column)][row[column]].append(record_id)
        for poly_table, column in (("attribute", "link_id"), ("metadata", "resource_id")):
            for record_id, row in self.rows[poly_table].items():
                self.children[(poly_table, column)][row[column]].append(record_id)

    @staticmethod
    def _row(table: str, obj) -> dict:
        row = {}
        required = t.json_required(table)
        for column, kind in t.tables()[table]["fields"]:
            value = getattr(obj, t.attname(table, column))
            if value is None or (value == "" and column not in required):
                continue
            if kind == "number":
                value = _number(value)
            elif not isinstance(value, str):
                value = str(value)
            row[column] = value
        return row

    def nested(self, table: str, record_id: str) -> dict:
        row = self.rows[table].get(record_id)
        if row is None:
            return {"id": record_id}
        out = {c: row[c] for c in t.scalar_columns(table) if c in row}
        for key, child_table, parent_column in t.MANY.get(table, []):
            ids = sorted(self.children[(child_table, parent_column)].get(record_id, []))
            out[key] = [self.nested(child_table, i) for i in ids]
        for key, child_table, own_column in t.ONE.get(table, []):
            if row.get(own_column):
                out[key] = self.nested(child_table, row[own_column])
        if table in t.POLYMORPHIC_PARENTS:
            out["attributes"] = [
                self.nested("attribute", i)
                for i in sorted(self.children[("attribute", "link_id")].get(record_id, []))
            ]
            out["metadata"] = [
                self.nested("metadata", i)
                for i in sorted(self.children[("metadata", "resource_id")].get(record_id, []))
            ]
        return out


def services_as_json(service_ids=None) -> list[dict]:
    store = _Store(service_ids)
    return [store.nested("service", sid) for sid in sorted(store.rows["service"])]


def export_hsds(path: Path) -> dict[str, int]:
    """Write the whole directory: a JSON array when `path` ends in .json, a .zip of the CSV
    form when it ends in .zip, otherwise a folder of CSV files (created if missing)."""
    path = Path(path)
    if path.suffix.lower() == ".json":
        path.parent.mkdir(parents=True, exist_ok=True)
        services = services_as_json()
        path.write_text(json.dumps(services, indent=2, ensure_ascii=False), encoding="utf-8")
        return {"service": len(services)}
    if path.suffix.lower() == ".zip":
        path.parent.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
            counts = {}
            for name, text, n in _csv_files():
                archive.writestr(name, text)  # at the zip's root
                counts[name] = n
        return counts
    path.mkdir(parents=True, exist_ok=True)
    counts = {}
    for name, text, n in _csv_files():
        (path / name).write_text(text, encoding="utf-8", newline="")
        counts[name] = n
    (path / "datapackage.json").write_text(t.DATAPACKAGE.read_text())
    return counts


def _csv_files():
    import io

    store = _Store()
    for table, spec in t.tables().items():
        columns = [name for name, _ in spec["fields"]]
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\r\n")
        writer.writeheader()
        rows = store.rows.get(table, {})
        for record_id in sorted(rows):
            writer.writerow({c: rows[record_id].get(c, "") for c in columns})
        yield spec["path"], buffer.getvalue(), len(rows)
