"""Experiment statistics, as GrowthBook's frequentist engine computes them (gbstats).

- Relative lift of a variant B over the control A with the delta method:
  ``lift = (mB - mA) / mA``, ``Var = vB / (mA² nB) + vA mB² / (mA⁴ nA)``;
  a Welch t-test with Welch-Satterthwaite degrees of freedom gives the
  two-sided p-value and the interval ``lift ± t(1 - alpha/2, dof) √Var``.
- A conversion rate p has variance ``p (1 - p)``. An arm with zero variance
  (a rate of 0 or 1, or no users) gives no result at all, as gbstats refuses
  it (``ZERO_NEGATIVE_VARIANCE``): its interval would be a point and its
  p-value meaningless (``rate_problem`` says why).
- Sample ratio mismatch: a chi-square test of the users per variant against
  the weights (``p < FLAGS_SRM_THRESHOLD``, 0.001 by default, is a mismatch).

The Student t and chi-square distributions are computed here (regularised
incomplete beta and gamma functions) so production needs no SciPy; the tests
check them against SciPy.
"""

import math
from dataclasses import dataclass
from statistics import NormalDist

_EPS = 1e-15
_TINY = 1e-300


def _beta_fraction(a: float, b: float, x: float) -> float:
    """Continued fraction of the incomplete beta function (modified Lentz)."""
    c, d = 1.0, 1.0 - (a + b) * x / (a + 1.0)
    d = 1.0 / (d if abs(d) > _TINY else _TINY)
    result = d
    for m in range(1, 10_000):
        for numerator in (
            m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m)),
            -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1)),
        ):
            d = 1.0 + numerator * d
            d = 1.0 / (d if abs(d) > _TINY else _TINY)
            c = 1.0 + numerator / c
            c = c if abs(c) > _TINY else _TINY
            result *= d * c
        if abs(d * c - 1.0) < _EPS:
            break
    return result


def incomplete_beta(a: float, b: float, x: float) -> float:
    """The regularised incomplete beta function I_x(a, b)."""
    if x <= 0:
        return 0.0
    if x >= 1:
        return 1.0
    log_front = math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    if x < (a + 1) / (a + b + 2):
        return math.exp(log_front) * _beta_fraction(a, b, x) / a
    return 1.0 - math.exp(log_front) * _beta_fraction(b, a, 1 - x) / b


def t_sf(t: float, dof: float) -> float:
    """P(T > t) for Student's t with ``dof`` degrees of freedom."""
    tail = 0.5 * incomplete_beta(dof / 2, 0.5, dof / (dof + t * t))
    return tail if t >= 0 else 1 - tail


def t_ppf(q: float, dof: float) -> float:
    """The ``q`` quantile of Student's t (Newton's method from the normal quantile)."""
    x = NormalDist().inv_cdf(q)
    log_norm = math.lgamma((dof + 1) / 2) - math.lgamma(dof / 2) - 0.5 * math.log(dof * math.pi)
    for _ in range(100):
        density = math.exp(log_norm - (dof + 1) / 2 * math.log1p(x * x / dof))
        step = ((1 - t_sf(x, dof)) - q) / density
        x -= step
        if abs(step) < 1e-12 * max(1.0, abs(x)):
            break
    return x


def _gamma_series(a: float, x: float) -> float:
    total = term = 1.0 / a
    n = a
    for _ in range(10_000):
        n += 1
        term *= x / n
        total += term
        if abs(term) < abs(total) * _EPS:
            break
    return total * math.exp(-x + a * math.log(x) - math.lgamma(a))


def _gamma_fraction(a: float, x: float) -> float:
    b = x + 1 - a
    c, d = 1 / _TINY, 1 / b
    result = d
    for i in range(1, 10_000):
        numerator = -i * (i - a)
        b += 2
        d = numerator * d + b
        d = 1 / (d if abs(d) > _TINY else _TINY)
        c = b + numerator / c
        c = c if abs(c) > _TINY else _TINY
        result *= d * c
        if abs(d * c - 1) < _EPS:
            break
    return math.exp(-x + a * math.log(x) - math.lgamma(a)) * result


def chi2_sf(x: float, dof: int) -> float:
    """P(X > x) for a chi-square distribution with ``dof`` degrees of freedom."""
    if x <= 0:
        return 1.0
    a, half = dof / 2, x / 2
    if half < a + 1:
        return 1.0 - _gamma_series(a, half)
    return _gamma_fraction(a, half)


@dataclass(frozen=True)
class Comparison:
    lift: float
    ci_low: float
    ci_high: float
    p_value: float
    dof: float


def welch_relative(
    mean_a: float, var_a: float, n_a: int, mean_b: float, var_b: float, n_b: int, alpha: float = 0.05
) -> Comparison | None:
    """B against the control A: relative lift, its interval and p-value; None
    when it cannot be computed (a zero control mean, either arm without variance, n < 2)."""
    if n_a < 2 or n_b < 2 or mean_a == 0 or var_a <= 0 or var_b <= 0:
        return None
    lift = (mean_b - mean_a) / mean_a
    variance = var_b / (mean_a**2 * n_b) + var_a * mean_b**2 / (mean_a**4 * n_a)
    spread_a, spread_b = var_a / n_a, var_b / n_b
    denominator = spread_b**2 / (n_b - 1) + spread_a**2 / (n_a - 1)
    if variance <= 0 or denominator <= 0:
        return None
    dof = (spread_a + spread_b) ** 2 / denominator
    error = math.sqrt(variance)
    p_value = min(1.0, 2 * t_sf(abs(lift / error), dof))
    half_width = t_ppf(1 - alpha / 2, dof) * error
    return Comparison(lift, lift - half_width, lift + half_width, p_value, dof)


def rate_problem(conversions: int, users: int) -> str | None:
    """Why one arm's conversion rate cannot be compared (zero variance or too few users), or None."""
    if users < 2:
        return f"{users} user(s): a test needs at least 2"
    if conversions <= 0:
        return "no user converted (rate 0%): zero variance, no test possible"
    if conversions >= users:
        return "every user converted (rate 100%): zero variance, no test possible"
    return None


def compare_rates(conv_a: int, n_a: int, conv_b: int, n_b: int, alpha: float = 0.05) -> Comparison | None:
    """Conversion rates: each user converted or not (variance p(1 - p), as gbstats); None
    when either arm has zero variance or too few users (``rate_problem``)."""
    if rate_problem(conv_a, n_a) or rate_problem(conv_b, n_b):
        return None
    p_a, p_b = conv_a / n_a, conv_b / n_b
    return welch_relative(p_a, p_a * (1 - p_a), n_a, p_b, p_b * (1 - p_b), n_b, alpha)


def srm_p_value(observed: list[int], weights: list[float]) -> float | None:
    """The chi-square p-value of the users per variant against the expected split."""
    total, weight_sum = sum(observed), sum(w for w in weights if w > 0)
    if total == 0 or weight_sum <= 0:
        return None
    statistic, cells = 0.0, 0
    for count, weight in zip(observed, weights, strict=True):
        if weight <= 0:
            continue
        expected = weight / weight_sum * total
        statistic += (count - expected) ** 2 / expected
        cells += 1
    if cells < 2:
        return None
    return chi2_sf(statistic, cells - 1)
