"""Score questionnaire answers by each instrument's own rules. Pure: no database, no request.

Every failure is a ScoringError whose message a link worker (or an API caller) can act on;
nothing else is raised for bad answers.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from outcomes.instruments import Instrument

_INTEGER = re.compile(r"-?[0-9]+")


class ScoringError(ValueError):
    def __init__(self, message: str, *, item: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.item = item


@dataclass(frozen=True)
class Result:
    instrument: str
    version: str
    raw: Any
    score: Any
    band: Any = None
    domains: dict[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        if not self.domains:
            data.pop("domains")
        return data


def _normalise(instrument: Instrument, answers: Any) -> dict[str, int | None]:
    """Answers as {item id: int or None}, from a list in item order or a mapping."""
    ids = instrument.item_ids
    if isinstance(answers, Mapping):
        unknown = [str(k) for k in answers if k not in ids]
        if unknown:
            raise ScoringError(
                f"Unknown question(s) for {instrument.title}: {', '.join(unknown)}.",
                item=unknown[0],
            )
        pairs = [(item_id, answers.get(item_id)) for item_id in ids]
    elif isinstance(answers, Sequence) and not isinstance(answers, str | bytes):
        if len(answers) != len(ids):
            raise ScoringError(
                f"{instrument.title} has {len(ids)} questions; {len(answers)} answers were "
                "given (use a blank for a question not answered)."
            )
        pairs = list(zip(ids, answers, strict=True))
    else:
        raise ScoringError("Answers must be a list in question order or a mapping by question.")
    out: dict[str, int | None] = {}
    for position, (item_id, value) in enumerate(pairs, start=1):
        item = instrument.item(item_id)
        if value is None or (isinstance(value, str) and value.strip() in ("", "-")):
            out[item_id] = None
            continue
        if isinstance(value, bool):
            value = None  # True/False are never valid answers; reported below
        elif isinstance(value, str) and _INTEGER.fullmatch(value.strip()):
            value = int(value.strip())  # ASCII digits only: "¹".isdigit() is True
        elif isinstance(value, float) and value.is_integer():
            value = int(value)
        if not isinstance(value, int) or value not in item.values:
            allowed = (
                f"{min(item.values)}–{max(item.values)}"
                if _contiguous(item.values)
                else ", ".join(map(str, item.values))
            )
            raise ScoringError(
                f"Question {position} ({item_id}) must be answered with {allowed}; "
                f"got {pairs[position - 1][1]!r}.",
                item=item_id,
            )
        out[item_id] = value
    return out


def _contiguous(values: tuple[int, ...]) -> bool:
    return list(values) == list(range(min(values), max(values) + 1))


def _band(value: float, bands: list[dict]) -> str | None:
    for band in bands:
        if band["min"] <= value <= band["max"]:
            return band["band"]
    return None


def _require_all(instrument: Instrument, answers: dict[str, int | None]) -> list[int]:
    missing = [i for i, v in answers.items() if v is None]
    if missing:
        position = instrument.item_ids.index(missing[0]) + 1
        raise ScoringError(
            f"{instrument.title} cannot be scored with a question unanswered: question "
            f"{position} ({missing[0]}) is missing.",
            item=missing[0],
        )
    return [v for v in answers.values() if v is not None]


def score(instrument: Instrument, answers: Any) -> Result:
    values = _normalise(instrument, answers)
    definition = instrument.definition
    rule = instrument.scoring
    if rule == "per_item":
        answered = {k: v for k, v in values.items() if v is not None}
        if not answered:
            raise ScoringError("Answer at least one question.")
        bands = {
            k: _band(v, definition["band_sets"][instrument.item(k).bands])
            for k, v in answered.items()
            if instrument.item(k).bands
        }
        return Result(
            instrument.id, instrument.version, raw=answered, score=answered, band=bands or None
        )
    if rule in ("sum", "sum_convert"):
        raw = sum(_require_all(instrument, values))
        result = float(definition["conversion"][str(raw)]) if rule == "sum_convert" else raw
        band = _band(result, definition["bands"]) if definition.get("bands") else None
        return Result(instrument.id, instrument.version, raw=raw, score=result, band=band)
    if rule == "screen":
        domains = {d["id"]: _screen_domain(d, values) for d in definition["domains"]}
        if all(v is None for v in values.values()):
            raise ScoringError("Answer at least one question.")
        flagged = sorted(k for k, v in domains.items() if v == "positive")
        return Result(
            instrument.id,
            instrument.version,
            raw={k: v for k, v in values.items() if v is not None},
            score=len(flagged),
            band="needs identified" if flagged else "no needs",
            domains=domains,
        )
    raise ScoringError(f"{instrument.title} uses an unknown scoring rule {rule!r}.")


def disclosures(instrument: Instrument, answers: Any) -> list[str]:
    """The codes of the instrument's disclosures these answers make, in the file's order.

    A disclosure is data in the instrument file: answers to named questions
    (`"answers": {"safety_hurt": [2, 3, 4, 5]}`) or a positive screening domain
    (`"domain": "safety"`). Answers are checked as for scoring (ScoringError if invalid).
    """
    rules = instrument.definition.get("disclosures", [])
    if not rules:
        return []
    values = _normalise(instrument, answers)
    domains = {d["id"]: d for d in instrument.definition.get("domains", [])}
    found = []
    for rule in rules:
        if "domain" in rule:
            made = _screen_domain(domains[rule["domain"]], values) == "positive"
        else:
            made = any(values.get(item) in allowed for item, allowed in rule["answers"].items())
        if made:
            found.append(rule["code"])
    return found


def _screen_domain(domain: dict, values: dict[str, int | None]) -> str:
    answers = [values[i] for i in domain["items"]]
    if domain["rule"] == "sum_over":
        if any(a is None for a in answers):
            return "incomplete"
        return "positive" if sum(answers) > domain["threshold"] else "negative"
    positive = domain["positive"]
    if any(values[i] is not None and values[i] in positive.get(i, []) for i in domain["items"]):
        return "positive"
    return "incomplete" if any(a is None for a in answers) else "negative"


def score_range(instrument: Instrument) -> tuple[float, float] | None:
    """The lowest and highest total score (None for per-item and screening instruments)."""
    if instrument.scoring == "sum":
        return (
            sum(min(i.values) for i in instrument.items),
            sum(max(i.values) for i in instrument.items),
        )
    if instrument.scoring == "sum_convert":
        table = instrument.definition["conversion"]
        return (min(table.values()), max(table.values()))
    return None
