"""Export the directory as HSDS 3.0: nested JSON services, or the tabular CSV form.

Everything is read once per table and assembled in memory, so exporting N services costs
~21 queries, not N x 21. Arrays are ordered by id, so exports are deterministic.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections import defaultdict
from pathlib import Path

from django.db.models import Q

from directory import hsds_tables as t
from directory import models as m
from socialrx.csv_cells import spreadsheet_safe


def _number(value):
    if value is None:
        return None
    return int(value) if float(value).is_integer() else value


def _scoped_querysets(service_ids, locations=None, programs=None) -> dict:
    """Only the rows that the given services' full objects contain (a handful of queries).
    `locations` and `programs`, when given, are querysets that an organisation's own
    locations and programs must also be in (the API passes what its caller may see)."""
    services = list(m.Service.objects.filter(pk__in=service_ids))
    org_ids = {s.organization_id for s in services}
    sals = list(m.ServiceAtLocation.objects.filter(service_id__in=service_ids))
    sal_ids = {x.pk for x in sals}
    org_locations = m.Location.objects if locations is None else locations
    org_locations = org_locations.filter(organization_id__in=org_ids)
    location_ids = {x.location_id for x in sals} | set(org_locations.values_list("pk", flat=True))
    contacts = m.Contact.objects.filter(
        Q(service_id__in=service_ids)
        | Q(service_at_location_id__in=sal_ids)
        | Q(location_id__in=location_ids)
        | Q(organization_id__in=org_ids)
    )
    contact_ids = set(contacts.values_list("pk", flat=True))
    phones = m.Phone.objects.filter(
        Q(service_id__in=service_ids)
        | Q(service_at_location_id__in=sal_ids)
        | Q(location_id__in=location_ids)
        | Q(organization_id__in=org_ids)
        | Q(contact_id__in=contact_ids)
    )
    org_programs = m.Program.objects if programs is None else programs
    org_programs = org_programs.filter(organization_id__in=org_ids)
    program_ids = {s.program_id for s in services if s.program_id} | set(
        org_programs.values_list("pk", flat=True)
    )
    owners = (
        set(service_ids)
        | org_ids
        | sal_ids
        | location_ids
        | contact_ids
        | program_ids
        | set(phones.values_list("pk", flat=True))
    )
    attributes = m.Attribute.objects.filter(link_id__in=owners)
    term_ids = set(attributes.values_list("taxonomy_term_id", flat=True))
    terms = m.TaxonomyTerm.objects.filter(pk__in=term_ids)
    return {
        "service": services,
        "organization": m.Organization.objects.filter(pk__in=org_ids),
        "program": m.Program.objects.filter(pk__in=program_ids),
        "organization_identifier": m.OrganizationIdentifier.objects.filter(
            organization_id__in=org_ids
        ),
        "service_at_location": sals,
        "location": m.Location.objects.filter(pk__in=location_ids),
        "contact": contacts,
        "phone": phones,
        "schedule": m.Schedule.objects.filter(
            Q(service_id__in=service_ids)
            | Q(location_id__in=location_ids)
            | Q(service_at_location_id__in=sal_ids)
        ),
        "address": m.Address.objects.filter(location_id__in=location_ids),
        "language": m.Language.objects.filter(
            Q(service_id__in=service_ids) | Q(location_id__in=location_ids) | Q(phone__in=phones)
        ),
        "accessibility": m.Accessibility.objects.filter(location_id__in=location_ids),
        "cost_option": m.CostOption.objects.filter(service_id__in=service_ids),
        "funding": m.Funding.objects.filter(
            Q(service_id__in=service_ids) | Q(organization_id__in=org_ids)
        ),
        "required_document": m.RequiredDocument.objects.filter(service_id__in=service_ids),
        "service_area": m.ServiceArea.objects.filter(service_id__in=service_ids),
        "attribute": attributes,
        "taxonomy_term": terms,
        "taxonomy": m.Taxonomy.objects.filter(pk__in=terms.values("taxonomy_detail_id")),
        "metadata": m.Metadata.objects.filter(resource_id__in=owners),
        "meta_table_description": m.MetaTableDescription.objects.none(),
    }


class _Store:
    def __init__(self, service_ids=None, *, locations=None, programs=None) -> None:
        self.rows: dict[str, dict[str, dict]] = {}
        scoped = {}
        if service_ids is not None:
            scoped = _scoped_querysets(service_ids, locations, programs)
        for table in t.WRITE_ORDER:
            qs = scoped.get(table, t.MODELS[table].objects.all())
            objects = qs if isinstance(qs, list) else qs.iterator()
            self.rows[table] = {str(obj.pk): self._row(table, obj) for obj in objects}
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


def services_as_json(service_ids=None, *, locations=None, programs=None) -> list[dict]:
    store = _Store(service_ids, locations=locations, programs=programs)
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
    store = _Store()
    for table, spec in t.tables().items():
        columns = [name for name, _ in spec["fields"]]
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\r\n")
        writer.writeheader()
        rows = store.rows.get(table, {})
        for record_id in sorted(rows):
            row = rows[record_id]
            writer.writerow({c: spreadsheet_safe(row.get(c, "")) for c in columns})
        yield spec["path"], buffer.getvalue(), len(rows)
