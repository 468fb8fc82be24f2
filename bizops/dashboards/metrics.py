"""What the metrics dashboard shows, built from the daily metric rows in a fixed number of queries.

One ``MetricsPage`` feeds the template (tiles, table, "as of" line), the
CSV/XLSX download (its ``table``) and the charts (``chart_data``, passed to
the page once with ``json_script``).

The day rows are kept in process per range and data version (``day_rows``):
a repeated view costs one query, the sources' freshness, which is also the
version check, instead of hundreds of rows turned into Decimals.
"""

import threading
from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.urls import reverse

from bizops.dashboards.periods import Period, Selection
from bizops.dashboards.tables import Column, Table
from etl.metrics import definitions
from etl.metrics.days import each_day
from etl.selectors import Channel, daily_rows, source_freshness, summarise

CHANNEL_LABELS = dict(Channel.choices)
PLATFORMS = {Channel.META, Channel.TIKTOK}
# (field, label, kind) of the KPI tiles; cost-like ones colour a rise red.
KPIS = [
    ("net_sales", "Net sales", "money"),
    ("spend", "Ad spend", "money"),
    ("orders", "Orders", "int"),
    ("aov", "AOV", "money"),
    ("new_customers", "New customers", "int"),
    ("blended_roas", "Blended ROAS", "ratio"),
    ("mer", "MER (revenue / spend)", "ratio"),
    ("blended_cac", "Blended CAC", "money"),
    ("cm3", "CM3 (after ad spend)", "money"),
    ("refund_rate", "Refund rate", "share"),
]
# The tiles of one ad channel's drill-down: its own figures (orders carry no channel).
CHANNEL_KPIS = [
    ("spend", "Ad spend", "money"),
    ("impressions", "Impressions", "int"),
    ("clicks", "Clicks", "int"),
    ("ctr", "CTR", "share"),
    ("cpc", "CPC", "money"),
    ("cpm", "CPM", "money"),
    ("platform_conversions", "Platform conversions", "int"),
    ("platform_conversion_value", "Platform conversion value", "money"),
    ("channel_roas", "Channel ROAS", "ratio"),
]
AD_COLUMNS = [
    Column("spend", "Spend"),
    Column("impressions", "Impressions", "int"),
    Column("clicks", "Clicks", "int"),
    Column("ctr", "CTR", "share"),
    Column("cpc", "CPC"),
    Column("cpm", "CPM"),
    Column("platform_conversions", "Conversions", "int"),
    Column("platform_conversion_value", "Conversion value"),
    Column("channel_roas", "Channel ROAS", "ratio"),
]
STORE_COLUMNS = [
    Column("orders", "Orders", "int"),
    Column("gross_sales", "Gross sales"),
    Column("discounts", "Discounts"),
    Column("returns", "Returns"),
    Column("net_sales", "Net sales"),
    Column("total_sales", "Total sales"),
    Column("aov", "AOV"),
    Column("new_customers", "New customers", "int"),
    Column("blended_roas", "Blended ROAS", "ratio"),
    Column("mer", "MER (rev/spend)", "ratio"),
    Column("blended_cac", "Blended CAC"),
    Column("refund_rate", "Refund rate", "share"),
    Column("cogs", "COGS"),
    Column("cogs_coverage", "Cost recorded", "share"),
    Column("cm1", "CM1"),
    Column("cm3", "CM3"),
    Column("breakeven_roas", "Break-even ROAS", "ratio"),
]


# Ranges kept per process (each a few hundred small dicts); the least recently used goes first.
ROWS_CACHE_SIZE = 16
_rows_cache: OrderedDict[tuple, tuple[dict, ...]] = OrderedDict()
_rows_lock = threading.Lock()


def day_rows(version: Hashable, *ranges: tuple[date, date]) -> tuple[dict, ...]:
    """``daily_rows(*ranges)``, from memory while ``version`` stays the same.
    The rows are shared between views: read them, never change them."""
    key = (version, ranges)
    with _rows_lock:
        rows = _rows_cache.get(key)
        if rows is not None:
            _rows_cache.move_to_end(key)
            return rows
    rows = tuple(daily_rows(*ranges))
    with _rows_lock:
        _rows_cache[key] = rows
        while len(_rows_cache) > ROWS_CACHE_SIZE:
            _rows_cache.popitem(last=False)
    return rows


def forget_cached_rows() -> None:
    """Empty the rows cache (tests: their rolled-back data can repeat a version)."""
    with _rows_lock:
        _rows_cache.clear()


def change(current, previous) -> Decimal | None:
    """Change in percent as a share (0.12 is +12 %); None when there is nothing to compare with."""
    if current is None or previous is None or previous == 0:
        return None
    return (Decimal(current) - Decimal(previous)) / abs(Decimal(previous))


def tone(delta: Decimal | None, cost: bool) -> str:
    """ "good" or "bad" for a change; cost metrics are inverted (a rise in CAC is bad)."""
    if delta is None or delta == 0:
        return "flat"
    return "bad" if (delta > 0) == cost else "good"


@dataclass
class Kpi:
    key: str
    label: str
    kind: str
    value: object
    previous: object
    previous_year: object
    spark: list = field(default_factory=list)

    @property
    def cost(self) -> bool:
        return self.key in definitions.COST_METRICS

    @property
    def vs_previous(self) -> Decimal | None:
        return change(self.value, self.previous)

    @property
    def vs_previous_year(self) -> Decimal | None:
        return change(self.value, self.previous_year)

    @property
    def tone_previous(self) -> str:
        return tone(self.vs_previous, self.cost)

    @property
    def tone_previous_year(self) -> str:
        return tone(self.vs_previous_year, self.cost)


@dataclass
class MetricsPage:
    selection: Selection
    channel: str
    kpis: list[Kpi]
    table: Table
    chart_data: dict
    sources: list
    computed_days: int

    @property
    def missing_days(self) -> int:
        return self.selection.current.days - self.computed_days


def exact_aov(row: dict) -> dict:
    """``row`` with AOV from its exact net sales and orders, so it is rounded once, when shown
    (the stored AOV is already rounded to 4 places: 211.765029 would show as 211.76)."""
    if "aov" not in row or not row.get("orders"):
        return row
    return {**row, "aov": definitions.aov(Decimal(row["net_sales"] or 0), row["orders"])}


def _within(rows: tuple[dict, ...], period: Period) -> list[dict]:
    return [row for row in rows if period.contains(row["date"])]


def _number(value) -> float | None:
    # Chart.js draws floats; money stays Decimal everywhere else.
    return None if value is None else float(value)


def _daily(rows: list[dict], channel: str, period: Period) -> dict[date, dict]:
    by_day = {
        row["date"]: exact_aov(row)
        for row in rows
        if row["channel"] == channel and period.contains(row["date"])
    }
    return {day: by_day.get(day, {}) for day in each_day(period.since, period.until)}


def _channel_table(current: list[dict], previous: list[dict], query: str, period: Period) -> Table:
    columns = [Column("channel_label", "Channel", "text"), Column("spend", "Spend")]
    columns += [Column("spend_change", "Spend vs previous", "change"), *AD_COLUMNS[1:]]
    columns += [STORE_COLUMNS[0], STORE_COLUMNS[4], *STORE_COLUMNS[8:11]]
    filename = f"metrics-channels-{period.since}-to-{period.until}"
    table = Table("Channels", filename, columns, link_column="channel_label")
    for index, channel in enumerate(Channel.values):
        now, before = exact_aov(summarise(current, channel)), summarise(previous, channel)
        row = {
            **now,
            "channel_label": CHANNEL_LABELS[channel],
            "spend_change": change(now["spend"], before["spend"]),
        }
        if channel != Channel.ALL:
            for column in STORE_COLUMNS:
                row[column.key] = None
        table.rows.append(row)
        table.links[index] = f"?{query}&channel={channel}" if query else f"?channel={channel}"
    return table


def _days_table(rows: list[dict], channel: str, period: Period) -> Table:
    columns = [Column("date", "Date", "date")]
    columns += [AD_COLUMNS[0], *STORE_COLUMNS, *AD_COLUMNS[1:]] if channel == Channel.ALL else AD_COLUMNS
    table = Table(
        f"{CHANNEL_LABELS[channel]} by day",
        f"metrics-{channel}-{period.since}-{period.until}",
        columns,
        link_column="date",
    )
    if channel == Channel.ALL:
        table.groups = [
            ("Sales, margins and customers", [AD_COLUMNS[0].key, *(c.key for c in STORE_COLUMNS)]),
            ("Ads", [c.key for c in AD_COLUMNS]),
        ]
    for index, (day, row) in enumerate(_daily(rows, channel, period).items()):
        table.rows.append({**row, "date": day})
        table.links[index] = reverse("metrics-day-orders", args=[day.isoformat()])
    return table


def _chart_data(rows: list[dict], channel: str, selection: Selection, kpis: list[Kpi]) -> dict:
    days = _daily(rows, channel, selection.current)
    series = lambda key: [_number(row.get(key)) for row in days.values()]  # noqa: E731
    if channel == Channel.ALL:
        bars = [("Ad spend", series("spend")), ("Net sales", series("net_sales"))]
        lines = [("Blended ROAS", series("blended_roas"), "y"), ("MER (rev/spend)", series("mer"), "y")]
        lines.append(("Blended CAC", series("blended_cac"), "y1"))
    else:
        bars = [
            ("Ad spend", series("spend")),
            ("Platform conversion value", series("platform_conversion_value")),
        ]
        lines = [("Channel ROAS", series("channel_roas"), "y"), ("CPC", series("cpc"), "y1")]
    return {
        "currency": settings.REPORTING_CURRENCY,
        "labels": [day.isoformat() for day in days],
        "bars": [{"label": label, "data": data} for label, data in bars],
        "lines": [{"label": label, "data": data, "axis": axis} for label, data, axis in lines],
        "sparks": {kpi.key: kpi.spark for kpi in kpis},
    }


def build(selection: Selection, channel: str = "", query: str = "") -> MetricsPage:
    """The page for ``selection``; ``channel`` drills down to that channel's days."""
    # The sources' freshness is the data version too: the rows change only when the
    # metrics job runs (``compute`` is its one writer), and a finished run moves its
    # last success or failure. Read before the rows, so rows written in between are
    # kept under the older version, which no later view asks for.
    sources = source_freshness()
    rows = day_rows(
        tuple(sources),
        selection.current.as_tuple(),
        selection.previous.as_tuple(),
        selection.previous_year.as_tuple(),
    )
    current = _within(rows, selection.current)
    previous = _within(rows, selection.previous)
    # The tiles are the channel's own: a platform's spend, clicks and ROAS in its drill-down.
    shown = channel or Channel.ALL
    tiles = KPIS if shown == Channel.ALL else CHANNEL_KPIS
    totals = {
        "now": exact_aov(summarise(current, shown)),
        "previous": exact_aov(summarise(previous, shown)),
        "year": exact_aov(summarise(_within(rows, selection.previous_year), shown)),
    }
    blended = _daily(current, shown, selection.current)
    kpis = [
        Kpi(
            key,
            label,
            kind,
            totals["now"][key],
            totals["previous"][key] if totals["previous"]["days"] else None,
            totals["year"][key] if totals["year"]["days"] else None,
            [_number(row.get(key)) for row in blended.values()],
        )
        for key, label, kind in tiles
    ]
    table = (
        _days_table(current, channel, selection.current)
        if channel
        else _channel_table(current, previous, query, selection.current)
    )
    return MetricsPage(
        selection=selection,
        channel=channel,
        kpis=kpis,
        table=table,
        chart_data=_chart_data(current, shown, selection, kpis),
        sources=sources,
        computed_days=summarise(current, Channel.ALL)["days"] if channel else totals["now"]["days"],
    )
