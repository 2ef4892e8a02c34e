"""The pure rules: strata, permuted blocks, the wait."""

import datetime as dt
import random
import secrets
from collections import Counter

import pytest

from trials import rules
from trials.models import Factor


def test_a_block_holds_the_arms_in_the_ratio_once_twice_or_three_times():
    rng = random.Random(3)
    for _ in range(200):
        block = rules.new_block(1, 1, rng)
        assert len(block) in (2, 4, 6)
        assert block.count("now") == block.count("wait")
        block = rules.new_block(2, 1, rng)
        assert len(block) in (3, 6, 9)
        assert block.count("now") == 2 * block.count("wait")


def test_block_sizes_and_orders_vary_from_the_cryptographic_source():
    rng = secrets.SystemRandom()
    blocks = [tuple(rules.new_block(1, 1, rng)) for _ in range(300)]
    assert {len(b) for b in blocks} == {2, 4, 6}
    assert len({b for b in blocks if len(b) == 6}) > 5  # many orders, not one pattern


def test_a_seeded_source_gives_the_same_blocks_again():
    first = [rules.new_block(1, 1, random.Random(42)) for _ in range(3)]
    again = [rules.new_block(1, 1, random.Random(42)) for _ in range(3)]
    assert first == again


def test_a_ratio_below_one_is_refused():
    with pytest.raises(ValueError):
        rules.new_block(0, 1, random.Random(1))


@pytest.mark.parametrize(
    ("birth", "sex", "reasons", "expected"),
    [
        (
            dt.date(1950, 6, 1),
            "female",
            ["loneliness", "money"],
            "age=65+; sex=female; reason=loneliness",
        ),
        (dt.date(1990, 6, 1), "male", ["low_mood"], "age=under 40; sex=male; reason=low mood"),
        (
            dt.date(1970, 6, 1),
            "unknown",
            ["money", "loneliness"],
            "age=40-64; sex=other or not known; reason=other",
        ),
        (None, "", [], "age=not known; sex=other or not known; reason=not known"),
    ],
)
def test_the_stratum_names_each_factor_group(birth, sex, reasons, expected):
    factors = [Factor.AGE, Factor.SEX, Factor.REASON]
    got = rules.stratum_of(
        factors, birth_date=birth, sex=sex, reasons=reasons, received_on=dt.date(2026, 1, 1)
    )
    assert got == expected


def test_age_is_counted_on_the_day_the_referral_was_received():
    birth = dt.date(1961, 3, 10)  # 65 on 10 March 2026
    before = rules.stratum_of(
        ["age"], birth_date=birth, sex="", reasons=[], received_on=dt.date(2026, 3, 9)
    )
    on = rules.stratum_of(
        ["age"], birth_date=birth, sex="", reasons=[], received_on=dt.date(2026, 3, 10)
    )
    assert (before, on) == ("age=40-64", "age=65+")


def test_no_factors_is_one_stratum_and_an_unknown_factor_is_refused():
    kw = {"birth_date": None, "sex": "", "reasons": [], "received_on": dt.date(2026, 1, 1)}
    assert rules.stratum_of([], **kw) == "all"
    with pytest.raises(ValueError):
        rules.stratum_of(["postcode"], **kw)


def test_the_wait_ends_the_delay_after_the_referral_was_received():
    assert rules.wait_ends_on(dt.date(2026, 1, 5), 8) == dt.date(2026, 3, 2)


def test_overlapping_periods():
    d = dt.date
    assert rules.overlaps(d(2026, 1, 1), d(2026, 3, 1), d(2026, 3, 1), d(2026, 4, 1))
    assert not rules.overlaps(d(2026, 1, 1), d(2026, 2, 28), d(2026, 3, 1), d(2026, 4, 1))


def test_permuted_blocks_keep_every_prefix_nearly_balanced():
    rng = random.Random(9)
    sequence: list[str] = []
    for _ in range(100):
        sequence += rules.new_block(1, 1, rng)
    for i in range(1, len(sequence) + 1):
        counts = Counter(sequence[:i])
        assert abs(counts["now"] - counts["wait"]) <= 3  # half the largest block
