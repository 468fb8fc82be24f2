"""The metrics dashboard: staff only, presets, comparisons, tables, drill-down, downloads."""

import csv
import io
import re
from datetime import date
from decimal import Decimal

import openpyxl
import pytest
import time_machine
from django.contrib.auth.models import Permission
from django.urls import reverse

from health.models import JobRun
from tests.factories import UserFactory
from tests.metrics.factories import OrderFactory, RefundFactory, at

pytestmark = pytest.mark.django_db
NOW = "2025-03-20 10:00:00-04:00"
URL = "/admin/dashboards/metrics/"


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def table_rows(response) -> list[list[str]]:
    body = response.content.decode().split('id="dashboard-table"')[1].split("</table>")[0]
    rows = re.findall(r"<tr>(.*?)</tr>", body.split("<tbody>")[1], re.S)
    return [
        [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", r, re.S)] for r in rows
    ]


def test_anonymous_users_are_sent_to_the_login_page(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response.url.startswith("/admin/login/")


def test_staff_without_the_metrics_permission_are_refused(client):
    client.force_login(UserFactory(is_staff=True))
    assert client.get(URL).status_code == 403


def test_staff_with_the_permission_see_it(client):
    user = UserFactory(is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_dailymetric"))
    client.force_login(user)
    assert client.get(URL).status_code == 200


def test_non_staff_users_are_sent_to_the_login_page(client):
    client.force_login(UserFactory(is_staff=False, is_superuser=False))
    assert client.get(URL).status_code == 302


def test_the_admin_index_links_to_it(admin_client):
    assert f'href="{URL}"' in admin_client.get(reverse("admin:index")).content.decode()


@time_machine.travel(NOW, tick=False)
def test_presets_end_yesterday_and_compare_with_the_previous_period_and_year(admin_client):
    page = text(admin_client.get(URL, {"range": "7"}))
    assert "<strong>Mar 13, 2025 to Mar 19, 2025</strong> (7 days)" in page
    assert "previous period (Mar 6, 2025 to Mar 12, 2025)" in page
    assert "previous year (Mar 13, 2024 to Mar 19, 2024)" in page
    mtd = text(admin_client.get(URL, {"range": "mtd"}))
    assert "<strong>Mar 1, 2025 to Mar 19, 2025</strong> (19 days)" in mtd


@time_machine.travel(NOW, tick=False)
def test_a_custom_range_is_used_and_a_bad_one_says_why(admin_client):
    page = text(admin_client.get(URL, {"range": "custom", "since": "2025-02-01", "until": "2025-02-10"}))
    assert "<strong>Feb 1, 2025 to Feb 10, 2025</strong> (10 days)" in page
    bad = text(admin_client.get(URL, {"range": "custom", "since": "2025-03-01", "until": "2025-03-25"}))
    assert "The custom range must end by yesterday (2025-03-19); showing last 30 days" in bad


@time_machine.travel(NOW, tick=False)
def test_kpi_tiles_show_the_period_and_its_change_with_cost_colours_inverted(admin_client, daily_metrics):
    daily_metrics()
    page = text(admin_client.get(URL, {"range": "30"}))
    net = re.search(r'data-key="net_sales">.*?kpi-value">([^<]+)<.*?class="tone-(\w+)"[^>]*>([^<]+)<', page)
    assert net.groups() == ("9,000.00", "good", "+50.0 % vs prev.")
    cac = re.search(r'data-key="blended_cac">.*?kpi-value">([^<]+)<.*?class="tone-(\w+)"[^>]*>([^<]+)<', page)
    assert cac.groups() == ("50.00", "flat", "+0.0 % vs prev.")
    roas = re.search(r'data-key="blended_roas">.*?kpi-value">([^<]+)<', page)
    assert roas.group(1) == "3.00"  # 9,000 net / 3,000 spend, not an average of days
    year = re.search(r'data-key="net_sales">.*?vs prev\.</span> <span class="tone-(\w+)"[^>]*>([^<]+)<', page)
    assert year.groups() == ("flat", "n/a vs last year")


@time_machine.travel(NOW, tick=False)
def test_a_rise_in_a_cost_metric_is_coloured_bad(admin_client, daily_metrics):
    daily_metrics()
    from etl.models import DailyMetric

    DailyMetric.objects.filter(channel="all", date__gte=date(2025, 2, 18)).update(spend=Decimal(150))
    page = text(admin_client.get(URL, {"range": "30"}))
    spend = re.search(r'data-key="spend">.*?class="tone-(\w+)"[^>]*>([^<]+)<', page)
    assert spend.groups() == ("bad", "+50.0 % vs prev.")


@time_machine.travel(NOW, tick=False)
def test_the_channel_table_has_a_row_per_channel_linking_to_its_days(admin_client, daily_metrics):
    daily_metrics()
    response = admin_client.get(URL, {"range": "30"})
    rows = table_rows(response)
    assert [row[0] for row in rows] == ["Meta", "TikTok", "Organic", "All channels"]
    assert rows[0][1] == "1,800.00"
    assert rows[0][-6] == "3.00"  # Meta's channel ROAS: 5,400 / 1,800
    assert rows[3][-6] == "n/a"  # never summed across platforms
    assert 'href="?range=30&amp;channel=meta"' in response.content.decode()


@time_machine.travel(NOW, tick=False)
def test_the_drill_down_lists_the_channels_days_linking_to_their_orders(admin_client, daily_metrics):
    daily_metrics()
    response = admin_client.get(URL, {"range": "7", "channel": "all"})
    rows = table_rows(response)
    assert [row[0] for row in rows] == [f"2025-03-{day}" for day in range(13, 20)]
    assert reverse("metrics-day-orders", args=["2025-03-13"]) in response.content.decode()


@time_machine.travel(NOW, tick=False)
def test_the_orders_of_a_day_are_listed_with_what_counts(admin_client):
    order = OrderFactory(name="#1001", created_at=at(date(2025, 3, 13), 23, 50), lines=[("40.00", 2, None)])
    RefundFactory(order=order, amount=Decimal(15))
    OrderFactory(name="#1002", created_at=at(date(2025, 3, 13), 9), test=True)
    OrderFactory(name="#1003", created_at=at(date(2025, 3, 14), 0, 10))
    response = admin_client.get(reverse("metrics-day-orders", args=["2025-03-13"]))
    rows = table_rows(response)
    assert [(row[0], row[2]) for row in rows] == [("#1002", "test (excluded)"), ("#1001", "counted")]
    assert rows[1][5] == "80.00"
    assert rows[1][-1] == "15.00"


@time_machine.travel(NOW, tick=False)
def test_the_csv_holds_exactly_the_table_on_screen(admin_client, daily_metrics):
    daily_metrics()
    screen = admin_client.get(URL, {"range": "7", "channel": "meta"})
    download = admin_client.get(URL, {"range": "7", "channel": "meta", "export": "csv"})
    assert download["Content-Disposition"] == 'attachment; filename="metrics-meta-2025-03-13-2025-03-19.csv"'
    lines = list(csv.reader(io.StringIO(download.content.decode())))
    table = screen.content.decode().split('id="dashboard-table"')[1]
    headers = re.findall(r'<th scope="col"[^>]*>([^<]+)</th>', table.split("</thead>")[0])
    assert lines[0] == headers
    assert len(lines) - 1 == len(table_rows(screen)) == 7
    assert lines[1][:4] == ["2025-03-13", "60.00", "6000", "120"]


@time_machine.travel(NOW, tick=False)
def test_the_xlsx_holds_the_same_table_with_typed_cells(admin_client, daily_metrics):
    daily_metrics()
    download = admin_client.get(URL, {"range": "30", "export": "xlsx"})
    sheet = openpyxl.load_workbook(io.BytesIO(download.content)).active
    values = list(sheet.values)
    assert values[0][:3] == ("Channel", "Spend", "Spend vs previous")
    assert [row[0] for row in values[1:]] == ["Meta", "TikTok", "Organic", "All channels"]
    assert values[1][1] == 1800


@time_machine.travel(NOW, tick=False)
def test_the_page_passes_its_chart_data_once_and_has_no_inline_script(admin_client, daily_metrics):
    daily_metrics()
    response = admin_client.get(URL, {"range": "7"})
    html = response.content.decode()
    assert html.count('id="metrics-data"') == 1
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S)
    inline = [attrs for attrs, body in scripts if body.strip() and 'type="application/json"' not in attrs]
    assert inline == []
    assert " style=" not in html
    assert "script-src 'self'" in response["Content-Security-Policy"]
    data = response.context["page"].chart_data
    assert data["labels"][0] == "2025-03-13"
    assert data["bars"][1] == {"label": "Net sales", "data": [300.0] * 7}


@time_machine.travel(NOW, tick=False)
def test_the_as_of_line_shows_each_sources_last_success_and_a_failing_one(admin_client):
    JobRun.objects.create(
        job="etl.pull_meta", trigger="beat", status="succeeded", finished_at=at(date(2025, 3, 20), 1, 12)
    )
    JobRun.objects.create(
        job="etl.pull_shopify", trigger="beat", status="succeeded", finished_at=at(date(2025, 3, 19), 1, 25)
    )
    JobRun.objects.create(
        job="etl.pull_shopify", trigger="beat", status="failed", finished_at=at(date(2025, 3, 20), 1, 25)
    )
    page = text(admin_client.get(URL))
    assert "Meta 2025-03-20 01:12" in page
    assert "TikTok never" in page
    assert (
        "Shopify 2025-03-19 01:25 (last run failed 2025-03-20 01:25; data as of the success before)" in page
    )


@time_machine.travel(NOW, tick=False)
def test_it_says_how_many_days_have_no_metrics_yet(admin_client):
    assert "7 days of this range have no computed metrics yet" in text(admin_client.get(URL, {"range": "7"}))


@time_machine.travel(NOW, tick=False)
def test_downloads_carry_values_at_the_precision_on_screen(admin_client):
    from tests.dashboards.conftest import metric

    metric(
        date(2025, 3, 19),
        "meta",
        spend=Decimal("5244.9135"),
        clicks=3,
        impressions=7,
        ctr=Decimal("0.428571"),
    )
    screen = table_rows(admin_client.get(URL, {"range": "7", "channel": "meta"}))
    lines = list(
        csv.reader(
            io.StringIO(
                admin_client.get(URL, {"range": "7", "channel": "meta", "export": "csv"}).content.decode()
            )
        )
    )
    assert screen[-1][1:2] == ["5,244.91"]
    assert lines[-1][1:2] == ["5244.91"]
    assert (screen[-1][4], lines[-1][4]) == ("42.9 %", "0.429")  # CTR 3 / 7


def tile(page: str, key: str) -> str:
    return re.search(rf'data-key="{key}">.*?kpi-value">([^<]+)<', page).group(1)


@time_machine.travel(NOW, tick=False)
def test_a_channels_drill_down_tiles_show_that_channels_own_figures(admin_client, daily_metrics):
    daily_metrics()
    overview = text(admin_client.get(URL, {"range": "30"}))
    meta = text(admin_client.get(URL, {"range": "30", "channel": "meta"}))
    assert tile(overview, "spend") == "3,000.00"  # all channels
    assert tile(meta, "spend") == "1,800.00"  # Meta's own: 60 a day
    assert tile(meta, "clicks") == "3,600"
    assert tile(meta, "channel_roas") == "3.00"  # 5,400 / 1,800
    assert tile(meta, "cpc") == "0.50"
    assert 'data-key="net_sales"' not in meta  # orders carry no channel


@time_machine.travel(NOW, tick=False)
def test_conversions_are_whole_and_aov_is_rounded_once_from_the_exact_value(admin_client):
    from tests.dashboards.conftest import metric

    day = date(2025, 3, 19)
    metric(day, "meta", spend=Decimal(10), platform_conversions=Decimal(56))
    net = Decimal("211.765029") * 17
    metric(day, "all", spend=Decimal(10), orders=17, net_sales=net, aov=Decimal("211.7650"))
    page = text(admin_client.get(URL, {"range": "7"}))
    assert tile(page, "aov") == "211.77"
    rows = table_rows(admin_client.get(URL, {"range": "7"}))
    assert rows[0][8] == "56"
    assert table_rows(admin_client.get(URL, {"range": "7", "channel": "all"}))[-1][8] == "211.77"


@time_machine.travel(NOW, tick=False)
def test_the_channels_download_is_named_after_its_range(admin_client, daily_metrics):
    daily_metrics()
    download = admin_client.get(URL, {"range": "7", "export": "csv"})
    assert (
        download["Content-Disposition"]
        == 'attachment; filename="metrics-channels-2025-03-13-to-2025-03-19.csv"'
    )


@time_machine.travel(NOW, tick=False)
def test_all_channels_by_day_shows_sales_and_ads_as_two_tables_and_downloads_one(admin_client, daily_metrics):
    """27 columns do not fit 1,400 px: the page splits them, each part led by the date; the CSV keeps all."""
    daily_metrics()
    page = admin_client.get(URL, {"range": "7", "channel": "all"}).content.decode()
    heads = [
        re.findall(r'<th scope="col"[^>]*>([^<]+)</th>', part.split("</thead>")[0])
        for part in re.split(r'id="dashboard-table(?:-\d)?"', page)[1:]
    ]
    assert len(heads) == 2
    assert heads[0][:3] == ["Date", "Spend", "Orders"] and "CM3" in heads[0] and "Impressions" not in heads[0]
    assert heads[1] == ["Date", "Spend", "Impressions", "Clicks", "CTR", "CPC", "CPM", "Conversions",
                        "Conversion value", "Channel ROAS"]  # fmt: skip
    assert re.findall(r'<h3 class="table-part">([^<]+)</h3>', page) == ["Sales, margins and customers", "Ads"]
    download = admin_client.get(URL, {"range": "7", "channel": "all", "export": "csv"})
    header = next(csv.reader(io.StringIO(download.content.decode())))
    assert header == ["Date", *heads[0][1:], *heads[1][2:]]
