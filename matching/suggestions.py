"""One entry point for the API, the command and the case page: profile in, suggestions out."""

from __future__ import annotations

import numpy as np

from matching.actions import text_hash
from matching.blas import one_thread
from matching.embedding import get_encoder
from matching.engine import Suggestions, suggest
from matching.models import NeedEmbedding
from matching.state import get_index
from matching.vector_cache import encode_cached


def need_vectors(profile, encoder, case=None) -> np.ndarray | None:
    """The profile's need embeddings: from this process's LRU, else (for a case) the ones
    stored when its needs were saved, else computed now (and remembered in the LRU)."""
    if encoder is None or not profile.needs:
        return None

    def stored(texts: list[str]) -> dict[str, np.ndarray]:
        if case is None:
            return {}
        by_hash = {text_hash(t): t for t in texts}
        rows = NeedEmbedding.objects.filter(
            area_id=case.area_id, case=case, model_name=encoder.name, text_hash__in=list(by_hash)
        ).values_list("text_hash", "vector")
        return {by_hash[h]: np.frombuffer(bytes(v), dtype="<f4") for h, v in rows}

    return encode_cached(encoder, [n.text for n in profile.needs], stored=stored)


def suggestions_for(
    profile, *, limit: int = 10, include_excluded: bool = False, case=None
) -> Suggestions:
    encoder = get_encoder()
    with one_thread():  # a query embedded here is one small batch (see matching.blas)
        vectors = need_vectors(profile, encoder, case)
    return suggest(
        get_index(),
        profile,
        encoder=encoder,
        limit=limit,
        include_excluded=include_excluded,
        need_vectors=vectors,
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
            "model": _model_name() if found.mode == "semantic+lexical" else None,
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


def _model_name() -> str | None:
    encoder = get_encoder()
    return encoder.name if encoder is not None else None
