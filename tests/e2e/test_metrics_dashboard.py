"""The metrics dashboard in a real browser: log in, change the range, see charts, download the CSV."""

import csv
import io
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from etl.metrics import compute
from etl.metrics.days import yesterday
from tests.factories import UserFactory
from tests.metrics.factories import AdAccountFactory, CampaignFactory, InsightFactory, OrderFactory, at

pytestmark = [pytest.mark.e2e]
PASSWORD = "correct horse battery staple"

# True when the canvas has at least one painted pixel.
CANVAS_PAINTED = """(canvas) => {
  const pixels = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
  for (let i = 3; i < pixels.length; i += 4) { if (pixels[i] !== 0) return true; }
  return false;
}"""


@pytest.fixture
def demo_metrics(transactional_db):
    """90 days of ads and orders ending yesterday, with a busier last week, computed."""
    last = yesterday()
    meta = CampaignFactory(account=AdAccountFactory(platform="meta", external_id="act_1"))
    tiktok = CampaignFactory(account=AdAccountFactory(platform="tiktok", external_id="7000"))
    for n in range(90):
        day = last - timedelta(days=n)
        busy = 3 if n < 7 else 1
        InsightFactory(campaign=meta, date=day, spend=Decimal(40 + n % 9) * busy, clicks=90 + n)
        InsightFactory(campaign=tiktok, date=day, spend=Decimal(25 + n % 5), clicks=60 + n)
        for k in range(busy + n % 2):
            OrderFactory(
                created_at=at(day, 10 + k), lines=[(f"{30 + (n * 7 + k) % 50}.00", 1 + k % 2, "12.00")]
            )
    compute(last - timedelta(days=89), last)


@pytest.fixture
def ana(transactional_db):
    return UserFactory(username="ana", password=PASSWORD, is_superuser=True)


def table_text(page) -> str:
    return page.inner_text("#dashboard-table tbody")


def test_a_person_logs_in_changes_the_range_sees_charts_and_downloads_the_csv(
    live_server, demo_metrics, ana, output_dir, browser
):
    last = yesterday()
    # The browser comes last: Playwright runs an event loop in this thread,
    # after which Django refuses database calls here.
    context = browser.new_context(accept_downloads=True, viewport={"width": 1400, "height": 1100})
    page = context.new_page()
    console = []
    page.on("console", lambda message: console.append(message.text))

    page.goto(f"{live_server.url}/admin/login/?next=/admin/")
    page.fill("#id_username", "ana")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.click("#dashboards a:text('Metrics')")
    page.wait_for_selector("#metrics-dashboard[data-charts-drawn='true']")
    assert "(30 days)" in page.inner_text("#period")
    before = table_text(page)

    page.click("a[data-range='7']")
    page.wait_for_selector("#metrics-dashboard[data-charts-drawn='true']")
    assert "(7 days)" in page.inner_text("#period")
    after = table_text(page)
    assert after != before
    assert after.splitlines()[0].startswith("Meta")
    for selector in ("#chart-bars", "#chart-lines", "canvas.spark[data-key='net_sales']"):
        assert page.eval_on_selector(selector, CANVAS_PAINTED), f"{selector} is blank"

    with page.expect_download() as download_info:
        page.click("#download-csv")
    download = download_info.value
    rows = list(csv.reader(io.StringIO(Path(download.path()).read_text(encoding="utf-8"))))
    since, until = last - timedelta(days=6), last
    assert download.suggested_filename == f"metrics-channels-{since}-to-{until}.csv"
    assert [row[0] for row in rows] == ["Channel", "Meta", "TikTok", "Organic", "All channels"]
    shown_spend = page.inner_text("#dashboard-table tbody tr:first-child td:nth-child(2)")
    assert Decimal(rows[1][1]) == Decimal(shown_spend.replace(",", ""))

    page.screenshot(path=str(output_dir / "metrics-dashboard.png"), full_page=True)
    assert not [text for text in console if "Content Security Policy" in text or "Refused to" in text]
    context.close()


# Widths that overflow: the page's, and each table's inside its container.
OVERFLOW = """() => {
  const out = [];
  const root = document.documentElement;
  if (root.scrollWidth > root.clientWidth) out.push(`page ${root.scrollWidth} > ${root.clientWidth}`);
  document.querySelectorAll(".dashboard-table").forEach((box) => {
    if (box.scrollWidth > box.clientWidth) out.push(`table ${box.scrollWidth} > ${box.clientWidth}`);
  });
  document.querySelectorAll("table").forEach((table) => {
    const box = table.parentElement;
    const right = table.getBoundingClientRect().right > box.getBoundingClientRect().right + 0.5;
    if (table.scrollWidth > table.clientWidth || right)
      out.push(`table wider than its container: ${table.id || table.className}`);
  });
  return out;
}"""

# The number of lines each timestamp cell's text takes.
TIMESTAMP_LINES = """() => [...document.querySelectorAll("td.kind-datetime")].map((cell) => {
  const range = document.createRange();
  range.selectNodeContents(cell);
  return new Set([...range.getClientRects()].map((rect) => Math.round(rect.top))).size;
})"""

# The tick labels of a chart's axis.
TICKS = "([id, axis]) => Chart.getChart(document.getElementById(id)).scales[axis].ticks.map((t) => t.label)"


def test_at_1400_px_nothing_is_cut_off_and_numbers_read_plainly(
    live_server, demo_metrics, ana, output_dir, browser
):
    day = (yesterday() - timedelta(days=1)).isoformat()
    context = browser.new_context(viewport={"width": 1400, "height": 1100})
    page = context.new_page()
    page.goto(f"{live_server.url}/admin/login/?next=/admin/")
    page.fill("#id_username", "ana")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")

    for name, path in [
        ("metrics-dashboard", "/admin/dashboards/metrics/"),
        ("metrics-meta", "/admin/dashboards/metrics/?channel=meta"),
        ("metrics-day-orders", f"/admin/dashboards/metrics/orders/{day}/"),
    ]:
        page.goto(live_server.url + path)
        if name != "metrics-day-orders":
            page.wait_for_selector("#metrics-dashboard[data-charts-drawn='true']")
        page.screenshot(path=str(output_dir / f"{name}-1400.png"), full_page=True)
        assert page.evaluate(OVERFLOW) == [], name

    # Back on the drill-down: CPC (about 0.45 a click) ticks in cents.
    page.goto(live_server.url + "/admin/dashboards/metrics/?channel=meta")
    page.wait_for_selector("#metrics-dashboard[data-charts-drawn='true']")
    cpc_ticks = page.evaluate(TICKS, ["chart-lines", "y1"])
    assert cpc_ticks and all(label.startswith("$") and "." in label for label in cpc_ticks), cpc_ticks
    assert len(set(cpc_ticks)) == len(cpc_ticks), cpc_ticks

    page.goto(f"{live_server.url}/admin/dashboards/metrics/orders/{day}/")
    lines = page.evaluate(TIMESTAMP_LINES)
    assert lines and set(lines) == {1}, lines
    title = page.inner_text("#content h1")
    assert page.inner_text("#content").count(title) == 1
    context.close()
