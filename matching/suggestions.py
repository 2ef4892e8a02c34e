"""One entry point for the API, the command and the case page: profile in, suggestions out."""

from __future__ import annotations

from matching.embedding import MODEL_NAME, get_encoder
from matching.engine import Suggestions, suggest
from matching.state import get_index


def suggestions_for(profile, *, limit: int = 10, include_excluded: bool = False) -> Suggestions:
    return suggest(
        get_index(),
        profile,
        encoder=get_encoder(),
        limit=limit,
        include_excluded=include_excluded,
    )


def as_json(found: Suggestions) -> dict:
    """The public shape: `results` with HSDS `id`, `name`, `score`, `explanation` (the
    contract integrators rely on), plus the signals behind each score."""
    body: dict = {
        "results": [
            {
                "id": item.doc.id,
                "name": item.doc.name,
                "organization": item.doc.organization,
                "score": round(item.score, 4),
                "explanation": item.explanation(),
                "distance_km": None if item.km is None else round(item.km, 2),
                "signals": [
                    {
                        "signal": s.name,
                        "value": round(s.value, 4),
                        "contribution": round(s.contribution, 4),
                        "text": s.text,
                    }
                    for s in item.explained()
                ],
                "caveats": item.caveats,
            }
            for item in found.results
        ],
        "ranker": {
            "mode": found.mode,
            "model": MODEL_NAME if found.mode == "semantic+lexical" else None,
            "considered": found.considered,
        },
    }
    if found.excluded is not None:
        body["excluded"] = [
            {
                "id": doc.id,
                "name": doc.name,
                "reasons": [{"code": e.code, "reason": e.reason} for e in reasons],
            }
            for doc, reasons in found.excluded
        ]
    return body
