"""Each score on small hand-made data, with the arithmetic written out."""

from datetime import timedelta

import pytest

from health import scores
from health.sweep import run_sweep

WEIGHTS = {"success": 30, "on_time": 20, "freshness": 20, "recovery": 15, "missed": 15}


def test_the_resilience_index_is_the_weighted_mean_of_its_components():
    score = scores.resilience_index(
        succeeded=18,
        failed=2,  # success 18 / 20 = 0.9
        expected=20,
        on_time=16,  # on time 16 / 20 = 0.8
        missed=2,  # missed 1 - 2 / 20 = 0.9
        fresh=3,
        late_sources=1,
        sources=5,  # freshness (3 + 0.5) / 5 = 0.7
        mttr=timedelta(hours=6),  # recovery 1 - 6 / 24 = 0.75
        mttr_target=timedelta(hours=24),
        weights=WEIGHTS,
    )
    # 100 x (30 x 0.9 + 20 x 0.8 + 20 x 0.7 + 15 x 0.75 + 15 x 0.9) / 100
    # = 27 + 16 + 14 + 11.25 + 13.5 = 81.75 -> 81.8 (one decimal)
    assert score.value == 81.8
    assert score.components == {
        "success": 0.9,
        "on_time": 0.8,
        "freshness": 0.7,
        "recovery": 0.75,
        "missed": 0.9,
    }
    assert score.missing == ()
    assert score.weights == WEIGHTS


def test_the_resilience_index_renormalises_over_the_components_with_data():
    score = scores.resilience_index(
        succeeded=3,
        failed=1,  # 0.75
        expected=0,  # no on-time or missed component
        on_time=0,
        missed=0,
        fresh=1,
        late_sources=0,
        sources=1,  # 1.0
        mttr=None,  # nothing failed and recovered
        mttr_target=timedelta(hours=24),
        weights=WEIGHTS,
    )
    # 100 x (30 x 0.75 + 20 x 1.0) / (30 + 20) = 100 x 42.5 / 50 = 85.0
    assert score.value == 85.0
    assert score.missing == ("on_time", "recovery", "missed")


def test_a_slow_recovery_scores_zero_not_below():
    score = scores.resilience_index(
        succeeded=0, failed=0, expected=0, on_time=0, missed=0, fresh=0, late_sources=0, sources=0,
        mttr=timedelta(hours=48), mttr_target=timedelta(hours=24), weights=WEIGHTS,
    )  # fmt: skip
    assert score.components["recovery"] == 0.0
    assert score.value == 0.0


def test_mean_time_to_recovery_averages_the_incidents():
    # Two 20-minute outages: the mean is 20 minutes.
    assert scores.mean_time_to_recovery([timedelta(minutes=20), timedelta(minutes=20)]) == timedelta(
        minutes=20
    )
    assert scores.mean_time_to_recovery([]) is None


def test_the_entropy_delta_is_this_weeks_open_problems_minus_last_weeks():
    now = {"failing or late jobs": 2, "stale sources": 1, "stale flags": 3, "findings left open": 4}
    before = {"failing or late jobs": 1, "stale sources": 0, "stale flags": 5, "findings left open": 2}
    score = scores.entropy_delta(now, before)
    # (2 + 1 + 3 + 4) - (1 + 0 + 5 + 2) = 10 - 8 = +2: degrading
    assert score.value == 2
    assert score.shown == "+2"
    assert score.components["stale flags"] == -2


def test_the_entropy_delta_needs_a_previous_week():
    score = scores.entropy_delta({"stale sources": 1}, None)
    assert score.value is None and score.shown == "not enough data"


def test_the_coherence_score_is_the_share_of_promises_kept():
    score = scores.coherence(
        {"flags with an owner": (3, 4), "metrics runs after their pulls": (6, 7), "none": (0, 0)}
    )
    # 100 x (3 + 6) / (4 + 7) = 900 / 11 = 81.818... -> 81.8
    assert score.value == 81.8
    assert score.missing == ("none",)


@pytest.mark.django_db
def test_an_empty_database_gives_not_enough_data_everywhere(only_these_jobs):
    only_these_jobs()
    sweep = run_sweep()
    assert [s.shown for s in (sweep.resilience, sweep.entropy, sweep.coherence)] == ["not enough data"] * 3


@pytest.mark.django_db
def test_the_registered_world_on_an_empty_database_gives_not_enough_data():
    """Every app's jobs, sources, checks and promises, and no rows: no score is made up."""
    sweep = run_sweep()
    assert [s.shown for s in (sweep.resilience, sweep.entropy, sweep.coherence)] == ["not enough data"] * 3
    # The sources are named stale ("no data yet") all the same.
    assert {f.check for f in sweep.findings} >= {"source:meta", "source:shopify", "source:daily_metrics"}
