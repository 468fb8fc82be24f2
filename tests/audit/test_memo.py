"""The executive memo: actions ranked by expected effect, and the 30/60/90-day plan."""

from datetime import date, timedelta
from decimal import Decimal
from io import StringIO
from types import SimpleNamespace

import pytest
import time_machine
from django.core.management import call_command

from bizops.audit import memo
from bizops.audit.audit import run_audit
from bizops.audit.base import Period
from bizops.core.models import Report
from flags.models import ExperimentResult
from tests.audit.conftest import metric
from tests.factories import BacklogTicketFactory
from tests.flags.conftest import running_experiment

pytestmark = pytest.mark.django_db
PERIOD = Period(date(2025, 3, 1), date(2025, 3, 10))


def cac_days():
    # CAC now 1,000 / 25 = 40 against 800 / 25 = 32 before; net sales 100 a day, 1,000 in 10 days.
    for n in range(10):
        metric(PERIOD.start + timedelta(days=n), spend=100, new_customers=2 if n < 5 else 3, net_sales=100)
        metric(PERIOD.previous.start + timedelta(days=n), spend=80, new_customers=2 if n < 5 else 3)


def test_a_cac_gap_is_priced_as_its_shortfall_times_new_customers_a_month():
    cac_days()
    actions = memo.gap_actions(run_audit(PERIOD))
    cac = next(a for a in actions if "Blended CAC" in a.title)
    # (40 - 32) x (25 new customers x 30 / 10 days = 75) = 600 a month
    assert cac.effect == Decimal(600)
    assert cac.formula == "(CAC - target) x new customers per 30 days"


def test_levers_are_priced_by_their_mrr_swing_in_their_better_direction():
    run = SimpleNamespace(
        pk=7,
        scenario_name="Base",
        headline_phrase="month-12 MRR",
        inputs={"lever_step_pct": "20"},
        levers=[
            {
                "label": "CAC",
                "base_value": "60.00",
                "low_value": "48.00",
                "high_value": "72.00",
                "mrr_12_low": "1200",
                "mrr_12_high": "800",
                "mrr_swing": "200",
            },
            {
                "label": "Fixed costs",
                "base_value": "1",
                "low_value": "1",
                "high_value": "1",
                "mrr_12_low": "1000",
                "mrr_12_high": "1000",
                "mrr_swing": "0",
            },
        ],
    )
    actions = memo.lever_actions(run)
    # Lowering CAC raises month-12 MRR (1,200 against 800); a lever with no swing is no action.
    assert [(a.title, a.effect) for a in actions] == [("Lower CAC by 20 % (60.00 to 48.00)", Decimal(200))]
    assert actions[0].formula == "swing of month-12 MRR for the move (finance levers)"


def test_a_running_experiment_with_a_lift_is_priced_on_net_sales():
    experiment = running_experiment(primary_metric="purchase")
    ExperimentResult.objects.create(experiment=experiment, metric="purchase", variant="control", position=0)
    ExperimentResult.objects.create(
        experiment=experiment,
        metric="purchase",
        variant="treatment",
        position=1,
        lift=Decimal("0.05"),
        p_value=Decimal("0.0123"),
    )
    (action,) = memo.experiment_actions(Decimal(3000))
    # 5 % x 3,000 a month = 150
    assert action.effect == Decimal(150)
    assert (
        action.title
        == "Decide checkout-copy: ship treatment if it holds (lift 5.0 % on purchase, p = 0.0123)"
    )


def test_actions_rank_by_effect_then_the_unpriced_by_gap():
    ranked = memo.rank(
        [
            memo.Action("small", "x", Decimal(10), ""),
            memo.Action("no price, big gap", "x", None, "", gap=Decimal("0.9")),
            memo.Action("big", "x", Decimal(500), ""),
            memo.Action("no price, small gap", "x", None, "", gap=Decimal("0.1")),
        ]
    )
    assert [a.title for a in ranked] == ["big", "small", "no price, big gap", "no price, small gap"]


def test_the_plan_places_tickets_by_due_date_then_by_priority():
    today = date(2025, 3, 11)
    BacklogTicketFactory(key="overdue", priority="P2", due_date=date(2025, 3, 1))
    BacklogTicketFactory(key="due-in-45", priority="P3", due_date=today + timedelta(days=45))
    BacklogTicketFactory(key="p0", priority="P0")
    BacklogTicketFactory(key="p2", priority="P2")
    BacklogTicketFactory(key="p3", priority="P3")  # later: not in the plan
    BacklogTicketFactory(key="far", priority="P0", due_date=today + timedelta(days=120))  # past 90 days
    BacklogTicketFactory(key="done", priority="P0", status="done")
    BacklogTicketFactory(key="draft", priority="P0", status="draft")
    from bizops.core.models import BacklogTicket

    plan = memo.plan(list(BacklogTicket.objects.all()), today)
    assert {h: [row["ticket"] for row in rows] for h, rows in plan.items()} == {
        30: ["p0", "overdue"],
        60: ["due-in-45"],
        90: ["p2"],
    }
    assert plan[30][1]["due"] == "2025-03-01 (overdue)"


@time_machine.travel("2025-03-11 13:00:00+00:00", tick=False)
def test_the_command_writes_todays_memo_with_actions_and_plan():
    cac_days()
    BacklogTicketFactory(key="p0", priority="P0", kpi="blended_cac")
    out = StringIO()
    call_command("exec_memo", "--period", "2025-03-01..2025-03-10", stdout=out)
    report = Report.objects.get(slug="finance_automation_growth_memo_2025-03-11")
    assert report.kind == Report.Kind.EXEC
    assert "## Top 5 actions, by expected effect" in report.body
    assert "| 1 | Realign Blended CAC: 40.00 USD to at most 32.00 USD (owner growth) |" in report.body
    assert "600.00 USD / 30 days" in report.body
    assert "### Within 30 days" in report.body and "| p0 |" in report.body
    assert "1 within 30 days" in out.getvalue()
