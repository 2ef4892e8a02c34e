"""The trial's rules as pure functions: who is eligible, which stratum a referral is in,
the permuted blocks, and the wait. No database, no clock: callers pass both in.

Randomisation is by permuted blocks within each stratum. A block holds the arms in the
trial's ratio, repeated 1, 2 or 3 times (so with 1:1, blocks of 2, 4 or 6), the size and
the order both drawn from the random source the caller gives: `secrets.SystemRandom()` in
the service (trials.actions), a seeded `random.Random` in tests only. Varying the block
size stops anyone who knows the last few allocations from working out the next one.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterable

from people.rules import age_on
from trials.models import Arm, Factor

BLOCK_MULTIPLES = (1, 2, 3)
AGE_GROUPS: list[tuple[int, int | None, str]] = [
    (0, 39, "under 40"),
    (40, 64, "40-64"),
    (65, None, "65+"),
]
MAIN_REASONS = {"loneliness": "loneliness", "low_mood": "low mood"}
NOT_KNOWN = "not known"


def age_group(age: int | None) -> str:
    if age is None:
        return NOT_KNOWN
    for low, high, label in AGE_GROUPS:
        if age >= low and (high is None or age <= high):
            return label
    return NOT_KNOWN


def sex_group(sex: str) -> str:
    return sex if sex in ("female", "male") else "other or not known"


def reason_group(reasons: Iterable[str]) -> str:
    """The main (first-given) reason, grouped: loneliness, low mood, or other."""
    first = next(iter(reasons or []), None)
    return MAIN_REASONS.get(first, "other") if first else NOT_KNOWN


def stratum_of(
    factors: Iterable[str],
    *,
    birth_date: dt.date | None,
    sex: str,
    reasons: Iterable[str],
    received_on: dt.date,
) -> str:
    """The stratum key, for example "age=65+; sex=female", or "all" with no factors."""
    parts = []
    for code in factors:
        if code == Factor.AGE:
            parts.append(f"age={age_group(age_on(birth_date, received_on))}")
        elif code == Factor.SEX:
            parts.append(f"sex={sex_group(sex)}")
        elif code == Factor.REASON:
            parts.append(f"reason={reason_group(reasons)}")
        else:
            raise ValueError(f"Unknown stratification factor {code!r}.")
    return "; ".join(parts) or "all"


def new_block(ratio_now: int, ratio_wait: int, rng: random.Random) -> list[str]:
    """One permuted block: the arms in the ratio, times 1, 2 or 3 (drawn), shuffled."""
    if ratio_now < 1 or ratio_wait < 1:
        raise ValueError("Each arm needs a share of at least 1.")
    times = rng.choice(BLOCK_MULTIPLES)
    block = [Arm.NOW.value] * (ratio_now * times) + [Arm.WAIT.value] * (ratio_wait * times)
    rng.shuffle(block)
    return block


def wait_ends_on(received_on: dt.date, delay_weeks: int) -> dt.date:
    """The day the 'wait' arm's contact starts: received + the delay."""
    return received_on + dt.timedelta(weeks=delay_weeks)


def trial_is_on(
    *,
    starts_on: dt.date,
    ends_on: dt.date,
    switched_off: bool,
    today: dt.date,
) -> bool:
    return not switched_off and starts_on <= today <= ends_on


def overlaps(a_start: dt.date, a_end: dt.date, b_start: dt.date, b_end: dt.date) -> bool:
    return a_start <= b_end and b_start <= a_end
