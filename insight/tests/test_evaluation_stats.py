"""The statistics behind the evaluation, checked against published tables and by hand."""

import math

import pytest

from insight import stats

# Two-sided 95% critical values of Student's t (any statistics textbook's table).
T_975 = {1: 12.706, 2: 4.303, 3: 3.182, 5: 2.571, 10: 2.228, 20: 2.086, 30: 2.042, 120: 1.980}


@pytest.mark.parametrize(("df", "expected"), sorted(T_975.items()))
def test_t_quantile_matches_the_published_table(df, expected):
    assert stats.t_quantile(0.975, df) == pytest.approx(expected, abs=5e-4)


def test_t_quantile_tends_to_the_normal_for_large_df():
    assert stats.t_quantile(0.975, 1e7) == pytest.approx(1.959964, abs=1e-5)


def test_t_quantile_is_symmetric_and_inverts_the_cdf_for_fractional_df():
    for df in (1.5, 2.7, 13.3, 57.9):
        for p in (0.6, 0.9, 0.975, 0.999):
            t = stats.t_quantile(p, df)
            assert stats.t_cdf(t, df) == pytest.approx(p, abs=1e-10)
            assert stats.t_quantile(1 - p, df) == pytest.approx(-t)


def test_fractional_df_lies_between_its_whole_neighbours():
    assert stats.t_quantile(0.975, 3) < stats.t_quantile(0.975, 2.5) < stats.t_quantile(0.975, 2)


@pytest.mark.parametrize("t", [-30.0, -2.0, -0.3, 0.0, 0.7, 4.0, 50.0])
def test_t_cdf_has_the_closed_forms_for_one_and_two_degrees(t):
    assert stats.t_cdf(t, 1) == pytest.approx(0.5 + math.atan(t) / math.pi, abs=1e-12)
    assert stats.t_cdf(t, 2) == pytest.approx(0.5 + t / (2 * math.sqrt(2 + t * t)), abs=1e-12)


def test_t_quantile_refuses_impossible_arguments():
    with pytest.raises(ValueError):
        stats.t_quantile(1.0, 5)
    with pytest.raises(ValueError):
        stats.t_quantile(0.5, 0)


def test_mean_change_interval_by_hand():
    values = [1.0, 2.0, 3.0, 4.0, 5.0]  # mean 3, SD sqrt(2.5)
    result = stats.mean_change(values)
    half = 2.776445 * math.sqrt(2.5) / math.sqrt(5)
    assert result.n == 5
    assert result.mean == pytest.approx(3.0)
    assert result.ci95[0] == pytest.approx(3.0 - half, abs=1e-5)
    assert result.ci95[1] == pytest.approx(3.0 + half, abs=1e-5)
    assert result.effect_size == pytest.approx(3.0 / math.sqrt(2.5))


def test_mean_change_of_identical_values_has_no_effect_size():
    result = stats.mean_change([2.0, 2.0, 2.0])
    assert result.ci95 == (2.0, 2.0)
    assert result.effect_size is None


def test_mean_change_needs_two_values():
    with pytest.raises(ValueError):
        stats.mean_change([1.0])


def test_welch_difference_by_hand():
    a, b = [5.0, 7.0, 9.0, 11.0], [1.0, 2.0, 3.0]
    va, vb = (20 / 3) / 4, 1.0 / 3  # sample variances / n
    df = (va + vb) ** 2 / (va**2 / 3 + vb**2 / 2)
    half = stats.t_quantile(0.975, df) * math.sqrt(va + vb)
    result = stats.welch_difference(a, b)
    assert result.estimate == pytest.approx(6.0)
    assert result.df == pytest.approx(df)
    assert result.ci95 == pytest.approx((6.0 - half, 6.0 + half))
    assert 3 < result.df < 5  # Welch's df sits between the smaller group's and the pooled


def test_welch_needs_two_values_in_each_group():
    with pytest.raises(ValueError):
        stats.welch_difference([1.0, 2.0], [1.0])


def test_ols_on_a_group_indicator_is_the_difference_of_means_with_the_pooled_interval():
    a, b = [5.0, 7.0, 9.0, 11.0], [1.0, 2.0, 3.0]
    y = a + b
    x = [[1.0, 1.0]] * len(a) + [[1.0, 0.0]] * len(b)
    pooled = (3 * (20 / 3) + 2 * 1.0) / 5  # pooled variance, df 5
    half = stats.t_quantile(0.975, 5) * math.sqrt(pooled * (1 / 4 + 1 / 3))
    result = stats.ols_coefficient(y, x, column=1)
    assert result.n == 7
    assert result.estimate == pytest.approx(6.0)
    assert result.ci95 == pytest.approx((6.0 - half, 6.0 + half))


def test_ols_recovers_an_exact_linear_relation():
    x = [[1.0, float(i), float(i * i % 7)] for i in range(12)]
    y = [3.0 + 2.0 * row[1] - 0.5 * row[2] for row in x]
    result = stats.ols_coefficient(y, x, column=2)
    assert result.estimate == pytest.approx(-0.5)
    assert result.ci95 == pytest.approx((-0.5, -0.5), abs=1e-9)


def test_ols_refuses_columns_that_are_not_independent():
    x = [[1.0, float(i), 2.0 * i] for i in range(6)]
    with pytest.raises(ValueError):
        stats.ols_coefficient([float(i) for i in range(6)], x, column=1)
