"""Plain builders for the pure ranker tests (no Django): ServiceDocs and Profiles."""

from __future__ import annotations

import datetime as dt
import itertools

from matching.documents import Need, Profile, ServiceDoc
from matching.index import MatchingIndex

ASHFORD = (51.146, 0.875)  # the factories' default location
TODAY = dt.date(2025, 6, 2)
_ids = itertools.count(1)


def make_doc(**fields) -> ServiceDoc:
    defaults = {
        "id": f"svc-{next(_ids)}",
        "name": "Community walking group",
        "description": "A friendly weekly walk with tea afterwards.",
        "points": (ASHFORD,),
        "last_verified_at": dt.datetime(2025, 5, 1, tzinfo=dt.UTC),
    }
    return ServiceDoc(**(defaults | fields))


def make_profile(*needs: str, **fields) -> Profile:
    built = tuple(Need(text=n, label=f"“{n}”") for n in needs)
    return Profile(**({"needs": built, "today": TODAY} | fields))


def index_of(docs, encoder=None) -> MatchingIndex:
    """An index of `docs`, embedded by `encoder` (at its width) or by none."""
    if encoder is None:
        return MatchingIndex.build([(d, None) for d in docs])
    vectors = encoder.encode([d.text() for d in docs])
    return MatchingIndex.build(zip(docs, vectors, strict=True), encoder.dimensions)
