"""Experiment statistics: GrowthBook's figures, and more cases against SciPy."""

import random

import pytest
from scipy import stats as scipy_stats

from flags import stats


def test_it_gives_growthbooks_relative_lift_interval_and_p_value():
    result = stats.compare_rates(1000, 10000, 1100, 10000)
    assert result.lift == pytest.approx(0.10)
    assert result.ci_low == pytest.approx(0.010865, abs=1e-6)
    assert result.ci_high == pytest.approx(0.189135, abs=1e-6)
    assert result.p_value == pytest.approx(0.027890, abs=1e-6)
    assert result.dof == pytest.approx(19962.7, abs=0.1)


@pytest.mark.parametrize(
    ("observed", "weights", "expected", "rounding"),
    [
        ([5100, 4900], [0.5, 0.5], 0.0455, 5e-5),
        ([50500, 49500], [0.5, 0.5], 0.00157, 5e-6),
        ([3400, 3300, 3300], [1 / 3] * 3, 0.368, 5e-4),
    ],
)
def test_it_gives_growthbooks_sample_ratio_mismatch_p_values(observed, weights, expected, rounding):
    # The published figures have three significant digits.
    assert stats.srm_p_value(observed, weights) == pytest.approx(expected, abs=rounding)


def test_its_srm_check_equals_scipys_chi_square_test():
    rng = random.Random(3)
    for _ in range(200):
        k = rng.randint(2, 5)
        weights = [rng.uniform(0.1, 1) for _ in range(k)]
        observed = [rng.randint(1, 5000) for _ in range(k)]
        expected = [w / sum(weights) * sum(observed) for w in weights]
        assert stats.srm_p_value(observed, weights) == pytest.approx(
            scipy_stats.chisquare(observed, expected).pvalue, rel=1e-7, abs=1e-300
        )


def test_its_welch_test_equals_scipys_on_the_same_moments():
    rng = random.Random(5)
    for _ in range(200):
        n_a, n_b = rng.randint(30, 50000), rng.randint(30, 50000)
        p_a, p_b = rng.uniform(0.01, 0.6), rng.uniform(0.01, 0.6)
        c_a, c_b = round(p_a * n_a), round(p_b * n_b)
        result = stats.compare_rates(c_a, n_a, c_b, n_b)
        if result is None:
            continue
        # The delta-method statistic and Welch's dof, evaluated with SciPy's t distribution.
        t = result.lift / ((result.ci_high - result.ci_low) / 2 / scipy_stats.t.ppf(0.975, result.dof))
        assert result.p_value == pytest.approx(2 * scipy_stats.t.sf(abs(t), result.dof), rel=1e-7, abs=1e-12)
        m_a, m_b = c_a / n_a, c_b / n_b
        v_a, v_b = m_a * (1 - m_a) / n_a, m_b * (1 - m_b) / n_b
        assert result.dof == pytest.approx((v_a + v_b) ** 2 / (v_a**2 / (n_a - 1) + v_b**2 / (n_b - 1)))


def test_its_absolute_welch_p_value_matches_scipys_ttest_from_stats():
    # Same means and variances as scipy's Welch t-test: with var = p(1-p) and
    # std = sqrt(var * n / (n - 1)) the absolute-difference test is SciPy's.
    c_a, n_a, c_b, n_b = 1000, 10000, 1100, 10000
    p_a, p_b = c_a / n_a, c_b / n_b
    sd = lambda p, n: (p * (1 - p) * n / (n - 1)) ** 0.5  # noqa: E731
    scipy_p = scipy_stats.ttest_ind_from_stats(
        p_b, sd(p_b, n_b), n_b, p_a, sd(p_a, n_a), n_a, equal_var=False
    ).pvalue
    spread = (p_a * (1 - p_a) / n_a + p_b * (1 - p_b) / n_b) ** 0.5
    dof = stats.compare_rates(c_a, n_a, c_b, n_b).dof
    ours = 2 * stats.t_sf((p_b - p_a) / spread, dof)
    assert ours == pytest.approx(0.021068, abs=2e-6)
    assert ours == pytest.approx(scipy_p, rel=1e-3)


@pytest.mark.parametrize("dof", [1.5, 4, 30, 500, 19962.7])
def test_its_t_distribution_equals_scipys(dof):
    for x in [-6, -2.1, -0.3, 0, 0.7, 1.96, 3.5, 9]:
        assert stats.t_sf(x, dof) == pytest.approx(scipy_stats.t.sf(x, dof), rel=1e-9)
    for q in [0.001, 0.025, 0.5, 0.9, 0.975, 0.999]:
        assert stats.t_ppf(q, dof) == pytest.approx(scipy_stats.t.ppf(q, dof), rel=1e-8, abs=1e-10)


@pytest.mark.parametrize("dof", [1, 2, 3, 10, 40])
def test_its_chi_square_tail_equals_scipys(dof):
    for x in [0.01, 0.5, 1, 3.84, 10, 35, 120]:
        assert stats.chi2_sf(x, dof) == pytest.approx(scipy_stats.chi2.sf(x, dof), rel=1e-9, abs=1e-300)


def test_it_gives_no_lift_when_the_control_never_converts():
    assert stats.compare_rates(0, 1000, 10, 1000) is None


@pytest.mark.parametrize(
    ("conv_a", "n_a", "conv_b", "n_b"),
    [
        (950, 1000, 1000, 1000),  # the variant converts everyone
        (0, 1000, 50, 1000),  # nobody in the control converts
        (1000, 1000, 950, 1000),  # the control converts everyone
        (50, 1000, 0, 0),  # the variant has no users
    ],
)
def test_an_arm_without_variance_gives_no_result_like_gbstats(conv_a, n_a, conv_b, n_b):
    assert stats.compare_rates(conv_a, n_a, conv_b, n_b) is None


def test_it_says_why_a_rate_cannot_be_tested():
    assert "rate 100%" in stats.rate_problem(1000, 1000)
    assert "rate 0%" in stats.rate_problem(0, 1000)
    assert "0 user(s)" in stats.rate_problem(0, 0)
    assert stats.rate_problem(50, 1000) is None
