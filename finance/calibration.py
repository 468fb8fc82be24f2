"""Commerce drivers measured from the business's own orders and ad spend.

A calibration reads a window of reporting days (the last ``days`` complete
days by default) through etl's read API and writes, for each driver it can
measure, the figure and a note with the window, the formula and the rows it
came from. A driver without enough data keeps the value typed in the set it
starts from, and its note says so. Formulas (``W`` is the window, days in
the reporting time zone; sums are of the daily metrics' ``all`` rows unless
a channel is named; a month is 365.25 / 12 = 30.4375 days):

    paid share of new customers = min(1, platform conversions (Meta + TikTok) / orders)
    paid new customers          = new customers x paid share;  organic = the rest
    CAC (paid)                  = ad spend / paid new customers
    CAC of a channel            = its spend / (paid new customers x its share of platform conversions)
    Meta share of ad spend      = Meta spend / ad spend
    organic new customers/month = organic new customers / days with data x 30.4375
    ad budget (month 1)         = ad spend / days with data x 30.4375
    ad budget growth (%/month)  = (last / first complete month's spend) ^ (1 / (months - 1)) - 1
    first-order AOV             = gross sales of first orders / first orders     (gross = price x quantity)
    repeat AOV                  = gross sales of later orders / later orders
    discounts %, returns %      = discounts / gross sales, returns / gross sales
    COGS %                      = COGS / net sales   (the metrics' COGS: recorded unit costs, else the
                                  default margin)
    repeat curve, month k       = sum of cohort customers ordering again in month k
                                  / sum of those cohorts' sizes, over the cohorts whose month k has
                                  ended before the window's end (unobserved months are not zeros)
    orders per returning customer = their orders / returning customer-months, same cells
    prior cohorts               = new customers per first-order month, the 12 months before the start

Cohorts are first-order months in the reporting time zone (``FirstOrder``:
test, deleted and cancelled orders never count; guests are one customer per
normalised email, as in the metrics); their cohorts start up to 12 months
before the start month.
"""

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from etl.metrics.days import bounds
from etl.selectors import Channel, cohort_repeats, cohort_sizes, daily_metrics, first_and_repeat_sales
from finance.commerce import CommerceDrivers
from finance.drivers import (
    COMMERCE,
    COMMERCE_DEFAULTS,
    COMMERCE_NAMES,
    NAMES,
    SHARED_NAMES,
    SUBSCRIPTION_ONLY,
    add_months,
    month_index,
    parse_month,
    plain,
)
from finance.models import AssumptionSet, Scenario
from finance.versions import latest, save_new_version

MONTH_DAYS = Decimal("30.4375")
CURVE_MONTHS = 12
CENT = Decimal("0.01")
PCT = Decimal("0.001")


def fmt(value, places: int = 2) -> str:
    return f"{Decimal(value):,.{places}f}"


def trim(value) -> str:
    """A percentage or count as stated in a note: its digits without padding (100, 1.85, 34.514)."""
    return f"{Decimal(value).normalize():,f}"


def pct(part, whole) -> Decimal:
    return (Decimal(part) / Decimal(whole) * 100).quantize(PCT, rounding=ROUND_HALF_UP)


@dataclass
class Calibration:
    since: dt.date
    until: dt.date
    start_month: dt.date
    values: dict[str, Decimal] = field(default_factory=dict)
    commerce: dict[str, Decimal] = field(default_factory=dict)
    repeat_curve: list[Decimal] | None = None
    prior_cohorts: list[dict] = field(default_factory=list)
    sources: dict[str, str] = field(default_factory=dict)
    kept: list[str] = field(default_factory=list)
    measured: dict = field(default_factory=dict)

    @property
    def window(self) -> str:
        return f"{self.since:%Y-%m-%d}..{self.until:%Y-%m-%d}"

    def measure(self, name: str, value: Decimal, note: str, *, commerce: bool = False) -> None:
        (self.commerce if commerce else self.values)[name] = value
        self.sources[name] = f"{note}, {self.window}"

    def keep(self, name: str, why: str, typed) -> None:
        self.kept.append(name)
        self.sources[name] = f"Not enough data: {why}, {self.window}; the typed {typed} is kept"


def _sums(rows, *fields) -> dict:
    return rows.aggregate(days=Count("id"), **{f: Sum(f) for f in fields})


def calibrate(
    *, until: dt.date, days: int, typed: dict[str, Decimal], start_month: dt.date | None = None
) -> Calibration:
    """Measure the drivers over the ``days`` reporting days ending ``until``; forecast from the month after.

    ``typed`` holds every shared and commerce driver's current value (kept when data is short).
    """
    since = until - dt.timedelta(days=days - 1)
    end = until + dt.timedelta(days=1)
    # The forecast starts the month after the window; a window ending mid-month forecasts from that
    # month (its actuals stay partial until it ends).
    if start_month is None:
        start_month = end.replace(day=1) if end.day == 1 else until.replace(day=1)
    result = Calibration(since=since, until=until, start_month=start_month)
    store = _sums(
        daily_metrics(since, end),
        "spend",
        "new_customers",
        "orders",
        "gross_sales",
        "discounts",
        "returns",
        "net_sales",
        "cogs",
    )
    channels = {
        channel: _sums(daily_metrics(since, end, channel), "spend", "platform_conversions")
        for channel in (Channel.META, Channel.TIKTOK)
    }
    with_data = store["days"]
    result.measured["days_with_data"] = with_data
    result.measured["days"] = days
    spend = Decimal(store["spend"] or 0)
    new = Decimal(store["new_customers"] or 0)
    orders = Decimal(store["orders"] or 0)
    gross = Decimal(store["gross_sales"] or 0)
    net = Decimal(store["net_sales"] or 0)
    days_note = "" if with_data == days else f" ({with_data} of {days} days have data)"

    # New customers: paid by the platforms' share of orders, the rest organic.
    conversions = {c: Decimal(s["platform_conversions"] or 0) for c, s in channels.items()}
    claimed = sum(conversions.values(), Decimal(0))
    share = min(Decimal(1), claimed / orders) if orders else Decimal(0)
    paid = (new * share).quantize(CENT, rounding=ROUND_HALF_UP)
    organic = new - paid
    share_note = (
        f"{fmt(new, 0)} new customers x {trim(pct(share, 1))} % of {fmt(orders, 0)} orders"
        " claimed by the platforms"
    )
    if paid >= 1 and spend > 0:
        cac = (spend / paid).quantize(CENT, rounding=ROUND_HALF_UP)
        result.measure(
            "cac",
            cac,
            f"CAC {fmt(cac)}: Meta+TikTok spend {fmt(spend)} / {trim(paid)} paid new customers"
            f" ({share_note}){days_note}",
        )
    else:
        result.keep("cac", f"{trim(paid)} paid new customers for {fmt(spend)} of spend", typed["cac"])
    names = {Channel.META: ("cac_meta", "Meta"), Channel.TIKTOK: ("cac_tiktok", "TikTok")}
    for channel, (name, label) in names.items():
        channel_spend = Decimal(channels[channel]["spend"] or 0)
        channel_new = (paid * conversions[channel] / claimed).quantize(CENT) if claimed else Decimal(0)
        if channel_new >= 1 and channel_spend > 0:
            value = (channel_spend / channel_new).quantize(CENT, rounding=ROUND_HALF_UP)
            result.measure(
                name,
                value,
                f"CAC {label} {fmt(value)}: {label} spend {fmt(channel_spend)} / {fmt(channel_new)}"
                f" paid new customers ({fmt(conversions[channel])} of {fmt(claimed)} platform conversions)",
                commerce=True,
            )
        else:
            result.keep(
                name, f"{fmt(channel_new)} {label} new customers for {fmt(channel_spend)}", typed[name]
            )
    if spend > 0:
        meta_spend = Decimal(channels[Channel.META]["spend"] or 0)
        value = pct(meta_spend, spend)
        result.measure(
            "meta_spend_share_pct",
            value,
            f"Meta share {trim(value)} %: Meta spend {fmt(meta_spend)} / ad spend {fmt(spend)}",
            commerce=True,
        )
    else:
        result.keep("meta_spend_share_pct", "no ad spend", typed["meta_spend_share_pct"])
    if with_data:
        value = (organic / with_data * MONTH_DAYS).quantize(CENT, rounding=ROUND_HALF_UP)
        result.measure(
            "organic_new_customers",
            value,
            f"Organic {fmt(value)}/month: {fmt(organic)} organic new customers"
            f" ({fmt(new, 0)} new - {fmt(paid)} paid) / {with_data} days x 30.4375",
        )
        budget = (spend / with_data * MONTH_DAYS).quantize(CENT, rounding=ROUND_HALF_UP)
        result.measure(
            "ad_budget",
            budget,
            f"Ad budget {fmt(budget)}/month: spend {fmt(spend)} / {with_data} days x 30.4375",
        )
    else:
        for name in ("organic_new_customers", "ad_budget"):
            result.keep(name, "no daily metrics", typed[name])
    _trend(result, since, end, typed)

    # Shares of gross and net sales.
    if gross > 0:
        for name, field_name, label in (
            ("discount_pct", "discounts", "Discounts"),
            ("returns_pct", "returns", "Returns"),
        ):
            part = Decimal(store[field_name] or 0)
            value = pct(part, gross)
            result.measure(
                name, value, f"{label} {trim(value)} %: {fmt(part)} / gross sales {fmt(gross)}", commerce=True
            )
    else:
        for name in ("discount_pct", "returns_pct"):
            result.keep(name, "no gross sales", typed[name])
    if net > 0 and store["cogs"] is not None:
        cogs = Decimal(store["cogs"])
        value = pct(cogs, net)
        result.measure("cogs_pct", value, f"COGS {trim(value)} %: {fmt(cogs)} / net sales {fmt(net)}")
    else:
        result.keep("cogs_pct", "no net sales", typed["cogs_pct"])

    # First and repeat orders.
    start_at, end_at = bounds(since, until)
    sales = first_and_repeat_sales(start_at, end_at)
    for side, name, label in (
        ("first", "first_order_aov", "First-order"),
        ("repeat", "repeat_aov", "Repeat"),
    ):
        count, amount = sales[side]["orders"], Decimal(sales[side]["gross"])
        if count:
            value = (amount / count).quantize(CENT, rounding=ROUND_HALF_UP)
            result.measure(
                name,
                value,
                f"{label} AOV {fmt(value)}: gross sales {fmt(amount)} / {fmt(count, 0)} {side} orders",
                commerce=True,
            )
        else:
            result.keep(name, f"no {side} orders", typed[name])
    _cohorts(result, end, typed)
    return result


def _month_spend(since: dt.date, end: dt.date) -> list[tuple[dt.date, Decimal]]:
    """Ad spend of each calendar month wholly inside [since, end) with a metrics row every day (one query)."""
    first = since if since.day == 1 else add_months(since.replace(day=1), 1)
    last = end.replace(day=1)
    if first >= last:
        return []
    rows = (
        daily_metrics(first, last)
        .annotate(month=TruncMonth("date"))
        .values("month")
        .annotate(days=Count("id"), spend=Sum("spend"))
        .order_by("month")
    )
    return [
        (row["month"], Decimal(row["spend"] or 0))
        for row in rows
        if row["days"] == (add_months(row["month"], 1) - row["month"]).days
    ]


def _trend(result: Calibration, since: dt.date, end: dt.date, typed) -> None:
    months = _month_spend(since, end)
    if len(months) < 2 or months[0][1] <= 0 or months[-1][1] <= 0:
        result.keep(
            "ad_budget_growth_pct", f"{len(months)} complete month(s) of spend", typed["ad_budget_growth_pct"]
        )
        return
    (first, first_spend), (last, last_spend) = months[0], months[-1]
    ratio = last_spend / first_spend
    growth = (ratio ** (Decimal(1) / (len(months) - 1)) - 1) * 100
    value = max(Decimal(-100), min(Decimal(100), growth.quantize(PCT, rounding=ROUND_HALF_UP)))
    result.measure(
        "ad_budget_growth_pct",
        value,
        f"Spend trend {trim(value)} %/month: {last:%Y-%m} {fmt(last_spend)}"
        f" / {first:%Y-%m} {fmt(first_spend)}"
        f" over {len(months) - 1} month(s)",
    )


def _cohorts(result: Calibration, end: dt.date, typed) -> None:
    start = result.start_month
    first_cohort = add_months(start, -CURVE_MONTHS)
    since_at = bounds(first_cohort, first_cohort)[0]
    end_at = bounds(end, end)[0]
    sizes = cohort_sizes(since_at, end_at)
    repeats = cohort_repeats(since_at, end_at)
    result.prior_cohorts = [
        {"month": f"{month:%Y-%m}", "customers": str(size)}
        for month, size in sorted(sizes.items())
        if month < start
    ]
    result.sources["prior_cohorts"] = (
        f"New customers by first-order month, {first_cohort:%Y-%m}..{add_months(start, -1):%Y-%m}"
        f" ({len(result.prior_cohorts)} month(s) with data)"
    )
    cells: dict[tuple[dt.date, int], dict] = {}
    for row in repeats:
        k = month_index(row["cohort"], row["month"]) - 1
        cells[(row["cohort"], k)] = row

    def observed(cohort: dt.date, k: int) -> bool:
        # Month k of a cohort is observed once its calendar month has ended within the data.
        return add_months(cohort, k + 1) <= end

    curve, table, returning_months, repeat_orders = [], [], 0, 0
    for k in range(1, CURVE_MONTHS + 1):
        cohorts = [c for c in sizes if observed(c, k)]
        size = sum(sizes[c] for c in cohorts)
        if not size:
            break
        customers = sum(cells.get((c, k), {}).get("customers", 0) for c in cohorts)
        repeat_orders += sum(cells.get((c, k), {}).get("orders", 0) for c in cohorts)
        returning_months += customers
        share = pct(customers, size)
        curve.append(share)
        table.append(
            {"k": k, "share": str(share), "customers": customers, "size": size, "cohorts": len(cohorts)}
        )
    result.measured["curve"] = table
    result.measured["cohorts"] = [
        {
            "cohort": f"{cohort:%Y-%m}",
            "size": size,
            "shares": {
                str(k): str(pct(cells.get((cohort, k), {}).get("customers", 0), size))
                for k in range(1, CURVE_MONTHS + 1)
                if observed(cohort, k)
            },
        }
        for cohort, size in sorted(sizes.items())
    ]
    if not curve:
        result.keep("repeat_curve", "no cohort has an ended month after its first", typed["repeat_curve"])
        result.keep(
            "orders_per_returning_customer",
            "no returning customers observed",
            typed["orders_per_returning_customer"],
        )
        return
    result.repeat_curve = curve
    worked = "; ".join(
        f"m{c['k']} {c['customers']:,}/{c['size']:,} = {c['share']} % ({c['cohorts']} cohorts)"
        for c in table[:6]
    )
    more = f"; ... to m{len(table)}" if len(table) > 6 else ""
    result.sources["repeat_curve"] = (
        f"Repeat curve from first-order cohorts {min(sizes):%Y-%m}..{max(sizes):%Y-%m}, only ended months: "
        f"{worked}{more}, {result.window}"
    )
    if returning_months:
        value = (Decimal(repeat_orders) / returning_months).quantize(CENT, rounding=ROUND_HALF_UP)
        result.measure(
            "orders_per_returning_customer",
            value,
            f"Orders per returning customer {value}: {repeat_orders:,} repeat orders / {returning_months:,} "
            "returning customer-months",
            commerce=True,
        )
    else:
        result.keep(
            "orders_per_returning_customer",
            "no returning customers observed",
            typed["orders_per_returning_customer"],
        )


def typed_values(base: AssumptionSet | None) -> dict:
    """The values a calibration falls back on: the base set's, or zeros and the model's defaults."""
    if base is None:
        values = {name: Decimal(0) for name in NAMES}
        values["horizon_months"] = Decimal(settings.FINANCE_DEFAULT_HORIZON_MONTHS)
        return values | dict(COMMERCE_DEFAULTS) | {"repeat_curve": []}
    return base.driver_values() | base.commerce_values() | {"repeat_curve": list(base.repeat_curve or [])}


def merged(result: Calibration, typed: dict) -> tuple[dict, dict, list]:
    """The measured values over the typed ones: (shared drivers, commerce drivers, repeat curve)."""
    values = {n: typed[n] for n in NAMES} | result.values
    own = {n: Decimal(typed[n]) for n in COMMERCE_NAMES} | result.commerce
    curve = result.repeat_curve if result.repeat_curve is not None else typed["repeat_curve"]
    return values, own, [Decimal(v) for v in curve]


def commerce_drivers_from(result: Calibration, typed: dict) -> CommerceDrivers:
    """The engine's drivers straight from a calibration (nothing saved), for a backtest."""
    values, own, curve = merged(result, typed)
    return CommerceDrivers(
        start_month=result.start_month,
        horizon_months=int(values["horizon_months"]),
        repeat_curve=tuple(curve),
        prior_cohorts=tuple((parse_month(c["month"]), Decimal(c["customers"])) for c in result.prior_cohorts),
        **{n: values[n] for n in SHARED_NAMES if n != "horizon_months"},
        **own,
    )


@transaction.atomic
def save_calibrated(
    name: str, *, days: int = 90, until: dt.date | None = None, user=None, start_month: dt.date | None = None
) -> tuple[AssumptionSet, Calibration]:
    """A new commerce version of the set ``name`` (created when new) with the drivers measured from data."""
    from etl.metrics.days import yesterday

    until = until or yesterday()
    base = latest(name)
    typed = typed_values(base)
    result = calibrate(until=until, days=days, typed=typed, start_month=start_month)
    values, own, curve = merged(result, typed)
    for n in SUBSCRIPTION_ONLY:
        values[n] = Decimal(0)
    values["horizon_months"] = int(values["horizon_months"])
    values["starting_customers"] = 0
    commerce = {n: plain(v) for n, v in own.items()}
    sources = dict(base.sources or {}) if base else {}
    for n in SUBSCRIPTION_ONLY:
        sources.pop(n, None)
    sources.update(result.sources)
    horizon = values["horizon_months"]
    one_offs = [
        entry
        for entry in (base.one_off_costs if base else [])
        if 1 <= month_index(result.start_month, parse_month(entry["month"])) <= horizon
    ]
    draft = AssumptionSet(
        name=name,
        revenue_model=COMMERCE,
        start_month=result.start_month,
        commerce=commerce,
        repeat_curve=[plain(v) for v in curve],
        prior_cohorts=result.prior_cohorts,
        calibration={
            "window": [f"{result.since}", f"{result.until}"],
            "calibrated_at": timezone.now().isoformat(timespec="seconds"),
            "kept": result.kept,
            **result.measured,
        },
        one_off_costs=one_offs,
        sources=sources,
        note=f"Calibrated from the orders and ad spend of {result.window} ({days} days).",
        **values,
    )
    draft.clean()
    saved = save_new_version(draft, user=user).assumption_set
    _ensure_scenarios(saved)
    return saved, result


SCENARIOS = (
    ("Base", "The calibrated plan as measured.", {}),
    (
        "Optimistic",
        "CAC (blended and by channel) 15 % lower, repeat AOV 5 % higher than measured.",
        {"cac": Decimal("0.85"), "repeat_aov": Decimal("1.05")},
    ),
    (
        "Conservative",
        "CAC (blended and by channel) 15 % higher, first-order AOV 5 % lower than measured.",
        {"cac": Decimal("1.15"), "first_order_aov": Decimal("0.95")},
    ),
)


def _ensure_scenarios(assumption_set: AssumptionSet) -> None:
    """Base, Optimistic and Conservative on a new set (a name another set uses gets this set's name first)."""
    if Scenario.objects.filter(assumption_set__name=assumption_set.name).exists():
        return
    values = assumption_set.driver_values() | assumption_set.commerce_values()
    for position, (label, description, factors) in enumerate(SCENARIOS):
        name = (
            label if not Scenario.objects.filter(name=label).exists() else f"{assumption_set.name}: {label}"
        )
        if "cac" in factors:
            # A channel CAC takes the place of the blended one: move each the same way.
            factors = factors | {c: factors["cac"] for c in ("cac_meta", "cac_tiktok") if values[c] > 0}
        overrides = {
            driver: {
                "value": str((values[driver] * factor).quantize(CENT, rounding=ROUND_HALF_UP)),
                "notes": f"{(factor - 1) * 100:+.0f} % on the calibrated {fmt(values[driver])}",
            }
            for driver, factor in factors.items()
        }
        Scenario.objects.create(
            name=name,
            description=description,
            assumption_set=assumption_set,
            overrides=overrides,
            position=position,
        )
