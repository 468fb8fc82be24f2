"""The forecast page in Debian's Chromium (headless): every chart is drawn, with no script error.

The page is rendered by the test client (logged in as a Finance user) and
opened from a file with its static files, so no server or browser driver is
needed; a screenshot is saved with the test output.
"""

import datetime as dt
import re
import subprocess
from decimal import Decimal as D

import pytest
import time_machine
from django.contrib.staticfiles import finders

from etl.models import DailyMetric
from finance.models import AssumptionSet, Scenario
from finance.services import run_forecast
from finance.versions import save_new_version
from tests.factories import UserFactory
from tests.finance.conftest import JAN, plan_values
from tests.services import chromium_path

pytestmark = [pytest.mark.django_db, pytest.mark.e2e]
CANVASES = ["chart-mrr", "chart-cash", "chart-levers-mrr", "chart-levers-break-even", "chart-actuals"]


def chromium(*args: str) -> subprocess.CompletedProcess:
    command = [
        chromium_path(),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--allow-file-access-from-files",
    ]
    command += ["--enable-logging=stderr", "--v=0", "--virtual-time-budget=8000", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=120)


def standalone(html: str) -> str:
    """The page with /static/... pointing at the files themselves."""

    def local(match):
        path = finders.find(match.group(2))
        assert path, match.group(2)
        return f'{match.group(1)}="file://{path}"'

    return re.sub(r'(src|href)="/static/([^"]+)"', local, html)


@time_machine.travel(dt.datetime(2026, 4, 10, 15, tzinfo=dt.UTC), tick=False)
def test_the_forecast_page_draws_every_chart(client, tmp_path):
    values = plan_values(horizon_months=24, fixed_salaries=D("9000"))
    plan = save_new_version(AssumptionSet(name="Plan", start_month=JAN, **values)).assumption_set
    for position, (name, overrides) in enumerate(
        [("Base", {}), ("Optimistic", {"churn_pct": {"value": "5", "notes": ""}})]
    ):
        scenario = Scenario.objects.create(
            name=name, assumption_set=plan, overrides=overrides, position=position
        )
        run_forecast(scenario, produced_by="tests")
    DailyMetric.objects.create(
        date=dt.date(2026, 1, 12), channel="all", currency="USD", net_sales=D("5000"), spend=D("900")
    )
    client.force_login(UserFactory(groups=["Finance"]))
    page = tmp_path / "forecast.html"
    page.write_text(standalone(client.get("/admin/finance/forecast/").content.decode()))

    dom = chromium("--dump-dom", f"file://{page}")
    assert dom.returncode == 0, dom.stderr[-2000:]
    for canvas in CANVASES:
        tag = re.search(rf'<canvas id="{canvas}"[^>]*>', dom.stdout)
        assert tag and 'data-drawn="true"' in tag.group(0), f"{canvas} was not drawn"
    assert "Uncaught" not in dom.stderr, dom.stderr[-2000:]

    shot = tmp_path / "forecast.png"
    chromium("--window-size=1400,2400", f"--screenshot={shot}", f"file://{page}")
    assert shot.stat().st_size > 20_000, "a blank page would be a tiny PNG"
