"""Stream postcode files into the database in constant memory.

Two openly licensed sources (Open Government Licence) are understood, and told apart by
their first row:
- ONS Postcode Directory (ONSPD) CSV: a header row with `pcds`, `lat`, `long` and `doterm`.
  Terminated postcodes (`doterm` set) and rows without a grid reference (latitude 99.999999)
  are skipped. The LSOA columns (`lsoa11`, `lsoa21`), when present, are kept: deprivation
  (places.deprivation) is looked up by LSOA.
- OS Code-Point Open CSV: no header; postcode, positional quality, eastings, northings, ...
  Eastings/northings are converted to WGS84 (places.osgb).
A .zip of either is read member by member (Code-Point Open ships one CSV per postcode area).
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction
from django.db.models import Avg, Count

from places.models import Postcode, PostcodeDistrict
from places.osgb import grid_to_wgs84
from places.postcodes import normalise_postcode
from places.signals import lookups_loaded

BATCH = 5000
NO_GRID_REFERENCE = 99.999999
# The National Grid's extent in metres: every British postcode lies within it.
MAX_EASTING, MAX_NORTHING = 700_000, 1_300_000


class PostcodeFileError(ValueError):
    """The file cannot be read at all (not UTF-8, not CSV, not a zip): nothing is written."""


@dataclass
class PostcodeReport:
    imported: int = 0
    skipped_terminated: int = 0
    skipped_no_location: int = 0
    rejected: list[str] = field(default_factory=list)
    districts: int = 0
    format: str = ""

    @property
    def rejected_count(self) -> int:
        return len(self.rejected)


def _csv_streams(path: Path) -> Iterator[tuple[str, Iterable[str]]]:
    if path.suffix.lower() == ".zip":
        with zipfile.ZipFile(path) as archive:
            for name in sorted(archive.namelist()):
                if name.lower().endswith(".csv"):
                    with archive.open(name) as raw:
                        yield name, io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
    else:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            yield path.name, handle


Row = tuple[str, float, float, str | None, str | None]  # postcode, lat, lon, lsoa11, lsoa21


def _rows(path: Path, report: PostcodeReport) -> Iterator[Row]:
    for name, stream in _csv_streams(path):
        reader = csv.reader(stream)
        first = next(reader, None)
        if first is None:
            continue
        header = [h.strip().lower() for h in first]
        if "pcds" in header:
            report.format = "ONSPD"
            yield from _onspd(name, reader, header, report)
        else:
            report.format = "Code-Point Open"
            yield from _codepoint(name, [first], report, start=1)
            yield from _codepoint(name, reader, report, start=2)


def _onspd(name, reader, header, report):
    try:
        pc, lat_i, lon_i = header.index("pcds"), header.index("lat"), header.index("long")
    except ValueError:
        report.rejected.append(f"{name}: an ONSPD file needs pcds, lat and long columns.")
        return
    term_i = header.index("doterm") if "doterm" in header else None
    lsoa_i = [header.index(c) if c in header else None for c in ("lsoa11", "lsoa21")]
    for line, row in enumerate(reader, start=2):
        try:
            if term_i is not None and row[term_i].strip():
                report.skipped_terminated += 1
                continue
            lat, lon = float(row[lat_i]), float(row[lon_i])
            postcode = normalise_postcode(row[pc])
            lsoa11, lsoa21 = (None if i is None else _lsoa(row[i]) for i in lsoa_i)
        except (IndexError, ValueError):
            report.rejected.append(f"{name} line {line}: unreadable row.")
            continue
        if postcode is None:
            report.rejected.append(f"{name} line {line}: {row[pc]!r} is not a postcode.")
            continue
        if lat == NO_GRID_REFERENCE or not (-90 <= lat <= 90 and -180 <= lon <= 180):
            report.skipped_no_location += 1
            continue
        yield postcode, lat, lon, lsoa11, lsoa21


def _lsoa(value: str) -> str:
    # ONSPD fills the column with a pseudo code for Scotland and Northern Ireland (their
    # data zones have their own deprivation indices); keep only England and Wales LSOAs.
    code = value.strip().upper()
    return code if code[:3] in ("E01", "W01") else ""


def _codepoint(name, reader, report, *, start):
    for line, row in enumerate(reader, start=start):
        try:
            postcode = normalise_postcode(row[0])
            easting, northing = float(row[2]), float(row[3])
        except (IndexError, ValueError):
            report.rejected.append(f"{name} line {line}: unreadable row.")
            continue
        # Checked before converting: the conversion iterates, and never ends on inf or nan.
        if not (0 <= easting <= MAX_EASTING and 0 <= northing <= MAX_NORTHING):
            report.rejected.append(f"{name} line {line}: not a National Grid reference.")
            continue
        if postcode is None:
            report.rejected.append(f"{name} line {line}: {row[0]!r} is not a postcode.")
            continue
        if easting == 0 and northing == 0:
            report.skipped_no_location += 1
            continue
        lat, lon = grid_to_wgs84(easting, northing)
        yield postcode, round(lat, 6), round(lon, 6), None, None


def _flush(batch: list[Postcode], lsoa_fields: list[str]) -> int:
    """Upsert `batch`; how many postcodes that was. A postcode the batch holds twice is
    written once, as its last row (as a later batch would): PostgreSQL refuses to update
    one row twice in one statement."""
    unique = list({p.postcode: p for p in batch}.values())
    # Only the LSOA columns the file carried are written: loading Code-Point Open after
    # ONSPD must not blank the LSOAs ONSPD gave.
    Postcode.objects.bulk_create(
        unique,
        update_conflicts=True,
        unique_fields=["postcode"],
        update_fields=["outward", "latitude", "longitude", *lsoa_fields],
        batch_size=BATCH,
    )
    return len(unique)


def import_postcodes(path: Path) -> PostcodeReport:
    """Upsert every postcode in `path` (idempotent), then recompute district centroids.
    Memory stays flat: rows are streamed and written in batches of 5,000. A file that cannot
    be read (not UTF-8, not CSV, a broken zip) raises PostcodeFileError and writes nothing."""
    try:
        return _import_postcodes(path)
    except (UnicodeDecodeError, csv.Error, zipfile.BadZipFile) as exc:
        raise PostcodeFileError(f"{path.name} cannot be read: {exc}") from None


def _import_postcodes(path: Path) -> PostcodeReport:
    report = PostcodeReport()
    batch: list[Postcode] = []
    with transaction.atomic():
        lsoa_fields: list[str] = []
        for postcode, lat, lon, lsoa11, lsoa21 in _rows(path, report):
            lsoa_fields = [
                name for name, v in (("lsoa11", lsoa11), ("lsoa21", lsoa21)) if v is not None
            ]
            batch.append(
                Postcode(
                    postcode=postcode,
                    outward=postcode.split(" ")[0],
                    latitude=lat,
                    longitude=lon,
                    lsoa11=lsoa11 or "",
                    lsoa21=lsoa21 or "",
                )
            )
            if len(batch) >= BATCH:
                report.imported += _flush(batch, lsoa_fields)
                batch = []
        if batch:
            report.imported += _flush(batch, lsoa_fields)
        report.districts = rebuild_districts()
        lookups_loaded.send(sender=Postcode)
    return report


def rebuild_districts() -> int:
    rows = Postcode.objects.values("outward").annotate(
        lat=Avg("latitude"), lon=Avg("longitude"), n=Count("postcode")
    )
    PostcodeDistrict.objects.all().delete()
    districts = [
        PostcodeDistrict(
            outward=r["outward"], latitude=r["lat"], longitude=r["lon"], postcodes=r["n"]
        )
        for r in rows.iterator()
    ]
    PostcodeDistrict.objects.bulk_create(districts, batch_size=BATCH)
    return len(districts)
