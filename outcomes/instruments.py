"""Load and check instrument definitions (outcomes/instruments/*.json).

An instrument is data: items, response options, scoring rule, missing-item rule, bands,
licence and source, and which answers are a safety disclosure ("disclosures"). Adding one is
adding a file; `validate_definition` says what is wrong with a file before it is used.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

DIRECTORY = Path(__file__).parent / "instruments"
SCORING_RULES = {"per_item", "sum", "sum_convert", "screen"}
MISSING_RULES = {"score_answered_items", "no_score_if_any_missing", "domain_not_screened"}


class InstrumentError(ValueError):
    """An instrument definition file is malformed."""


@dataclass(frozen=True)
class Item:
    id: str
    text: str
    values: tuple[int, ...]
    labels: tuple[str, ...]
    bands: str | None = None


@dataclass(frozen=True)
class Instrument:
    id: str
    version: str
    title: str
    preamble: str
    source: str
    licence: str
    scoring: str
    missing: str
    items: tuple[Item, ...]
    definition: dict[str, Any]

    @property
    def item_ids(self) -> list[str]:
        return [item.id for item in self.items]

    def item(self, item_id: str) -> Item:
        for item in self.items:
            if item.id == item_id:
                return item
        raise KeyError(item_id)


def _options_for(raw_item: dict, definition: dict) -> list[dict]:
    if "min" in raw_item:
        lo, hi = raw_item["min"], raw_item["max"]
        labels = {lo: raw_item.get("min_label", str(lo)), hi: raw_item.get("max_label", str(hi))}
        return [{"value": v, "label": labels.get(v, str(v))} for v in range(lo, hi + 1)]
    options = raw_item.get("options", definition.get("options"))
    if isinstance(options, str):
        options = definition.get("option_sets", {}).get(options)
    if not options:
        raise InstrumentError(f"Item {raw_item.get('id')!r} has no response options.")
    return options


def validate_definition(definition: dict) -> list[str]:
    """Every problem with a definition, as sentences (empty when it is usable)."""
    problems = []
    for key in ("id", "version", "title", "source", "licence", "scoring", "missing", "items"):
        if key not in definition:
            problems.append(f"Missing key {key!r}.")
    if problems:
        return problems
    if definition["scoring"] not in SCORING_RULES:
        problems.append(f"Unknown scoring rule {definition['scoring']!r}.")
    if definition["missing"] not in MISSING_RULES:
        problems.append(f"Unknown missing-item rule {definition['missing']!r}.")
    ids = [item.get("id") for item in definition["items"]]
    if len(set(ids)) != len(ids):
        problems.append("Item ids must be unique.")
    for item in definition["items"]:
        try:
            options = _options_for(item, definition)
        except InstrumentError as exc:
            problems.append(str(exc))
            continue
        if any(not isinstance(o.get("value"), int) for o in options):
            problems.append(f"Item {item.get('id')!r} has a non-integer option value.")
        if item.get("bands") and item["bands"] not in definition.get("band_sets", {}):
            problems.append(f"Item {item['id']!r} names unknown bands {item['bands']!r}.")
    if definition["scoring"] == "sum_convert":
        table = definition.get("conversion", {})
        lowest = sum(
            min(o["value"] for o in _options_for(i, definition)) for i in definition["items"]
        )
        highest = sum(
            max(o["value"] for o in _options_for(i, definition)) for i in definition["items"]
        )
        missing = [r for r in range(lowest, highest + 1) if str(r) not in table]
        if missing:
            problems.append(f"The conversion table has no entry for raw scores {missing}.")
    if definition["scoring"] == "screen":
        for domain in definition.get("domains", []):
            unknown = [i for i in domain.get("items", []) if i not in ids]
            if unknown:
                problems.append(f"Domain {domain.get('id')!r} names unknown items {unknown}.")
    problems.extend(_disclosure_problems(definition))
    return problems


def _disclosure_problems(definition: dict) -> list[str]:
    """Each disclosure has a code and a label, and names either answers to questions
    ({item id: [option values]}) or a screening domain that is positive."""
    problems = []
    items = {item.get("id"): item for item in definition["items"]}
    domains = {d.get("id") for d in definition.get("domains", [])}
    codes = [d.get("code") for d in definition.get("disclosures", [])]
    if len(set(codes)) != len(codes):
        problems.append("Disclosure codes must be unique.")
    for disclosure in definition.get("disclosures", []):
        code = disclosure.get("code")
        if not code or not disclosure.get("label"):
            problems.append(f"Disclosure {code!r} needs a code and a label.")
        if ("answers" in disclosure) == ("domain" in disclosure):
            problems.append(f"Disclosure {code!r} must name either answers or a domain.")
        if "domain" in disclosure and disclosure["domain"] not in domains:
            problems.append(f"Disclosure {code!r} names unknown domain {disclosure['domain']!r}.")
        for item_id, values in disclosure.get("answers", {}).items():
            if item_id not in items:
                problems.append(f"Disclosure {code!r} names unknown item {item_id!r}.")
                continue
            try:
                allowed = {o["value"] for o in _options_for(items[item_id], definition)}
            except InstrumentError:
                continue  # already reported for the item itself
            bad = [v for v in values if v not in allowed]
            if bad:
                problems.append(
                    f"Disclosure {code!r} names answers {bad} that item {item_id!r} does not have."
                )
    return problems


def _build(definition: dict) -> Instrument:
    problems = validate_definition(definition)
    if problems:
        raise InstrumentError(f"{definition.get('id', '?')}: " + " ".join(problems))
    items = []
    for raw in definition["items"]:
        options = _options_for(raw, definition)
        items.append(
            Item(
                id=raw["id"],
                text=raw["text"],
                values=tuple(o["value"] for o in options),
                labels=tuple(o["label"] for o in options),
                bands=raw.get("bands"),
            )
        )
    return Instrument(
        id=definition["id"],
        version=str(definition["version"]),
        title=definition["title"],
        preamble=definition.get("preamble", ""),
        source=definition["source"],
        licence=definition["licence"],
        scoring=definition["scoring"],
        missing=definition["missing"],
        items=tuple(items),
        definition=definition,
    )


@cache
def all_instruments() -> dict[str, Instrument]:
    found = {}
    for path in sorted(DIRECTORY.glob("*.json")):
        instrument = _build(json.loads(path.read_text()))
        found[instrument.id] = instrument
    return found


def disclosure_labels(instrument_id: str) -> dict[str, str]:
    """{disclosure code: label} for an instrument (empty for an unknown one, so a concern
    raised by an instrument since removed still shows its codes)."""
    instrument = all_instruments().get(instrument_id)
    if instrument is None:
        return {}
    return {d["code"]: d["label"] for d in instrument.definition.get("disclosures", [])}


def get_instrument(instrument_id: str) -> Instrument:
    try:
        return all_instruments()[instrument_id]
    except KeyError:
        known = ", ".join(sorted(all_instruments()))
        raise InstrumentError(
            f"Unknown instrument {instrument_id!r}. Known instruments: {known}."
        ) from None
