"""The two scores: pure functions, worked out by hand."""

from decimal import Decimal

from bizops.audit.scores import alignment_temperature, momentum_index

D = Decimal


def test_temperature_is_the_share_of_urgent_work_on_the_largest_gaps():
    gaps = {"blended_cac": D("0.5"), "repeat_rate": D("0.25"), "mer": D(0)}
    tickets = [("a", "blended_cac"), ("b", "repeat_rate"), ("c", "mer"), ("d", None)]
    score = alignment_temperature(tickets, gaps)
    # 100 x (0.5 + 0.25 + 0 + 0) / (4 tickets x 0.5) = 100 x 0.75 / 2 = 37.5, rounded 38
    assert score.value == 38
    assert score.inputs["open P0/P1 tickets"] == "4"
    assert score.inputs["largest KPI gap"] == "50.0 %"
    assert score.inputs["ticket d"] == "(no known KPI): gap n/a"


def test_temperature_is_100_when_all_urgent_work_targets_the_worst_kpi():
    assert (
        alignment_temperature([("a", "cac"), ("b", "cac")], {"cac": D("0.3"), "mer": D("0.1")}).value == 100
    )


def test_temperature_without_tickets_or_gaps_is_not_enough_data():
    assert alignment_temperature([], {"cac": D("0.3")}).note == "not enough data: no open P0/P1 ticket"
    assert alignment_temperature([("a", "cac")], {}).value is None
    at_target = alignment_temperature([("a", "cac")], {"cac": D(0)})
    assert at_target.value is None and "every KPI is at its target" in at_target.note


def test_momentum_weighs_each_kpis_direction_by_its_gap_and_adds_throughput():
    kpis = [("cac", D("0.4"), D(1)), ("mer", D(0), D(-1)), ("aov", D("0.2"), None)]
    score = momentum_index(kpis, done_now=6, done_before=4)
    # w: cac 0.1 + 0.4 = 0.5, mer 0.1 + 0 = 0.1 (aov has no direction); D = (0.5 x 1 - 0.1 x 1) / 0.6 = 0.6667
    # T = (6 - 4) / 4 = 0.5; momentum = 50 + 50 x (0.7 x 0.6667 + 0.3 x 0.5) = 50 + 50 x 0.6167 = 80.8, 81
    assert score.value == 81
    assert score.inputs["D (KPI direction, gap-weighted)"] == "0.67"
    assert score.inputs["T (throughput change)"] == "0.50"


def test_momentum_with_only_throughput_uses_it_alone_held_within_minus_one_and_one():
    score = momentum_index([], done_now=9, done_before=2)
    # T = (9 - 2) / 2 = 3.5, held at 1: 50 + 50 x 1 = 100
    assert (score.value, score.formula) == (100, "50 + 50 x T")
    # Nothing done either period: T = 0 / 1 = 0, standing still.
    assert momentum_index([], done_now=0, done_before=0).value == 50


def test_momentum_without_directions_or_backlog_is_not_enough_data():
    score = momentum_index([("cac", D("0.1"), None)], None, None)
    assert score.value is None and score.note.startswith("not enough data")
