"""Soft signals, how they add up, the explanation, and diversity. Pure: no database.

score = Σ weight × value over the signals below (each value 0–1; a signal whose facts are
unknown gives nothing), minus a small penalty for a waiting list. The explanation names
exactly the signals whose contribution (weight × value) reached EXPLAIN_AT, in order of
contribution, then any caveats. See docs/matching.md for the reasoning behind the weights.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from casework.models import Conversation
from directory.models import Service
from matching.constraints import eligibility_notes, months_since
from matching.documents import ACCESS_LABELS, WEEKDAYS, Profile, ServiceDoc

# Meaning carries the ranking (issue #17, ADR 0019): 0.80 × cosine with the expanded need,
# uncapped, so services the model ranks apart stay apart; every other signal is a bounded
# bonus that reorders services about equally relevant (0.01 is a cosine gap of 0.0125).
WEIGHTS: dict[str, float] = {
    "semantic": 0.80,  # meaning of the need vs the service text (embeddings)
    "lexical": 0.02,  # the same uncommon words (BM25)
    "distance": 0.01,
    "access": 0.06,  # access needs, language, group/one-to-one, online/in person
    "schedule": 0.06,
    "cost": 0.01,
    "completion": 0.05,  # how often people connected to it completed
    "freshness": 0.01,
}
WAITING_LIST_PENALTY = 0.02
EXPLAIN_AT = 0.005  # a signal contributing less than this is not named (distance: > 3.5 km)
SEMANTIC_FLOOR, SEMANTIC_CEILING = 0.0, 1.0  # cosine -> 0..1 (not capped)
# Real relevance: a service is suggested for a need only if it is about that need. With an
# embedding, its cosine with the need must reach RELEVANT_COSINE and RELEVANT_SHARE of the
# best any candidate reaches for that need, read for the need as said or as expanded
# (GATE_ON); without one (no model, or not embedded yet), its BM25 must reach RELEVANT_WORDS
# of what the need's words could earn (each word once, weighted by IDF). Distance, cost,
# freshness and the rest only reorder services that pass. Calibrated on the outsider sets
# (docs/matching.md, bench_matching.calibrate).
# Pseudo-relevance feedback (engine._expanded): each need's vector is moved towards the mean
# of its EXPAND_TOP nearest candidates, by EXPAND_WEIGHT, before services are ranked. Only
# neighbours that pass the relevance gate for the need as said count, so in a small directory
# the need is not moved towards services about something else, and a need nothing is about
# is not moved at all. ADR 0022: the coordinate ascent on the three design sets (172 needs)
# moved k from 5 to 15 and the gate from "said" to "either" (docs/benchmarks.md#matching).
EXPAND_TOP = 15
EXPAND_WEIGHT = 1.0
# Which cosine the relevance gate reads: the need as said ("said"), as expanded
# ("expanded"), or either ("either": a service passes if it is about the need as the person
# said it or as the directory words it).
GATE_ON = "either"
# ADR 0020, 0022. BACKBONE_TOP > 0: only the BACKBONE_TOP services most relevant by text
# (meaning and words, before any practical signal) that pass the hard rules are scored at
# all; the practical signals reorder those, never bring in another. PIECE_OFFSET: an
# "and"-piece of a sentence also read whole ("likes singing" in "lonely and in debt and
# likes singing") counts this much less than the sentence, so the sentence as said leads the
# ranking and each piece still gets its best service in through diversify's coverage bonus.
BACKBONE_TOP = 10
PIECE_OFFSET = 0.3
RELEVANT_COSINE = 0.15
RELEVANT_SHARE = 0.60
RELEVANT_WORDS = 0.5
# A word used by more than 5% of the directory's services (and by 20 or more) is never cited.
COMMON_WORD = (0.05, 20)
MIN_COMPLETION_CASES = 3
# Feedback that learns (issue #17): a service this team marked "not what they want" on
# cases referred for a kind of need sinks for that need: by FEEDBACK_SINK / 2 from the
# FEEDBACK_FROM-th mark, by FEEDBACK_SINK from the one after. Never more, never a lift, and
# only for services already relevant to the need, so feedback can reorder, not admit.
FEEDBACK_SINK = 0.10
FEEDBACK_FROM = 2


def feedback_sink(times: int) -> float:
    """What `times` "not what they want" marks take off a service's relevance to a need."""
    if times < FEEDBACK_FROM:
        return 0.0
    return FEEDBACK_SINK * min(1.0, (times - FEEDBACK_FROM + 1) / 2)


_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
DAY_NAMES = dict(zip(WEEKDAYS, _DAYS, strict=True))


@dataclass(frozen=True, slots=True)
class Signal:
    name: str
    value: float
    text: str
    weight: float = -1.0  # -1: WEIGHTS[name]

    @property
    def contribution(self) -> float:
        return (WEIGHTS[self.name] if self.weight < 0 else self.weight) * self.value


@dataclass
class Scored:
    doc: ServiceDoc
    signals: list[Signal]
    caveats: list[str]
    need_index: int | None
    km: float | None
    penalty: float = 0.0
    picked_for_need: str | None = None  # set by diversify when it lifted this item
    extras: dict = field(default_factory=dict)

    @property
    def score(self) -> float:
        return sum(s.contribution for s in self.signals) - self.penalty

    def explained(self) -> list[Signal]:
        named = [s for s in self.signals if s.contribution >= EXPLAIN_AT and s.text]
        return sorted(named, key=lambda s: -s.contribution)

    def explanation(self) -> str:
        parts = [s.text for s in self.explained()]
        if self.picked_for_need:
            parts.append(f"the best match for {self.picked_for_need}")
        text = "; ".join(parts) if parts else "no strong match"
        text = text[0].upper() + text[1:]
        if self.caveats:
            text += ". Note: " + "; ".join(self.caveats)
        return text + "."


# --- the signals --------------------------------------------------------------------------


def semantic_value(cosine: float) -> float:
    return min(1.0, max(0.0, (cosine - SEMANTIC_FLOOR) / (SEMANTIC_CEILING - SEMANTIC_FLOOR)))


def semantic_signal(cosine: float, need_label: str) -> Signal:
    return Signal("semantic", semantic_value(cosine), f"matches {need_label}")


def lexical_signal(
    normalised_bm25: float, matched_words: Sequence[str], *, alone: bool = False
) -> Signal:
    """`alone`: no embedding model, so the lexical ranker carries all of the text weight."""
    quoted = ", ".join(f"“{w}”" for w in list(matched_words)[:3])
    weight = WEIGHTS["lexical"] + WEIGHTS["semantic"] if alone else -1.0
    text = f"mentions {quoted}" if quoted else ""  # no informative word: not named
    return Signal("lexical", min(1.0, max(0.0, normalised_bm25)), text, weight)


def distance_scale_km(profile: Profile) -> float:
    scale = 5.0 if profile.radius_km is None else min(20.0, max(1.0, profile.radius_km / 2))
    return scale / 2 if profile.transport_barrier else scale


def distance_signal(km: float | None, doc: ServiceDoc, profile: Profile) -> Signal | None:
    if km is None:
        if doc.remote and profile.mode != Conversation.Mode.IN_PERSON:
            return Signal("distance", 0.7, "by phone or online, so no travel")
        return None
    value = math.exp(-km / distance_scale_km(profile))
    text = "under 1 km away" if km < 1 else f"{km:.1f} km away"
    return Signal("distance", value, text)


def _slots_text(slots: set[tuple[str, str]]) -> str:
    by_day: dict[str, list[str]] = {}
    for day, tod in sorted(slots, key=lambda s: (WEEKDAYS.index(s[0]), s[1])):
        by_day.setdefault(day, []).append(tod)
    return ", ".join(f"{DAY_NAMES[d]} {' and '.join(t)}s" for d, t in list(by_day.items())[:3])


def schedule_signal(doc: ServiceDoc, profile: Profile) -> tuple[Signal | None, str | None]:
    if not doc.schedule or not profile.free_slots:
        return None, None
    overlap = set(doc.schedule & profile.free_slots)
    if not overlap:
        return Signal("schedule", 0.0, ""), "meets only at times the person is not free"
    return Signal("schedule", 1.0, f"meets {_slots_text(overlap)}, when you are free"), None


def cost_signal(doc: ServiceDoc, profile: Profile) -> tuple[Signal | None, str | None]:
    if doc.free is None:
        return None, None
    if doc.free:
        return Signal("cost", 1.0, "free"), None
    return Signal("cost", 0.0, ""), ("charges a fee" if profile.cost_barrier else None)


def access_signal(doc: ServiceDoc, profile: Profile) -> tuple[Signal | None, list[str]]:
    """Share of the person's stated access needs and preferences the service meets."""
    wanted, met, texts, caveats = 0, 0, [], []
    for tag in sorted(profile.access_needs):
        wanted += 1
        if tag in doc.accessibility:
            met += 1
            texts.append(ACCESS_LABELS[tag])
        else:
            caveats.append(f"{ACCESS_LABELS[tag]} not listed")
    if profile.languages:
        wanted += 1
        shared = sorted(profile.languages & doc.languages)
        if shared:
            met += 1
            texts.append("in " + " and ".join(s.title() for s in shared))
    if profile.setting != Conversation.Setting.EITHER and doc.setting:
        wanted += 1
        if doc.setting == profile.setting:
            met += 1
            texts.append(
                "in a group" if doc.setting == Conversation.Setting.GROUP else "one-to-one"
            )
    if profile.mode == Conversation.Mode.ONLINE and doc.remote:
        wanted, met = wanted + 1, met + 1
        texts.append("online or by phone")
    if not wanted:
        return None, caveats
    return Signal("access", met / wanted, "; ".join(texts)), caveats


def freshness_signal(doc: ServiceDoc, today: dt.date) -> tuple[Signal | None, str | None]:
    if doc.last_verified_at is None:
        return None, "details not yet verified"
    months = months_since(doc.last_verified_at, today)
    value = 1.0 if months <= 3 else max(0.0, 1 - (months - 3) / 9)
    when = "this month" if months == 0 else f"{months} month{'s' if months != 1 else ''} ago"
    caveat = f"details last checked {when}" if months >= 9 else None
    return Signal("freshness", value, f"details checked {when}"), caveat


def completion_signal(completed: int, ended: int) -> Signal | None:
    if ended < MIN_COMPLETION_CASES:
        return None
    value = (completed + 1) / (ended + 2)  # Laplace: 1 of 1 is not 100%
    return Signal("completion", value, f"{completed} of {ended} people connected completed it")


def score_service(
    doc: ServiceDoc,
    profile: Profile,
    *,
    today: dt.date,
    need_index: int | None,
    cosine: float | None,
    bm25: float,
    matched_words: Sequence[str],
    km: float | None,
    completion: tuple[int, int] | None = None,
) -> Scored:
    """All soft signals for one service that passed the hard constraints."""
    signals: list[Signal] = []
    caveats: list[str] = []
    if need_index is not None:
        label = profile.needs[need_index].label
        if cosine is not None:
            signals.append(semantic_signal(cosine, label))
        if bm25 > 0:
            signals.append(lexical_signal(bm25, matched_words, alone=cosine is None))
    dist = distance_signal(km, doc, profile)
    if dist:
        signals.append(dist)
    for maker in (schedule_signal, cost_signal):
        sig, caveat = maker(doc, profile)
        if sig:
            signals.append(sig)
        if caveat:
            caveats.append(caveat)
    access, access_caveats = access_signal(doc, profile)
    if access:
        signals.append(access)
    caveats += access_caveats
    fresh, caveat = freshness_signal(doc, today)
    if fresh:
        signals.append(fresh)
    if caveat:
        caveats.append(caveat)
    if completion:
        done = completion_signal(*completion)
        if done:
            signals.append(done)
    penalty = 0.0
    if doc.capacity == Service.Capacity.WAITING_LIST:
        penalty = WAITING_LIST_PENALTY
        caveats.insert(0, "has a waiting list")
    caveats += eligibility_notes(doc, profile)
    return Scored(doc, signals, caveats, need_index, km, penalty)


# --- diversity ----------------------------------------------------------------------------

REDUNDANCY_FROM = 0.6  # similarity above which a second near-copy is held back
REDUNDANCY_WEIGHT = 0.02  # ADR 0020 (the search's floor; 0.05 before)
COVERAGE_BONUS = 0.02


def diversify(
    ranked: Sequence[Scored],
    limit: int,
    similarity: Sequence[Sequence[float]] | None,
    need_labels: Sequence[str] = (),
) -> list[Scored]:
    """Pick `limit` items greedily (maximal marginal relevance): each pick maximises its score,
    less a penalty for resembling an earlier pick, plus a bonus if it serves a need no
    earlier pick served. So ten walking groups become walking, debt advice and a choir.

    `similarity[i][j]` is how alike ranked[i] and ranked[j] are (0–1); None skips that part.
    """
    pool = list(range(len(ranked)))
    scores = [item.score for item in ranked]
    closest = [0.0] * len(ranked)  # highest similarity to anything chosen so far
    chosen: list[int] = []
    covered: set[int] = set()
    several_needs = len(need_labels) > 1
    while pool and len(chosen) < limit:
        best_pos, best_value, best_lifted = 0, -math.inf, False
        for pos, i in enumerate(pool):
            value = scores[i]
            if chosen and similarity is not None:
                excess = max(0.0, closest[i] - REDUNDANCY_FROM) / (1 - REDUNDANCY_FROM)
                value -= REDUNDANCY_WEIGHT * excess
            need = ranked[i].need_index
            lifted = several_needs and need is not None and need not in covered
            if lifted:
                value += COVERAGE_BONUS
            if value > best_value:
                best_pos, best_value, best_lifted = pos, value, lifted
        i = pool.pop(best_pos)
        item = ranked[i]
        if best_lifted and chosen and item.need_index is not None:
            item.picked_for_need = need_labels[item.need_index]
        if item.need_index is not None:
            covered.add(item.need_index)
        chosen.append(i)
        if similarity is not None:
            row = similarity[i]
            for j in pool:
                if row[j] > closest[j]:
                    closest[j] = row[j]
    return [ranked[i] for i in chosen]
