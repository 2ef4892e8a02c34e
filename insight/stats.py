"""The little statistics the evaluation needs, pure and tested: Student's t quantiles (for
whole and fractional degrees of freedom), a mean change with its 95% interval, and Welch's
interval for a difference of two means. No database, no request.

scipy is not a dependency; the t distribution is computed here from the regularised
incomplete beta function (continued fraction, as in Numerical Recipes §6.4) and inverted by
bisection, which is exact to the tolerance asked for (tests check it against published
tables).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

_EPS = 1e-15
_TINY = 1e-300


def _beta_fraction(a: float, b: float, x: float) -> float:
    """The continued fraction of the incomplete beta function (modified Lentz)."""
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c, d = 1.0, 1.0 - qab * x / qap
    d = 1.0 / (d if abs(d) > _TINY else _TINY)
    h = d
    for m in range(1, 500):
        m2 = 2 * m
        aa = m * (b - m) * x / ((qam + m2) * (a + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > _TINY else _TINY)
        c = 1.0 + aa / c
        c = c if abs(c) > _TINY else _TINY
        h *= d * c
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > _TINY else _TINY)
        c = 1.0 + aa / c
        c = c if abs(c) > _TINY else _TINY
        delta = d * c
        h *= delta
        if abs(delta - 1.0) < _EPS:
            break
    return h


def incomplete_beta(a: float, b: float, x: float) -> float:
    """The regularised incomplete beta function I_x(a, b), for a, b > 0 and 0 <= x <= 1."""
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    log_front = (
        math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    )
    front = math.exp(log_front)
    if x < (a + 1.0) / (a + b + 2.0):
        return front * _beta_fraction(a, b, x) / a
    return 1.0 - front * _beta_fraction(b, a, 1.0 - x) / b


def t_cdf(t: float, df: float) -> float:
    """P(T <= t) for Student's t with `df` degrees of freedom (df > 0, need not be whole)."""
    if df <= 0:
        raise ValueError("Degrees of freedom must be positive.")
    tail = 0.5 * incomplete_beta(df / 2.0, 0.5, df / (df + t * t))
    return 1.0 - tail if t >= 0 else tail


def t_pdf(t: float, df: float) -> float:
    """The density of Student's t with `df` degrees of freedom at t."""
    log_c = math.lgamma((df + 1.0) / 2.0) - math.lgamma(df / 2.0) - 0.5 * math.log(df * math.pi)
    return math.exp(log_c - (df + 1.0) / 2.0 * math.log1p(t * t / df))


@functools.lru_cache(maxsize=4096)
def t_quantile(p: float, df: float) -> float:
    """The t value below which a proportion `p` of Student's t (df degrees) lies: Newton's
    method on t_cdf, kept inside a bracket that bisection narrows whenever a Newton step
    would leave it (a handful of t_cdf calls; the same value as bisection to 1e-12)."""
    if not 0.0 < p < 1.0:
        raise ValueError("p must be strictly between 0 and 1.")
    if df <= 0:
        raise ValueError("Degrees of freedom must be positive.")
    if p == 0.5:
        return 0.0
    if p < 0.5:
        return -t_quantile(1.0 - p, df)
    lo, hi = 0.0, 1.0
    while t_cdf(hi, df) < p:
        lo, hi = hi, hi * 2.0
    t = (lo + hi) / 2.0
    for _ in range(200):
        error = t_cdf(t, df) - p
        if abs(error) < 1e-15:
            break
        if error < 0:
            lo = t
        else:
            hi = t
        if hi - lo < 1e-13 * max(1.0, hi):
            break
        step = t - error / t_pdf(t, df)
        t = step if lo < step < hi else (lo + hi) / 2.0
    return t


@dataclass(frozen=True)
class MeanChange:
    """The mean of some changes with its 95% t interval and standardised effect size."""

    n: int
    mean: float
    sd: float
    ci95: tuple[float, float]
    effect_size: float | None  # mean / SD of the changes; None when they do not vary


def mean_change(values: Sequence[float]) -> MeanChange:
    """Mean of `values` (two or more) with its 95% t interval (df = n - 1)."""
    data = np.asarray(values, dtype=float)
    n = int(data.size)
    if n < 2:
        raise ValueError("A mean with an interval needs at least two values.")
    mean = float(data.mean())
    sd = float(data.std(ddof=1))
    half = t_quantile(0.975, n - 1) * sd / math.sqrt(n)
    return MeanChange(
        n=n,
        mean=mean,
        sd=sd,
        ci95=(mean - half, mean + half),
        effect_size=mean / sd if sd > 0 else None,
    )


@dataclass(frozen=True)
class Difference:
    """Difference of two means (a − b) with Welch's 95% interval."""

    n_a: int
    n_b: int
    estimate: float
    ci95: tuple[float, float]
    df: float


def welch_difference(a: Sequence[float], b: Sequence[float]) -> Difference:
    """mean(a) − mean(b), with the Welch–Satterthwaite 95% interval (two or more each)."""
    xa, xb = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if xa.size < 2 or xb.size < 2:
        raise ValueError("Welch's interval needs at least two values in each group.")
    va, vb = xa.var(ddof=1) / xa.size, xb.var(ddof=1) / xb.size
    estimate = float(xa.mean() - xb.mean())
    se2 = float(va + vb)
    if se2 == 0.0:
        return Difference(int(xa.size), int(xb.size), estimate, (estimate, estimate), math.inf)
    df = se2**2 / (va**2 / (xa.size - 1) + vb**2 / (xb.size - 1))
    half = t_quantile(0.975, float(df)) * math.sqrt(se2)
    return Difference(
        int(xa.size), int(xb.size), estimate, (estimate - half, estimate + half), float(df)
    )


@dataclass(frozen=True)
class Coefficient:
    """One coefficient of a least-squares fit, with its 95% t interval."""

    n: int
    estimate: float
    ci95: tuple[float, float]


def ols_coefficient(y: Sequence[float], x: Sequence[Sequence[float]], column: int) -> Coefficient:
    """Ordinary least squares of `y` on the columns of `x` (give the intercept as a column of
    ones); the coefficient of `column` with its classical 95% interval (df = n − p).
    ValueError when the columns are not independent or there are too few rows."""
    design = np.asarray(x, dtype=float)
    target = np.asarray(y, dtype=float)
    n, p = design.shape
    if n <= p:
        raise ValueError("A regression needs more rows than columns.")
    if np.linalg.matrix_rank(design) < p:
        raise ValueError("The columns of the regression are not independent.")
    beta, *_ = np.linalg.lstsq(design, target, rcond=None)
    residuals = target - design @ beta
    sigma2 = float(residuals @ residuals) / (n - p)
    covariance = sigma2 * np.linalg.inv(design.T @ design)
    estimate = float(beta[column])
    half = t_quantile(0.975, n - p) * math.sqrt(float(covariance[column, column]))
    return Coefficient(n=n, estimate=estimate, ci95=(estimate - half, estimate + half))


# --- The same statistics from sums ----------------------------------------------------------
# The evaluation adds changes up in the database (fixed point, see insight.evaluation_sql),
# so these take a count, a sum and a sum of squares in exact arithmetic (ints or Fractions)
# and compute from them exactly, converting to float only at the end: the database's
# summing order cannot change a figure.


@dataclass(frozen=True)
class Sums:
    """n values' count, sum and sum of squares, each value in units of 1/scale."""

    n: int = 0
    total: int = 0
    squares: int = 0
    scale: int = 1

    def __add__(self, other: Sums) -> Sums:
        if self.scale != other.scale:
            raise ValueError("Sums on different scales cannot be added.")
        return Sums(
            self.n + other.n, self.total + other.total, self.squares + other.squares, self.scale
        )

    @classmethod
    def of(cls, values, scale: int = 1) -> Sums:
        """The sums of `values` (ints or Fractions, in units of 1/scale), exactly."""
        exact = list(values)
        return cls(len(exact), sum(exact), sum(v * v for v in exact), scale)

    def mean(self) -> Fraction:
        return Fraction(self.total, self.n * self.scale)

    def variance(self) -> Fraction:
        """The sample variance (n − 1 in the denominator), exact."""
        return Fraction(
            self.n * self.squares - self.total**2, self.n * (self.n - 1) * self.scale**2
        )


def mean_change_from(sums: Sums) -> MeanChange:
    """mean_change() of the values `sums` summarises."""
    if sums.n < 2:
        raise ValueError("A mean with an interval needs at least two values.")
    mean = float(sums.mean())
    sd = math.sqrt(sums.variance())
    half = t_quantile(0.975, sums.n - 1) * sd / math.sqrt(sums.n)
    return MeanChange(
        n=sums.n,
        mean=mean,
        sd=sd,
        ci95=(mean - half, mean + half),
        effect_size=mean / sd if sd > 0 else None,
    )


def welch_from(a: Sums, b: Sums) -> Difference:
    """welch_difference() of the two sets of values `a` and `b` summarise."""
    if a.n < 2 or b.n < 2:
        raise ValueError("Welch's interval needs at least two values in each group.")
    va, vb = a.variance() / a.n, b.variance() / b.n
    estimate = float(a.mean() - b.mean())
    se2 = va + vb
    if se2 == 0:
        return Difference(a.n, b.n, estimate, (estimate, estimate), math.inf)
    df = se2**2 / (va**2 / (a.n - 1) + vb**2 / (b.n - 1))
    half = t_quantile(0.975, float(df)) * math.sqrt(se2)
    return Difference(a.n, b.n, estimate, (estimate - half, estimate + half), float(df))


def ols_from_moments(
    xtx: Sequence[Sequence[Fraction | int]],
    xty: Sequence[Fraction | int],
    yty: Fraction | int,
    n: int,
    column: int,
    scale: int = 1,
) -> Coefficient:
    """ols_coefficient() from the cross-products X'X, X'y and y'y of n rows, solved exactly
    (Gauss–Jordan over fractions; a regression has a handful of columns), with y in units
    of 1/scale. ValueError when the columns are not independent or there are too few rows."""
    p = len(xty)
    if n <= p:
        raise ValueError("A regression needs more rows than columns.")
    inverse = _inverse([[Fraction(v) for v in row] for row in xtx])
    beta = [sum(inverse[i][j] * xty[j] for j in range(p)) for i in range(p)]
    rss = Fraction(yty) - sum(beta[i] * xty[i] for i in range(p))
    sigma2 = rss / (n - p)
    estimate = float(beta[column] / scale)
    variance = sigma2 * inverse[column][column] / scale**2
    half = t_quantile(0.975, n - p) * math.sqrt(float(variance) if variance > 0 else 0.0)
    return Coefficient(n=n, estimate=estimate, ci95=(estimate - half, estimate + half))


def _inverse(matrix: list[list[Fraction]]) -> list[list[Fraction]]:
    p = len(matrix)
    a = [row[:] + [Fraction(int(i == j)) for j in range(p)] for i, row in enumerate(matrix)]
    for col in range(p):
        pivot = next((r for r in range(col, p) if a[r][col] != 0), None)
        if pivot is None:
            raise ValueError("The columns of the regression are not independent.")
        a[col], a[pivot] = a[pivot], a[col]
        lead = a[col][col]
        a[col] = [v / lead for v in a[col]]
        for r in range(p):
            if r != col and a[r][col] != 0:
                factor = a[r][col]
                a[r] = [v - factor * w for v, w in zip(a[r], a[col], strict=True)]
    return [row[p:] for row in a]
