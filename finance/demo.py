"""Demo data for finance: Base / Optimistic / Conservative on an illustrative plan.

The plan's numbers are placeholders, each with a note saying so and where the
real figure should come from. Its start month is moved to three months
before today, so the demo's daily metrics (the last 90 days) give actuals to
compare. Seeding only adds what is missing: a plan, scenario or forecast that
is already there is left as the team left it.
"""

import datetime as dt
from pathlib import Path

from django.utils import timezone

from finance.assumptions_json import apply, loads, parse
from finance.drivers import add_months, month_index, parse_month
from finance.jobs import forecast_and_report
from finance.models import AssumptionSet, ForecastRun

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "demo_assumptions.json"
MONTHS_BEFORE_TODAY = 3


def demo_file(today: dt.date | None = None) -> dict:
    """The demo file with its months moved so the plan starts three months before ``today``."""
    data = loads(FIXTURE.read_bytes())
    start = add_months((today or timezone.localdate()).replace(day=1), -MONTHS_BEFORE_TODAY)
    fixture_start = parse_month(data["start_month"])
    data["start_month"] = f"{start:%Y-%m}"
    for entry in data.get("one_off_costs", []):
        offset = month_index(fixture_start, parse_month(entry["month"])) - 1
        entry["month"] = f"{add_months(start, offset):%Y-%m}"
    return data


def seed_demo(stdout=None, today: dt.date | None = None) -> None:
    write = stdout.write if stdout else (lambda line: None)
    data = demo_file(today)
    if AssumptionSet.objects.filter(name=data["name"]).exists():
        write(f"finance: {data['name']} already there")
    else:
        result = apply(parse(data), keep_existing_scenarios=True)
        write(f"finance: {result.assumption_set} with scenarios {', '.join(result.scenarios_created)}")
    if not ForecastRun.objects.exists():
        result = forecast_and_report(produced_by="seed_demo")
        write(f"finance: {len(result.runs)} forecast(s) run, report {result.report.slug}")
