"""The local population, for the dashboards' reach tables: how many people live in each
area by age band and sex, and by IMD decile, so reach can be read as "referred per 1,000
residents" and as a share of people referred beside the group's share of residents.

Figures are loaded offline (`manage.py load_population FILE.csv`, format in
docs/insight.md#local-population), all or nothing, replacing what an area had of each kind.
Where the areas in view have no figures loaded the tables say so plainly and compare nothing.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from accounts.models import Area, Team
from audit.actions import Subject, record_event
from audit.models import Event
from insight.access import teams_in
from insight.models import PopulationCount

if TYPE_CHECKING:
    from insight.dashboards import Filters, Table

COLUMNS = [
    "Residents",
    "Referred per 1,000 residents",
    "Share referred (%)",
    "Share of residents (%)",
]
SEXES = {"female": "Female", "male": "Male"}
HEADER = ["area", "kind", "group", "sex", "people"]


def csv_band(label: str) -> str:
    """The dashboard's age band label as the file writes it: "18–24" is "18-24", "80 and
    over" is "80+"."""
    return label.replace("–", "-").replace(" and over", "+")


# --- Loading -------------------------------------------------------------------------------


@dataclass
class LoadReport:
    areas: list[str] = field(default_factory=list)
    rows: int = 0
    errors: list[str] = field(default_factory=list)


def _parse_row(
    row: dict, areas: dict[str, Area], bands: dict[str, str]
) -> tuple[list[tuple[str, str]], Any]:
    """([(column, message)], PopulationCount or None) for one data row."""
    problems: list[tuple[str, str]] = []
    code = (row.get("area") or "").strip()
    area = areas.get(code)
    if area is None:
        problems.append(("area", f"no area has the code {code!r}" if code else "is blank"))
    kind = (row.get("kind") or "").strip()
    group = (row.get("group") or "").strip()
    sex = (row.get("sex") or "").strip().lower()
    band, decile = "", None
    if kind == PopulationCount.Kind.AGE_SEX:
        band = bands.get(group, "")
        if not band:
            problems.append(("group", f"must be an age band: {', '.join(bands)}"))
        if sex not in SEXES:
            problems.append(("sex", "must be female or male"))
    elif kind == PopulationCount.Kind.DEPRIVATION:
        if group not in {str(d) for d in range(1, 11)}:
            problems.append(("group", "must be an IMD decile from 1 to 10"))
        else:
            decile = int(group)
        if sex:
            problems.append(("sex", "must be blank for a deprivation row"))
    else:
        problems.append(("kind", "must be age_sex or deprivation"))
    people_text = (row.get("people") or "").strip()
    people = 0
    if people_text.isascii() and people_text.isdigit() and int(people_text) <= 100_000_000:
        people = int(people_text)
    else:
        problems.append(("people", "must be a whole number of people (0 or more)"))
    if problems:
        return problems, None
    return [], PopulationCount(
        area=area, kind=kind, age_band=band, sex=sex, imd_decile=decile, people=people
    )


def load_population(text: str, *, filename: str, source: str, age_bands: list[str]) -> LoadReport:
    """Load population figures from CSV text. `age_bands` are the dashboard's age band
    labels (insight.dashboards.age_band_labels, without "Not known"). Every bad cell is
    reported as `file.csv:line: column: message` and then nothing is written; otherwise
    each area's figures of each kind in the file replace what it had, in one transaction,
    audited."""
    bands = {csv_band(label): label for label in age_bands}
    report = LoadReport()
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    missing = [c for c in HEADER if c not in (reader.fieldnames or [])]
    if missing:
        report.errors.append(f"{filename}:1: header: missing column(s) {', '.join(missing)}")
        return report
    areas = {a.code: a for a in Area.objects.all()}
    rows: list[PopulationCount] = []
    seen: dict[tuple, int] = {}
    for line, row in enumerate(reader, start=2):
        problems, parsed = _parse_row(row, areas, bands)
        if parsed is not None:
            key = (parsed.area.code, parsed.kind, parsed.age_band, parsed.sex, parsed.imd_decile)
            if key in seen:
                problems.append(("group", f"repeats line {seen[key]}"))
            seen.setdefault(key, line)
        report.errors.extend(f"{filename}:{line}: {col}: {msg}" for col, msg in problems)
        if not problems:
            rows.append(parsed)
    if not rows and not report.errors:
        report.errors.append(f"{filename}:2: people: the file has no rows")
    if report.errors:
        return report
    now = timezone.now()
    with transaction.atomic():
        replaced = {(r.area.pk, r.kind) for r in rows}
        for area_id, kind in replaced:
            PopulationCount.objects.filter(area_id=area_id, kind=kind).delete()
        for r in rows:
            r.source, r.loaded_at = source, now
        PopulationCount.objects.bulk_create(rows)
        for code in sorted({r.area.code for r in rows}):
            kinds = sorted({r.kind for r in rows if r.area.code == code})
            record_event(
                None,
                Event.Verb.CHANGE,
                Subject("insight.population", code),
                detail={"kinds": kinds, "rows": sum(1 for r in rows if r.area.code == code)},
                actor_label="manage.py load_population",
            )
    report.areas = sorted({r.area.code for r in rows})
    report.rows = len(rows)
    return report


# --- Comparing -----------------------------------------------------------------------------


def areas_in_view(f: Filters):
    """The areas whose residents the filtered dashboard is about: ([area id] or a subquery
    of one area's id, True) when one area is in view, else ([area ids], False)."""
    area_id = f.area_id or f.scope.area_id
    if area_id:
        return [area_id], True
    team_id = f.team_id or f.scope.team_id
    if team_id:
        return Team.objects.filter(pk=team_id).values("area_id"), True
    return list(teams_in(f.scope).values_list("area_id", flat=True).distinct()), False


@dataclass
class Residents:
    """Residents of the areas in view by group, or why there are none to compare with."""

    by_group: dict[str, int]
    missing: str = ""  # a sentence when figures are not loaded

    @property
    def known(self) -> bool:
        return not self.missing


def residents(f: Filters, kind: str) -> Residents:
    """Residents by group (age band, sex or decile label) over the areas in view; all of
    them must have figures of this kind, else nothing is compared. 1 query (2 when several
    areas are in view; 1 more to name those without figures)."""
    areas, single = areas_in_view(f)
    what = "by age and sex" if kind == PopulationCount.Kind.AGE_SEX else "by deprivation"
    group = ("age_band", "sex") if kind == PopulationCount.Kind.AGE_SEX else ("imd_decile",)
    rows = list(
        PopulationCount.objects.filter(area_id__in=areas, kind=kind)
        .values_list("area_id", *group)
        .annotate(n=Sum("people"))
        .order_by()
    )
    loaded = {row[0] for row in rows}
    complete = bool(rows) if single else bool(areas) and loaded >= set(areas)
    if not complete:
        names = "this area"
        if not single:
            missing = Area.objects.filter(pk__in=areas).exclude(pk__in=loaded)
            names = ", ".join(missing.values_list("name", flat=True)) or "the areas in view"
        return Residents(
            {},
            f"No local population figures {what} are loaded for {names}, so there is no "
            "comparison with the local population (an administrator loads them with "
            "manage.py load_population).",
        )
    by_group: dict[str, int] = {}
    for row in rows:
        n = row[-1]
        keys = [row[1], SEXES[row[2]]] if kind == PopulationCount.Kind.AGE_SEX else [str(row[1])]
        for key in keys:
            by_group[key] = by_group.get(key, 0) + n
    return Residents(by_group)


def compare(table: Table, found: Residents, *, known_labels: list[str]) -> Table:
    """`table` (label in column 0, people referred in column 1) with the residents
    columns added, or with the plain note that there is no population to compare with.
    Rates and shares are withheld where the people referred are fewer than SMALL."""
    if not found.known:
        table.note = " ".join(filter(None, [table.note, found.missing]))
        return table
    referred_known = sum(row[1] for row in table.rows if row[0] in known_labels)
    living = sum(found.by_group.get(label, 0) for label in known_labels)
    width = len(table.columns)
    rows = []
    for row in table.rows:
        label, people = row[0], row[1]
        count = found.by_group.get(label) if label in known_labels else None
        extra: list[Any] = [count, None, None, None]
        if count:
            extra[1] = round(1000 * people / count, 1)
        if count is not None and referred_known and living:
            extra[2] = round(100 * people / referred_known, 1)
            extra[3] = round(100 * count / living, 1)
        rows.append([*row, *extra])
    table.rows = rows
    table.columns = [*table.columns, *COLUMNS]
    table.guarded = {**table.guarded, width + 1: 1, width + 2: 1}
    table.note = " ".join(
        filter(
            None,
            [
                table.note,
                "Residents: the local population figures loaded for the areas in view (a "
                "team serving part of an area shows a lower rate than its patch's). Shares "
                "are of the people whose group is known.",
            ],
        )
    )
    return table
