"""Suggestions for one profile: candidates, hard constraints, signals, diversity.

Django-free: give it a MatchingIndex, a Profile and (optionally) an Encoder. Without an
encoder the same pipeline runs on the lexical ranker alone.
"""

from __future__ import annotations

import datetime as dt
import heapq
from dataclasses import dataclass

import numpy as np

from casework.models import Conversation
from directory.rules import is_listed_for
from matching import scoring
from matching.blas import one_thread
from matching.constraints import Exclusion, violations
from matching.documents import Profile, ServiceDoc
from matching.index import ANN_FROM, MatchingIndex
from matching.text import query_terms, terms
from matching.vector_cache import encode_cached

DEFAULT_REACH_KM = 50.0  # with a place but no radius: look this far first (see _candidates)
EXCLUDED_LIMIT = 20


@dataclass
class Suggestions:
    results: list[scoring.Scored]
    excluded: list[tuple[ServiceDoc, list[Exclusion]]] | None = None  # when asked for
    mode: str = "semantic+lexical"
    considered: int = 0


def _need_vectors(profile: Profile, encoder) -> np.ndarray | None:
    if encoder is None or not profile.needs:
        return None
    return encode_cached(encoder, [n.text for n in profile.needs])


def _candidates(index: MatchingIndex, profile: Profile, wide: bool, everywhere: bool):
    """Rows to consider and their distance (nan when unknown; None: not read yet).

    With a radius: places within it (`wide`: within twice it, so the excluded list can say
    "12 km away (limit 5 km)"), plus remote services. With a place but no radius: first
    within DEFAULT_REACH_KM (suggest widens to `everywhere` if that finds too few)."""
    radius = profile.radius_km
    if profile.has_location and (radius is not None or not everywhere):
        reach = radius * (2 if wide else 1) if radius is not None else DEFAULT_REACH_KM
        rows, km = index.rows_within(profile.lat, profile.lon, reach)
        remote = np.setdiff1d(index.remote_rows(), rows, assume_unique=False)
        rows = np.concatenate([rows, remote]).astype(np.int64)
        km = np.concatenate([km, np.full(len(remote), np.nan)])
        return rows, km
    # Everywhere: the distances are read once the graph has left only the rows worth
    # scoring (_distances), not for the whole directory.
    return index.alive_rows(), None


def _distances(index: MatchingIndex, profile: Profile, rows: np.ndarray) -> np.ndarray:
    if profile.has_location:
        return index.distances_to(rows, profile.lat, profile.lon)
    return np.full(len(rows), np.nan)


def suggest(index: MatchingIndex, profile: Profile, **kwargs) -> Suggestions:
    """Ranked, explained suggestions for `profile` (see _suggest for the arguments)."""
    with one_thread():
        return _suggest(index, profile, **kwargs)


def _suggest(
    index: MatchingIndex,
    profile: Profile,
    *,
    encoder=None,
    limit: int = 10,
    include_excluded: bool = False,
    today: dt.date | None = None,
    need_vectors: np.ndarray | None = None,
    everywhere: bool = False,
    exact: bool = False,
) -> Suggestions:
    today = today or profile.today or dt.date.today()  # noqa: DTZ011 - a calendar date is enough
    if need_vectors is None:
        need_vectors = _need_vectors(profile, encoder)
    semantic_on = need_vectors is not None
    rows, km = _candidates(index, profile, include_excluded, everywhere)
    reached = profile.has_location and profile.radius_km is None and not everywhere
    if reached and len(rows) < limit:
        return _widen(index, profile, encoder, limit, include_excluded, today, need_vectors, exact)
    if semantic_on and not exact and len(rows) >= ANN_FROM:
        rows, km = _nearest_only(index, rows, km, need_vectors)
    if km is None:
        km = _distances(index, profile, rows)
    if len(rows) == 0:
        mode = "semantic+lexical" if semantic_on else "lexical"
        return Suggestions([], [] if include_excluded else None, mode, 0)

    # Text relevance per need: cosine, and BM25 as a share of what the need's words could
    # earn (each word weighted by its IDF in this directory), never rescaled to the best
    # candidate, so one common word matched is worth little however the others fare.
    n_needs = len(profile.needs)
    w_sem, w_lex = scoring.WEIGHTS["semantic"], scoring.WEIGHTS["lexical"]
    has_vec = index.has_vectors(rows) if semantic_on else np.zeros(len(rows), bool)
    cos = np.zeros((len(rows), max(1, n_needs)), dtype=np.float32)
    raw = cos
    if semantic_on:  # rank by the need as expanded (cos); raw is the need as said
        raw = np.zeros_like(cos)
        vectors = index.vectors(rows)  # gathered once: both products read it
        raw[:, :n_needs] = vectors @ need_vectors.T
        cos[:, :n_needs] = _expanded(vectors, has_vec, raw[:, :n_needs], need_vectors)
    lex = np.zeros_like(cos)
    need_terms = [query_terms(n.text) for n in profile.needs]
    for j, q in enumerate(need_terms):
        ideal = sum(index.idf(t) for t in q)  # each word once, in a text of average length
        if ideal > 0:
            lex[:, j] = np.minimum(1.0, index.bm25(rows, q.keys()) / ideal)
    sem_value = np.clip(
        (cos - scoring.SEMANTIC_FLOOR) / (scoring.SEMANTIC_CEILING - scoring.SEMANTIC_FLOOR), 0, 1
    )
    sem_value[~has_vec] = 0.0
    # Real relevance to a need (scoring.RELEVANT_*): the meaning signal decides when
    # the service has an embedding; words decide only when it has none. Words then add to
    # a relevant need's score but never make a need relevant on their own.
    about = _about(cos if scoring.GATE_ON == "expanded" else raw, has_vec)
    if scoring.GATE_ON == "either":
        about |= _about(cos, has_vec)
    real = np.where(has_vec[:, None], about, lex >= scoring.RELEVANT_WORDS)
    if n_needs:
        real[:, n_needs:] = False
    lex_weight = np.where(has_vec, w_lex, w_lex + w_sem)[:, None]
    relevance = w_sem * sem_value + lex_weight * lex
    if n_needs and scoring.PIECE_OFFSET:  # the sentence as said leads; its pieces follow
        pieces = np.array([n.piece for n in profile.needs] + [False] * (cos.shape[1] - n_needs))
        relevance[:, pieces] -= scoring.PIECE_OFFSET
    sinks = _feedback_sinks(index, rows, profile, relevance.shape)
    if sinks is not None:  # the team's feedback: only ever lowers, and only relevant pairs
        relevance = relevance - sinks
    relevance = np.where(real, relevance, -np.inf)
    best_need = relevance.argmax(axis=1)
    best_rel = relevance[np.arange(len(rows)), best_need]
    best_rel = np.where(np.isfinite(best_rel), best_rel, 0.0)

    # Coarse practical signals (vectorised) for a first cut.
    cols = index.prelim(rows, today, stale_after_days=profile.stale_after_days)
    scale = scoring.distance_scale_km(profile)
    dist = np.where(
        np.isnan(km), np.where(cols["remote"], 0.7, 0.0), np.exp(-np.nan_to_num(km) / scale)
    )
    if profile.mode == Conversation.Mode.IN_PERSON:
        dist = np.where(np.isnan(km), 0.0, dist)
    months = cols["verified_days"] / 30.44
    fresh = np.nan_to_num(np.clip(1 - (np.round(months) - 3) / 9, 0, 1), nan=0.0)
    coarse = (
        best_rel
        + scoring.WEIGHTS["distance"] * dist
        + scoring.WEIGHTS["cost"] * (cols["free"] == 1)
        + scoring.WEIGHTS["freshness"] * fresh
        - scoring.WAITING_LIST_PENALTY * cols["waiting"]
    )
    within = np.ones(len(rows), bool)
    if profile.radius_km is not None and profile.has_location:
        # A remote service (by phone or online) is in reach wherever its places are.
        within = np.isnan(km) | (km <= profile.radius_km) | cols["remote"]
    ok = index.prefilter(rows, professional=profile.professional, age=profile.age)
    ok &= within & ~cols["stale"]
    relevant = real.any(axis=1) if n_needs else np.ones(len(rows), bool)

    results: list[scoring.Scored] = []
    pool_size = max(30, 3 * limit)
    headroom = _headroom(index, profile)
    excluded_rows: list[int] = []
    top_scores: list[float] = []  # min-heap of the best `limit` exact scores so far
    backbone = scoring.BACKBONE_TOP if n_needs and semantic_on else 0
    if backbone:  # meaning picks the services, the other signals only reorder them
        pool_size = max(backbone, limit)
        said = [j for j, need in enumerate(profile.needs) if not need.piece]
        passing = np.flatnonzero(ok & relevant)
        order = _by_backbone(passing, best_rel, relevance[:, said], 4 * pool_size)
    else:
        order = _by_coarse(np.flatnonzero(ok & relevant), coarse, 4 * pool_size)
    for i in order:
        if backbone and len(results) >= pool_size:
            break
        if not backbone and len(results) >= pool_size and coarse[i] + headroom < top_scores[0]:
            # Sorted by coarse score, so nothing later can reach the top `limit`: the
            # signals the coarse ranking leaves out add at most `headroom`.
            break
        doc = index.doc(int(rows[i]))
        if violations(doc, profile, today=today):
            excluded_rows.append(i)
            continue
        item = _score(
            index, profile, doc, i, rows, km, cos, lex, has_vec, best_need, need_terms, today
        )
        results.append(item)
        if len(top_scores) < limit:
            heapq.heappush(top_scores, item.score)
        else:
            heapq.heappushpop(top_scores, item.score)
    results.sort(key=lambda r: -r.score)
    results = results[: max(pool_size, limit)]
    similarity = _similarity(index, results, semantic_on)
    labels = [n.label for n in profile.needs]
    picked = scoring.diversify(results, limit, similarity, labels)
    _name_matched_words(index, picked, need_terms)

    excluded: list[tuple[ServiceDoc, list[Exclusion]]] = []
    if include_excluded:
        failing = np.flatnonzero(~ok & relevant)
        candidates = list(failing[np.argsort(-best_rel[failing], kind="stable")][:EXCLUDED_LIMIT])
        candidates += excluded_rows
        candidates.sort(key=lambda i: -best_rel[i])
        for i in candidates[:EXCLUDED_LIMIT]:
            doc = index.doc(int(rows[i]))
            if not is_listed_for(doc.visibility, professional=profile.professional):
                continue  # not even named to a viewer who may not see it
            reasons = violations(doc, profile, today=today)
            if reasons:
                excluded.append((doc, reasons))
    if reached and len(picked) < limit:
        return _widen(index, profile, encoder, limit, include_excluded, today, need_vectors, exact)
    mode = "semantic+lexical" if semantic_on else "lexical"
    return Suggestions(picked, excluded if include_excluded else None, mode, int(ok.sum()))


def _about(cos: np.ndarray, has_vec: np.ndarray) -> np.ndarray:
    best = cos[has_vec].max(axis=0) if has_vec.any() else np.zeros(cos.shape[1])
    return _passes_gate(cos, best)


def _passes_gate(cos: np.ndarray, best: np.ndarray) -> np.ndarray:
    """The relevance gate (scoring.RELEVANT_*): at least the floor, and at least a share of
    the best cosine any candidate reaches for the same need."""
    return (cos >= scoring.RELEVANT_COSINE) & (cos >= scoring.RELEVANT_SHARE * best)


def _expanded(vectors, has_vec, cos: np.ndarray, need_vectors: np.ndarray) -> np.ndarray:
    """Cosines with each need moved towards the services nearest it (pseudo-relevance
    feedback, scoring.EXPAND_*): q' = q + EXPAND_WEIGHT × mean of the EXPAND_TOP best
    candidates' vectors, renormalised. A need in a person's words ("kicking a ball about")
    borrows the directory's own wording of what it is about from the services that match
    it best, so services phrased that way rank together."""
    if scoring.EXPAND_WEIGHT <= 0 or scoring.EXPAND_TOP <= 0:
        return cos
    embedded = np.flatnonzero(has_vec)
    k = min(scoring.EXPAND_TOP, len(embedded))
    if k == 0:
        return cos
    top = np.argpartition(-cos[embedded], k - 1, axis=0)[:k]  # (k × needs) positions
    # Only neighbours that are themselves about the need as said (the relevance gate: the
    # floor and the share of the best) count: in a small directory the third nearest may be
    # about something else, and a need nothing is about is not moved at all (so the gate's
    # floor still holds for the need as expanded).
    near = cos[embedded[top], np.arange(cos.shape[1])]  # k × needs
    use = _passes_gate(near, near.max(axis=0)).astype(np.float32)  # the best is among them
    nearest = vectors[embedded[top]]  # k × needs × dims
    centroids = (nearest * use[:, :, None]).sum(axis=0) / np.maximum(use.sum(axis=0), 1)[:, None]
    moved = need_vectors + scoring.EXPAND_WEIGHT * centroids
    moved /= np.maximum(np.linalg.norm(moved, axis=1, keepdims=True), 1e-9)
    return vectors @ moved.astype(np.float32).T


def _nearest_only(index: MatchingIndex, rows: np.ndarray, km: np.ndarray | None, need_vectors):
    """A scan of most of a large directory: keep only the rows the HNSW graph finds among
    the ANN_COUNT nearest to some need, and those with no embedding yet (ranked by words).
    A service further than that from every need is taken to be out of reach of the top ten
    (how often that holds at 250,000 services is still open: docs/benchmarks.md#matching)."""
    near = index.nearest_rows(need_vectors)
    if near is None:
        return rows, km
    mask = np.zeros(index.rows, dtype=bool)
    mask[near] = True
    mask[index.rows_without_vectors()] = True
    keep = mask[rows]
    return rows[keep], None if km is None else km[keep]


def _widen(index, profile, encoder, limit, include_excluded, today, need_vectors, exact):
    """Too few within DEFAULT_REACH_KM: look everywhere (distance decay still applies)."""
    return _suggest(
        index,
        profile,
        encoder=encoder,
        limit=limit,
        include_excluded=include_excluded,
        today=today,
        need_vectors=need_vectors,
        everywhere=True,
        exact=exact,
    )


def _feedback_sinks(index: MatchingIndex, rows: np.ndarray, profile: Profile, shape):
    """(rows × needs) of what the team's "not what they want" feedback takes off each
    service's relevance to each need of the same kind (scoring.feedback_sink); None if none."""
    kinds = {}
    for j, need in enumerate(profile.needs):
        if need.kind:
            kinds.setdefault(need.kind, []).append(j)
    marks = [(sid, k, n) for sid, k, n in profile.not_wanted if k in kinds]
    if not marks:
        return None
    sinks = np.zeros(shape, dtype=np.float32)
    for sid, kind, times in marks:
        row = index.row_of.get(sid)
        sink = scoring.feedback_sink(times)
        if row is None or not sink:
            continue
        for i in np.flatnonzero(rows == row):
            sinks[i, kinds[kind]] = sink
    return sinks


def _headroom(index: MatchingIndex, profile: Profile) -> float:
    """The most the signals left out of the coarse ranking can add for this profile."""
    w = scoring.WEIGHTS
    room = w["schedule"] if profile.free_slots else 0.0
    wants = (
        profile.access_needs or profile.languages or profile.setting != Conversation.Setting.EITHER
    )
    if wants or profile.mode == Conversation.Mode.ONLINE:
        room += w["access"]
    return room + (w["completion"] if index.completion else 0.0)


def _by_coarse(candidates: np.ndarray, coarse: np.ndarray, first: int):
    """Candidates best-first by coarse score, sorting only the first `first` unless the
    caller reads past them (rare: only when many fail the per-row constraints)."""
    if len(candidates) <= first:
        yield from candidates[np.argsort(-coarse[candidates], kind="stable")]
        return
    split = np.argpartition(-coarse[candidates], first - 1)
    head, tail = candidates[split[:first]], candidates[split[first:]]
    yield from head[np.argsort(-coarse[head], kind="stable")]
    yield from tail[np.argsort(-coarse[tail], kind="stable")]


def _by_backbone(candidates: np.ndarray, best_rel: np.ndarray, relevance: np.ndarray, first: int):
    """Candidates by text relevance alone (scoring.BACKBONE_TOP): first the most relevant
    service of each need said (the caller passes the columns of whole sentences, not their
    "and"-pieces, which come in through diversify's coverage bonus), then the rest
    best-first (sorting only the first `first`, as _by_coarse does)."""
    if len(candidates) == 0:
        return
    firsts: list[int] = []
    for j in range(relevance.shape[1]):
        best = int(candidates[np.argmax(relevance[candidates, j])])  # -inf: not about need j
        if np.isfinite(relevance[best, j]) and best not in firsts:
            firsts.append(best)
    yield from firsts
    for i in _by_coarse(candidates, best_rel, first):
        if int(i) not in firsts:
            yield i


def _score(index, profile, doc, i, rows, km, cos, lex, has_vec, best_need, need_terms, today):
    j = int(best_need[i]) if profile.needs else None
    item = scoring.score_service(
        doc,
        profile,
        today=today,
        need_index=j,
        cosine=float(cos[i, j]) if (j is not None and has_vec[i]) else None,
        bm25=float(lex[i, j]) if j is not None else 0.0,
        matched_words=(),  # named by _name_matched_words for the items that are shown
        km=None if np.isnan(km[i]) else float(km[i]),
        completion=index.completion.get(doc.id),
    )
    item.extras["row"] = int(rows[i])
    kind = profile.needs[j].kind if j is not None else ""
    times = next((n for sid, k, n in profile.not_wanted if sid == doc.id and k == kind), 0)
    if kind and scoring.feedback_sink(times):
        item.penalty += scoring.feedback_sink(times)
        item.caveats.append(f"your team marked it “not what they want” {times} times for this")
    return item


def _name_matched_words(
    index: MatchingIndex, items: list[scoring.Scored], need_terms: list[dict[str, str]]
) -> None:
    """Fill in which of the need's words each shown item contains (its lexical signal's
    text). Done only for the shown items: re-reading a service's text is the costly part."""
    for item in items:
        for k, sig in enumerate(item.signals):
            if sig.name == "lexical" and item.need_index is not None:
                doc_terms = set(terms(item.doc.text()))
                words = [
                    w
                    for t, w in need_terms[item.need_index].items()
                    if t in doc_terms and not index.is_common(t, *scoring.COMMON_WORD)
                ]
                alone = sig.weight >= 0
                item.signals[k] = scoring.lexical_signal(sig.value, words, alone=alone)


def _similarity(index: MatchingIndex, items: list[scoring.Scored], semantic_on: bool):
    if len(items) < 2:
        return None
    rows = np.array([it.extras["row"] for it in items])
    if semantic_on and index.has_vectors(rows).all():
        vecs = index.vectors(rows)
        return (vecs @ vecs.T).tolist()
    sets = [set(terms(it.doc.text())) for it in items]
    return [[len(a & b) / max(1, len(a | b)) for b in sets] for a in sets]
