"""Deprivation by area: the English Index of Multiple Deprivation (IMD) decile of a postcode.

The operator loads two openly licensed files (Open Government Licence); nothing is fetched:
- the ONS Postcode Directory (`manage.py import_postcodes`), whose `lsoa11` / `lsoa21`
  columns give each postcode's Lower layer Super Output Area;
- the IMD "File 1" CSV (`manage.py import_imd`), one row per LSOA with its decile. IMD 2019
  is published on 2011 LSOAs ("LSOA code (2011)"), IMD 2025 on 2021 LSOAs.

A postcode's decile is blank (None) where it is unknown: a postcode not loaded, one outside
England, or one whose LSOA the IMD file does not list.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction
from django.db.models import Q

from places.models import Deprivation, Postcode
from places.postcodes import normalise_postcode
from places.signals import lookups_loaded

BATCH = 5000
_LSOA = re.compile(r"^E01\d{6}$")
# Header names (lower case) of the LSOA column, and the census its codes come from.
_LSOA_HEADERS = {
    "lsoa code (2011)": 2011,
    "lsoa11cd": 2011,
    "lsoa11": 2011,
    "lsoa code (2021)": 2021,
    "lsoa21cd": 2021,
    "lsoa21": 2021,
}
# File 1 calls it "Index of Multiple Deprivation (IMD) Decile", in some editions followed
# by "(where 1 is most deprived 10% of LSOAs)".
_DECILE_HEADERS = ("index of multiple deprivation (imd) decile", "imd_decile", "imddecile")


class ImdFileError(ValueError):
    """The file is not an IMD file this importer understands (the message says why)."""


@dataclass
class ImdReport:
    imported: int = 0
    census: int = 0
    rejected: list[str] = field(default_factory=list)


def _columns(header: list[str]) -> tuple[int, int, int]:
    names = [h.strip().lower() for h in header]
    lsoa = next(((i, _LSOA_HEADERS[n]) for i, n in enumerate(names) if n in _LSOA_HEADERS), None)
    decile = next((i for i, n in enumerate(names) if n.startswith(_DECILE_HEADERS)), None)
    if lsoa is None or decile is None:
        raise ImdFileError(
            'An IMD file needs an "LSOA code (2011)" (or "LSOA code (2021)") column and an '
            '"Index of Multiple Deprivation (IMD) Decile" column, as in the published File 1.'
        )
    return lsoa[0], lsoa[1], decile


def import_imd(path: Path) -> ImdReport:
    """Replace the deciles of the census year the file is on with the file's (idempotent).
    Raises ImdFileError when the header is not an IMD file's; rows with a bad LSOA code or
    decile are listed in the report and skipped."""
    report = ImdReport()
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader, None)
        if header is None:
            raise ImdFileError("The file is empty.")
        lsoa_i, report.census, decile_i = _columns(header)
        with transaction.atomic():
            Deprivation.objects.filter(census=report.census).delete()
            batch: list[Deprivation] = []
            for line, row in enumerate(reader, start=2):
                if not any(cell.strip() for cell in row):
                    continue
                try:
                    lsoa, decile = row[lsoa_i].strip().upper(), int(row[decile_i])
                except (IndexError, ValueError):
                    report.rejected.append(f"line {line}: no whole-number decile.")
                    continue
                if not _LSOA.match(lsoa):
                    report.rejected.append(f"line {line}: {lsoa!r} is not an English LSOA code.")
                    continue
                if not 1 <= decile <= 10:
                    report.rejected.append(f"line {line}: decile {decile} is not 1 to 10.")
                    continue
                batch.append(Deprivation(lsoa=lsoa, census=report.census, imd_decile=decile))
                if len(batch) >= BATCH:
                    report.imported += _flush(batch)
                    batch = []
            report.imported += _flush(batch)
            lookups_loaded.send(sender=Deprivation)
    return report


def _flush(batch: list[Deprivation]) -> int:
    # A file listing an LSOA twice keeps its last row.
    Deprivation.objects.bulk_create(
        batch,
        update_conflicts=True,
        unique_fields=["census", "lsoa"],
        update_fields=["imd_decile"],
    )
    return len(batch)


def deprivation_deciles(postcodes: Iterable[str]) -> dict[str, int]:
    """{postcode: IMD decile} for those of `postcodes` whose decile is known, in two
    queries whatever their number. A decile on 2021 LSOAs is preferred to one on 2011
    LSOAs when both files are loaded."""
    wanted = {p for p in (normalise_postcode(pc) for pc in postcodes) if p}
    if not wanted:
        return {}
    rows = list(
        Postcode.objects.filter(postcode__in=wanted)
        .exclude(lsoa11="", lsoa21="")
        .values_list("postcode", "lsoa11", "lsoa21")
    )
    if not rows:
        return {}
    by_census = {
        (d.census, d.lsoa): d.imd_decile
        for d in Deprivation.objects.filter(
            Q(census=2011, lsoa__in={r[1] for r in rows if r[1]})
            | Q(census=2021, lsoa__in={r[2] for r in rows if r[2]})
        )
    }
    deciles: dict[str, int] = {}
    for postcode, lsoa11, lsoa21 in rows:
        decile = by_census.get((2021, lsoa21)) or by_census.get((2011, lsoa11))
        if decile:
            deciles[postcode] = decile
    return deciles


def deprivation_decile(postcode: str) -> int | None:
    """The IMD decile (1 = most deprived tenth of English areas) of the postcode's LSOA, or
    None when it is not known."""
    normal = normalise_postcode(postcode or "")
    return deprivation_deciles([normal]).get(normal) if normal else None
