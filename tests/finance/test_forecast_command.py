"""`manage.py forecast`: runs, report, CSV/XLSX, what changed, and failures."""

import csv
import datetime as dt
import io
from decimal import Decimal as D

import openpyxl
import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError

from bizops.core.models import Report
from finance.exports import HEADER
from finance.models import AssumptionSet, ForecastRun
from finance.versions import save_new_version
from health.models import JobRun

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 3, 10, 15, tzinfo=dt.UTC)


@pytest.fixture
def scenarios(make_set, make_scenario):
    plan = make_set(note="Illustrative until Finance enters theirs.")
    make_scenario("Base", plan, position=0)
    make_scenario("Optimistic", plan, {"churn_pct": {"value": "5", "notes": ""}}, position=1)
    make_scenario("Conservative", plan, {"cac": {"value": "150", "notes": ""}}, position=2)
    make_scenario("Parked", plan, active=False, position=3)
    return plan


def forecast(*args) -> str:
    out = io.StringIO()
    call_command("forecast", *args, stdout=out)
    return out.getvalue()


@time_machine.travel(NOW, tick=False)
def test_it_runs_every_active_scenario_and_writes_a_finance_report(scenarios):
    output = forecast()
    assert list(ForecastRun.objects.order_by("pk").values_list("scenario_name", flat=True)) == [
        "Base",
        "Optimistic",
        "Conservative",
    ]
    assert "Base (Plan v1): month-12 MRR" in output
    assert "forecast: 3 scenario(s) run" in output
    report = Report.objects.get()
    assert report.kind == "finance"
    assert (report.period_start, report.period_end) == (dt.date(2026, 1, 1), dt.date(2026, 12, 31))
    body = report.body
    for heading in [
        "## Month-12 MRR and break-even",
        "## Margin levers",
        "## Top levers (Base)",
        "## Actual vs forecast (Base)",
        "## What changed since the previous run",
    ]:
        assert heading in body
    base = ForecastRun.objects.get(scenario_name="Base")
    assert f"| Base | Plan v1 | {base.month_12_mrr:,.2f} | month 1 (2026-01) |" in body
    assert "Money in USD, to the cent." in body
    assert "> Illustrative until Finance enters theirs." in body
    assert "- **Base**: first run of this scenario." in body
    assert report.figures["scenarios"]["Base"]["month_12_mrr"] == str(base.month_12_mrr)
    assert report.figures["scenarios"]["Base"]["top_levers"][0] == "price"
    job = JobRun.objects.get(job="finance.forecast")
    assert (job.status, job.rows_read, job.rows_written) == ("succeeded", 3, 3 * 13)


@time_machine.travel(NOW, tick=False)
def test_it_can_run_one_scenario_by_name_even_an_inactive_one(scenarios):
    forecast("--scenario", "parked")
    assert list(ForecastRun.objects.values_list("scenario_name", flat=True)) == ["Parked"]


def test_an_unknown_scenario_is_named_and_nothing_runs(scenarios):
    with pytest.raises(CommandError, match=r"unknown scenario\(s\) Nope; known: Base, Conservative"):
        forecast("--scenario", "Base", "--scenario", "Nope")
    assert ForecastRun.objects.count() == 0
    assert JobRun.objects.get(job="finance.forecast").status == "failed"


def test_without_scenarios_it_says_what_to_do(db):
    with pytest.raises(CommandError, match="there is no active scenario"):
        forecast()


@time_machine.travel(NOW, tick=False)
def test_export_writes_finance_model_csv_with_one_row_per_scenario_and_month(scenarios, tmp_path):
    forecast("--export", str(tmp_path))
    rows = list(csv.reader((tmp_path / "finance_model.csv").read_text().splitlines()))
    assert rows[0] == HEADER
    assert len(rows) == 1 + 3 * 12
    assert {(row[0], row[4]) for row in rows[1:]} == {
        (name, str(month)) for name in ("Base", "Optimistic", "Conservative") for month in range(1, 13)
    }
    first = dict(zip(rows[0], rows[1], strict=True))
    assert (first["scenario"], first["period"], first["mrr"], first["cash"]) == (
        "Base",
        "2026-01",
        "5340.00",
        "10005.00",
    )
    assert first["runway_months"] == ""
    book = openpyxl.load_workbook(tmp_path / "finance_model.xlsx")
    assert book.sheetnames == ["finance_model", "summary"]
    sheet = book["finance_model"]
    assert [c.value for c in sheet[1]] == HEADER
    assert sheet.max_row == 1 + 3 * 12
    assert sheet.cell(row=2, column=HEADER.index("mrr") + 1).value == 5340
    assert (tmp_path / "forecast.md").read_text() == Report.objects.get().body


@time_machine.travel(NOW, tick=False)
def test_the_report_says_what_changed_since_the_previous_run(scenarios):
    forecast("--scenario", "Base")
    edited = AssumptionSet.objects.get()
    edited.churn_pct = D("8")
    save_new_version(edited)
    forecast("--scenario", "Base")
    body = Report.objects.order_by("-pk").first().body
    changes = body.split("## What changed since the previous run")[1]
    line = next(line for line in changes.splitlines() if line.startswith("- **Base**"))
    assert "assumptions Plan v1 → Plan v2" in line
    assert "Monthly customer churn (%): 10 → 8" in line
    assert "month-12 MRR" in line
    assert Report.objects.count() == 2


@time_machine.travel(NOW, tick=False)
def test_a_rerun_with_the_same_inputs_says_nothing_changed(scenarios):
    forecast("--scenario", "Base")
    forecast("--scenario", "Base")
    body = Report.objects.order_by("-pk").first().body
    assert "- **Base**: no input changed: same figures." in body


@time_machine.travel(NOW, tick=False)
def test_the_report_shows_actual_vs_forecast_for_passed_months(scenarios, daily_metric):
    # January: a row every day, 31 x 161.29 = 4,999.99 net sales, 31 x 29.03 = 899.93 spend, 14 new.
    for day in range(1, 32):
        daily_metric(
            dt.date(2026, 1, day), net_sales="161.29", spend="29.03", new_customers=1 if day <= 14 else 0
        )
    daily_metric(dt.date(2026, 2, 20), net_sales="5000")  # February: one day only
    forecast("--scenario", "Base")
    body = Report.objects.get().body
    assert (
        "| 2026-01 | 31/31 | 4,999.99 / 5,340.00 / -340.01 (-6.4 %) | 899.93 / 1,000.00 / -100.07 (-10.0 %) "
        "| 14.00 / 15.00 / -1.00 (-6.7 %) |" in body
    )
    # A month with one day of data is partial: its actual so far, never a variance.
    assert "| 2026-02 | 1/28 partial | 5,000.00 / 5,702.12 / partial |" in body
    # The backtest scores January only: WAPE 340.01 / 4,999.99 = 6.8 %, bias +6.8 % (forecast too high).
    assert "## Forecast accuracy (backtest)" in body
    assert "| 1 | 6.8 % / +6.8 % | 11.1 % / +11.1 % | 7.1 % / +7.1 % |" in body


@time_machine.travel(NOW, tick=False)
def test_zero_churn_shows_the_floor_in_the_report(make_set, make_scenario):
    make_scenario("Base", make_set(churn_pct=D("0")))
    forecast()
    assert "(churn floored at 1 % for LTV)" in Report.objects.get().body


def test_a_scenario_that_cannot_be_projected_stops_the_batch_before_anything_is_written(
    scenarios, make_scenario
):
    make_scenario("Zero CAC", scenarios, {"cac": {"value": "0", "notes": ""}}, position=9)
    with pytest.raises(CommandError, match="scenario Zero CAC: cac: CAC must be above 0"):
        forecast()
    assert ForecastRun.objects.count() == 0
    assert Report.objects.count() == 0


def test_an_export_path_that_cannot_be_written_saves_no_run_no_report_and_names_the_path(scenarios, tmp_path):
    blocker = tmp_path / "not_a_folder"
    blocker.write_text("a file, not a folder")
    target = blocker / "out"
    with pytest.raises(CommandError) as raised:
        forecast("--export", str(target))
    message = str(raised.value)
    assert message == f"cannot write the forecast export to {target}: Not a directory"
    assert "\n" not in message
    assert ForecastRun.objects.count() == 0
    assert Report.objects.count() == 0
    assert blocker.read_text() == "a file, not a folder"


def test_an_export_that_fails_part_way_leaves_no_file_behind(scenarios, tmp_path):
    (tmp_path / "finance_model.xlsx").mkdir()
    with pytest.raises(
        CommandError, match=f"cannot write the forecast export to {tmp_path}/finance_model.xlsx: "
    ):
        forecast("--export", str(tmp_path))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["finance_model.xlsx"]
    assert ForecastRun.objects.count() == 0
    assert Report.objects.count() == 0
