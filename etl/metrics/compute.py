"""``compute(since, until)``: recompute the ``DailyMetric`` rows of a range of reporting days."""

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from etl.metrics import definitions as d
from etl.metrics import sources
from etl.metrics.customers import refresh_first_orders
from etl.metrics.days import each_day, trailing_window, yesterday
from etl.metrics.fx import Rates
from etl.models import AdAccount, Channel, DailyMetric
from health.jobs import current_run

PLATFORM_CHANNELS = [Channel.META, Channel.TIKTOK]
CHANNELS = [Channel.META, Channel.TIKTOK, Channel.ORGANIC, Channel.ALL]
# Sums gathered per (day, channel) before the ratios are derived.
_SUM_KEYS = [
    *d.ADVERTISING_FIELDS,
    "orders",
    "new_customers",
    "discounts",
    "shipping",
    "tax",
    "gross_sales",
    "cost",
    "covered",
    "returns",
    "refunded_other",
]
_COUNTS = {"impressions", "clicks", "orders", "new_customers"}


# The tables the metrics read, and the share of a table's rows written since its last
# ANALYZE past which its statistics are refreshed before the metrics run.
ANALYZED_TABLES = ("etl_order", "etl_orderline", "etl_refund", "etl_adinsightdaily")
STALE_SHARE = 0.2


def analyze_if_stale() -> list[str]:
    """ANALYZE the tables the metrics read whose statistics a load has made stale (PostgreSQL).

    The pulls write up to millions of rows just before the metrics run, often
    sooner than autovacuum analyzes them (or with autovacuum off): planned on a
    bulk-loaded table's "empty" statistics, the first-order re-flag joined
    every customer to every order in a nested loop (a 1M-order store: minutes
    instead of seconds). Returns the tables analyzed.
    """
    if connection.vendor != "postgresql":
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname FROM pg_stat_user_tables WHERE relname = ANY(%s) "
            "AND n_mod_since_analyze > %s * greatest(n_live_tup, 1000) + 1000",
            [list(ANALYZED_TABLES), STALE_SHARE],
        )
        stale = sorted(row[0] for row in cursor.fetchall())
        if stale:
            cursor.execute(f"ANALYZE {', '.join(stale)}")
    return stale


@dataclass
class ComputeResult:
    since: date
    until: date
    rows_written: int = 0
    rows_read: int = 0
    first_orders_changed: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def days(self) -> int:
        return (self.until - self.since).days + 1


def compute(
    since: date, until: date, *, progress: Callable[[str], None] | None = None, dry_run: bool = False
) -> ComputeResult:
    """Replace the DailyMetric rows of ``since``..``until`` (reporting days, inclusive).

    Everything happens in one transaction: the first-order flags, the
    aggregation, the FX check and the rewrite of the range's rows. A missing
    FX rate raises ``MissingFxRate`` and leaves every row as it was. Running it
    twice gives the same rows (only ``computed_at`` moves). ``dry_run``
    computes everything and rolls it back.
    """
    if since > until:
        raise ValueError(f"since ({since.isoformat()}) is after until ({until.isoformat()})")
    say = progress or (lambda message: None)
    result = ComputeResult(since, until)
    analyzed = analyze_if_stale()
    if analyzed:
        say(f"statistics refreshed: {', '.join(analyzed)}")
    with transaction.atomic():
        result.first_orders_changed = refresh_first_orders(since, until)
        say(f"first orders: {result.first_orders_changed} recorded or removed")
        ads = sources.ad_insights(since, until)
        orders = sources.orders(since, until)
        lines = sources.order_lines(since, until)
        refunds = sources.refunds(since, until)
        result.rows_read = (
            sum(r["rows"] for r in ads)
            + sum(r["orders"] for r in orders)
            + sum(r["refunds"] for r in refunds)
        )
        say(
            f"aggregated {sum(r['rows'] for r in ads)} insight rows, "
            f"{sum(r['orders'] for r in orders)} orders, {sum(r['refunds'] for r in refunds)} refunds"
        )
        needed = [(r["currency"], r["date"]) for r in ads]
        needed += [(r["currency"], r["day"]) for r in [*orders, *lines, *refunds]]
        rates = Rates(needed)
        rows = _rows(since, until, rates, ads, orders, lines, refunds)
        DailyMetric.objects.filter(date__gte=since, date__lte=until).delete()
        DailyMetric.objects.bulk_create(rows, batch_size=1000)
        result.rows_written = len(rows)
        if dry_run:
            transaction.set_rollback(True)
    result.notes = _timezone_notes(since, until)
    verb = "would write" if dry_run else "wrote"
    say(f"{verb} {result.rows_written} daily metric rows for {result.days} day(s)")
    return result


def recompute(
    since: date | None = None,
    until: date | None = None,
    *,
    progress: Callable[[str], None] | None = None,
    dry_run: bool = False,
) -> ComputeResult:
    """``compute`` for a job: the trailing window by default, counts and notes on the job's run."""
    if since is None:
        since, until = trailing_window(until=until)
    result = compute(since, until or yesterday(), progress=progress, dry_run=dry_run)
    run = current_run()
    if run:
        run.add(read=result.rows_read, written=0 if dry_run else result.rows_written)
        run.note(since=result.since.isoformat(), until=result.until.isoformat(), notes=result.notes)
    return result


def _rows(since, until, rates: Rates, ads, orders, lines, refunds) -> list[DailyMetric]:
    sums: dict[tuple[date, str], dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    used: dict[tuple[date, str], dict[str, str]] = defaultdict(dict)

    def add(day: date, channel: str, currency: str, **amounts) -> None:
        rate = rates.rate(currency, day)
        used[(day, channel)][currency] = str(rate)
        for key, value in amounts.items():
            sums[(day, channel)][key] += value if key in _COUNTS else (value or 0) * rate

    for r in ads:
        for channel in (r["platform"], Channel.ALL):
            add(
                r["date"],
                channel,
                r["currency"],
                spend=r["spend"],
                impressions=r["impressions"],
                clicks=r["clicks"],
                platform_conversion_value=r["conversion_value"],
            )
            # Conversions are counts of events, not money: never converted.
            sums[(r["date"], channel)]["platform_conversions"] += r["conversions"]
    for r in orders:
        add(r["day"], Channel.ALL, r["currency"], orders=r["orders"], new_customers=r["new_customers"])
        add(
            r["day"],
            Channel.ALL,
            r["currency"],
            discounts=r["discounts"],
            shipping=r["shipping"],
            tax=r["tax"],
        )
    for r in lines:
        add(
            r["day"], Channel.ALL, r["currency"], gross_sales=r["gross"], cost=r["cost"], covered=r["covered"]
        )
    for r in refunds:
        add(
            r["day"],
            Channel.ALL,
            r["currency"],
            returns=r["returns"],
            refunded_other=max(r["refunded"] - r["returns"], Decimal(0)),
        )

    now = timezone.now()
    rows = []
    for day in each_day(since, until):
        for channel in CHANNELS:
            raw = sums[(day, channel)]
            s = {key: int(raw[key]) if key in _COUNTS else d.q(raw[key]) for key in _SUM_KEYS}
            row = DailyMetric(
                date=day,
                channel=channel,
                currency=settings.REPORTING_CURRENCY,
                fx_rates=dict(sorted(used[(day, channel)].items())),
                computed_at=now,
                **{key: s[key] for key in d.ADVERTISING_FIELDS},
                **d.derive_advertising(s, attributed=channel in PLATFORM_CHANNELS),
            )
            if channel == Channel.ALL:
                _fill_store(row, s)
            rows.append(row)
    return rows


def _fill_store(row: DailyMetric, s: dict) -> None:
    """The store-wide fields of the ``all`` row (see ``etl.metrics.definitions``)."""
    net = d.net_sales(s["gross_sales"], s["discounts"], s["returns"])
    cogs = d.q(
        d.cost_of_goods(s["cost"], s["covered"], s["gross_sales"], settings.METRICS_DEFAULT_GROSS_MARGIN)
    )
    cm1 = d.cm1(net, cogs)
    store = {
        "orders": s["orders"],
        "new_customers": s["new_customers"],
        "gross_sales": s["gross_sales"],
        "discounts": s["discounts"],
        "returns": s["returns"],
        "net_sales": net,
        "total_sales": d.total_sales(net, s["shipping"], s["tax"], s["refunded_other"]),
        "cogs": cogs,
        "cm1": cm1,
        "cm3": d.cm3(cm1, s["spend"]),
        "spend": s["spend"],
    }
    for key, value in {
        **store,
        **d.derive_store(store, d.cogs_coverage(s["covered"], s["gross_sales"])),
    }.items():
        setattr(row, key, value)


def _timezone_notes(since: date, until: date) -> list[str]:
    """Ad accounts whose days are not reporting days (their figures are used as they come)."""
    accounts = (
        AdAccount.objects.exclude(timezone=settings.REPORTING_TIMEZONE)
        .filter(insights__date__gte=since, insights__date__lte=until)
        .distinct()
        .order_by("platform", "external_id")
    )
    return [
        f"{account} reports days in {account.timezone}, not {settings.REPORTING_TIMEZONE}: "
        "its days are used as reporting days"
        for account in accounts
    ]
