"""Every table insight derives from the records, in one list: what it is called, how to
rebuild it from the records and how to list where it differs from them.

Each is kept in step with the records by model signals, in the same transaction as the
change; writes that bypass the models (raw SQL, bulk loads, a restore) call `rebuild_all`
(or one summary's own refresh), as `manage.py refresh_insight_facts` does, and
`differences` is what its --check reports."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from casework.models import Case
from insight import dashboard_counts, facts, gaps_summary, healthcare_facts
from insight.models import ContactDay, ContactMonth, DashboardCount
from insight.sql import rebuilt_differences


@dataclass(frozen=True)
class Summary:
    name: str
    rebuild: Callable[[], Any]
    differences: Callable[[], list[str]]


SUMMARIES: list[Summary] = [
    Summary(
        "the evaluation's facts, categories and monthly sums", facts.refresh, facts.differences
    ),
    Summary("healthcare use per referral", healthcare_facts.rebuild, healthcare_facts.differences),
    Summary("the gaps page's needs", gaps_summary.rebuild, gaps_summary.differences),
    Summary(
        "the dashboards' counts",
        dashboard_counts.rebuild,
        lambda: rebuilt_differences(
            [DashboardCount, ContactDay, ContactMonth], dashboard_counts.rebuild
        ),
    ),
]


@contextmanager
def batched() -> Iterator[None]:
    """Every summary's own batching (facts.batched and the rest): changes inside the block
    rewrite each case, referral or person once, at the end (imports, the demo's seed)."""
    with ExitStack() as stack:
        for batch in BATCHES:
            stack.enter_context(batch())
        yield


BATCHES = [facts.batched, healthcare_facts.batched, gaps_summary.batched]


def refresh_people(people: Iterable[Any]) -> None:
    """Rewrite every summary's rows about these people (ids) from their records as they are
    now, after writes that bypass the models (retention's anonymising updates)."""
    ids = set(people)
    if not ids:
        return
    with transaction.atomic():
        facts.refresh(set(Case.objects.filter(person_id__in=ids).values_list("pk", flat=True)))
        healthcare_facts.refresh_people(ids)
        gaps_summary.refresh(ids)
        dashboard_counts.refresh_people(
            {key for person in ids for key in dashboard_counts.people_of_person(person)}
        )


def rebuild_all() -> None:
    """Rebuild every summary from the records, in one transaction."""
    with transaction.atomic():
        for summary in SUMMARIES:
            summary.rebuild()


def differences() -> list[str]:
    """Where any summary differs from what the records give (changes nothing)."""
    return [f"{s.name}: {line}" for s in SUMMARIES for line in s.differences()]
