"""The one small-numbers rule for every insight page, export and JSON document.

A count of 1 to 4 is shown as ``"<5"`` (a zero is shown: it identifies nobody), and a group
with fewer than ``SMALL`` pairs (or people, or rows) carries no change or mean: a figure over
so few people can identify them and says little anyway. Import this module rather than
writing the threshold again.
"""

from __future__ import annotations

from typing import Any

SMALL = 5
SUPPRESSED = f"<{SMALL}"


def is_small(n: int) -> bool:
    """True when a figure over ``n`` people must not be shown (fewer than SMALL)."""
    return n < SMALL


def suppress(n: int) -> int | str:
    """The count to show: ``n`` itself, or ``"<5"`` for 1 to 4."""
    return SUPPRESSED if 0 < n < SMALL else n


def suppressed_group(label: str, pairs: int, change: Any) -> dict[str, Any]:
    """A group entry ``{"group", "pairs", "change"}``. A group of fewer than SMALL keeps its
    label but shows ``"pairs": "<5"`` (0 when empty) and no change (``None``)."""
    if is_small(pairs):
        return {"group": label, "pairs": suppress(pairs), "change": None}
    return {"group": label, "pairs": pairs, "change": change}
