"""Finance demo data: the store's commerce plan calibrated from the demo's data; a subscription example.

``Store plan`` (commerce, the business's model) is first imported with the
figures the data cannot give as illustrative placeholders (v1), then
calibrated from the last 90 days of the demo's orders and ad spend (v2, with
Base, Optimistic and Conservative). It starts two months before the current
one, so the months that have ended since are compared with their actuals (in
sample: the calibration window covers them; ``forecast --backtest`` scores
out of sample). ``Subscription example`` keeps the subscription model as a
second, clearly named set with its own scenarios. Seeding only adds what is
missing: a plan, scenario or forecast that is already there is left as the
team left it.
"""

import datetime as dt
from pathlib import Path

from django.utils import timezone

from finance.assumptions_json import apply, loads, parse
from finance.calibration import save_calibrated
from finance.drivers import add_months, month_index, parse_month
from finance.jobs import forecast_and_report
from finance.models import AssumptionSet, ForecastRun

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "demo_assumptions.json"
STORE_FIXTURE = Path(__file__).resolve().parent / "fixtures" / "demo_store_plan.json"
MONTHS_BEFORE_TODAY = 3
STORE_MONTHS_BEFORE_TODAY = 2
CALIBRATION_DAYS = 90


def _moved(path: Path, start: dt.date) -> dict:
    data = loads(path.read_bytes())
    fixture_start = parse_month(data["start_month"])
    data["start_month"] = f"{start:%Y-%m}"
    for entry in data.get("one_off_costs", []):
        offset = month_index(fixture_start, parse_month(entry["month"])) - 1
        entry["month"] = f"{add_months(start, offset):%Y-%m}"
    return data


def demo_file(today: dt.date | None = None) -> dict:
    """The subscription example with its months moved so it starts three months before ``today``."""
    start = add_months((today or timezone.localdate()).replace(day=1), -MONTHS_BEFORE_TODAY)
    return _moved(FIXTURE, start)


def store_file(today: dt.date | None = None) -> dict:
    """The store plan's typed figures, starting two months before ``today``."""
    start = add_months((today or timezone.localdate()).replace(day=1), -STORE_MONTHS_BEFORE_TODAY)
    return _moved(STORE_FIXTURE, start)


def seed_demo(stdout=None, today: dt.date | None = None) -> None:
    write = stdout.write if stdout else (lambda line: None)
    today = today or timezone.localdate()
    store = store_file(today)
    if AssumptionSet.objects.filter(name=store["name"]).exists():
        write(f"finance: {store['name']} already there")
    else:
        apply(parse(store), keep_existing_scenarios=True)
        plan, result = save_calibrated(
            store["name"],
            days=CALIBRATION_DAYS,
            until=today - dt.timedelta(days=1),
            start_month=parse_month(store["start_month"]),
        )
        kept = f"; kept as typed (not enough data): {', '.join(result.kept)}" if result.kept else ""
        write(f"finance: {plan} calibrated from {result.window}{kept}")
    data = demo_file(today)
    if AssumptionSet.objects.filter(name=data["name"]).exists():
        write(f"finance: {data['name']} already there")
    else:
        result = apply(parse(data), keep_existing_scenarios=True)
        write(f"finance: {result.assumption_set} with scenarios {', '.join(result.scenarios_created)}")
    if not ForecastRun.objects.exists():
        result = forecast_and_report(produced_by="seed_demo")
        write(f"finance: {len(result.runs)} forecast(s) run, report {result.report.slug}")
