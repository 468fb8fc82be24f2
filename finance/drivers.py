"""The forecast's drivers: names, units, allowed ranges, and their validation.

One registry serves the model fields, the admin forms, scenario overrides and
the JSON import, so a driver is checked the same way wherever it is typed in
and every message names the driver it is about.

Rates are percentages as people type them (5 means 5 %); the engine divides.
"""

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal

from bizops.core.numbers import decimal

MONEY = "money"
PERCENT = "percent"
COUNT = "count"
WHOLE = "whole"

DECIMAL_PLACES = {MONEY: 2, PERCENT: 3, COUNT: 2, WHOLE: 0}
# The model fields' max_digits (finance.models); a whole number is a PositiveIntegerField.
MAX_DIGITS = {MONEY: 14, PERCENT: 7, COUNT: 12}
WHOLE_MAX = 2_147_483_647
MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$")


@dataclass(frozen=True)
class Driver:
    name: str
    label: str
    kind: str
    minimum: Decimal | None = Decimal(0)
    maximum: Decimal | None = None
    #: Moved -20 % / +20 % by the sensitivity analysis.
    lever: bool = True
    help: str = ""

    @property
    def places(self) -> int:
        return DECIMAL_PLACES[self.kind]

    @property
    def limit(self) -> Decimal:
        """The largest value its column can store (999,999,999,999.99 for money)."""
        if self.kind == WHOLE:
            return Decimal(WHOLE_MAX)
        return Decimal(10) ** (MAX_DIGITS[self.kind] - self.places) - Decimal(1).scaleb(-self.places)

    def out_of_range(self, raw, value: Decimal) -> str:
        if value > 0:
            top = self.limit if self.maximum is None else min(self.maximum, self.limit)
            return f"{raw} is out of range (at most {top:,})"
        bottom = -self.limit if self.minimum is None else max(self.minimum, -self.limit)
        return f"{raw} is out of range (at least {bottom:,})"


DRIVERS: tuple[Driver, ...] = (
    Driver("horizon_months", "Horizon (months)", WHOLE, Decimal(12), Decimal(36), lever=False),
    Driver("starting_cash", "Starting cash", MONEY, lever=False, help="Cash in the bank on the first day."),
    Driver(
        "starting_customers",
        "Starting customers",
        WHOLE,
        lever=False,
        help="Paying customers on the first day.",
    ),
    Driver("starting_mrr", "Starting MRR", MONEY, lever=False, help="Their monthly recurring revenue."),
    Driver("price", "Price / ARPA", MONEY, help="Monthly revenue of one new customer."),
    Driver("ad_budget", "Paid ad budget", MONEY, help="Ad spend in month 1."),
    Driver(
        "ad_budget_growth_pct",
        "Ad budget growth (%/month)",
        PERCENT,
        Decimal(-100),
        Decimal(100),
        help="Month-over-month change of the ad budget.",
    ),
    Driver("cac", "CAC", MONEY, help="Ad spend per new paid customer (1 / conversion from spend)."),
    Driver(
        "organic_new_customers",
        "Organic new customers (/month)",
        COUNT,
        help="New customers per month who cost no ad spend.",
    ),
    Driver(
        "churn_pct",
        "Monthly customer churn (%)",
        PERCENT,
        Decimal(0),
        Decimal(100),
        help="Share of the customers at the start of a month who leave in it.",
    ),
    Driver(
        "expansion_pct",
        "Expansion (%/month)",
        PERCENT,
        Decimal(0),
        Decimal(100),
        help="Monthly growth of the retained customers' MRR (upgrades).",
    ),
    Driver("cogs_pct", "COGS (% of revenue)", PERCENT, Decimal(0), Decimal(100)),
    Driver("payment_fee_pct", "Payment fees (% of revenue)", PERCENT, Decimal(0), Decimal(100)),
    Driver("fixed_salaries", "Fixed costs: salaries (/month)", MONEY),
    Driver("fixed_tools", "Fixed costs: tools (/month)", MONEY),
    Driver("fixed_other", "Fixed costs: other (/month)", MONEY),
)
BY_NAME = {driver.name: driver for driver in DRIVERS}
NAMES = tuple(BY_NAME)
LEVERS = tuple(driver for driver in DRIVERS if driver.lever)


class DriverError(ValueError):
    """Input that cannot be used; ``problems`` holds ``(field, message)`` pairs."""

    def __init__(self, problems: list[tuple[str, str]]):
        self.problems = problems
        super().__init__("; ".join(f"{field}: {message}" for field, message in problems))


def parse_value(driver: Driver, raw) -> Decimal:
    """A typed-in or imported value as a Decimal of the driver's unit, or ValueError naming why."""
    if isinstance(raw, bool) or raw is None or isinstance(raw, (list, dict)):
        raise ValueError(f"{raw!r} is not a number")
    if isinstance(raw, float):
        # Floats cannot carry money exactly; JSON is read with Decimal numbers.
        raw = repr(raw)
    value = decimal(raw)
    # Before any rounding: 1e400 has no two-place form, and the database would refuse it on save.
    if abs(value) > driver.limit:
        raise ValueError(driver.out_of_range(raw, value))
    if driver.kind == WHOLE and value != value.to_integral_value():
        raise ValueError(f"{raw} is not a whole number")
    if -value.as_tuple().exponent > driver.places and value != round(value, driver.places):
        raise ValueError(f"{raw} has more than {driver.places} decimal places")
    return value


def range_problem(driver: Driver, value: Decimal) -> str | None:
    """Why ``value`` is out of the driver's range, or None."""
    unit = " %" if driver.kind == PERCENT else ""
    if driver.minimum is not None and value < driver.minimum:
        if driver.maximum is not None:
            return f"must be between {driver.minimum} and {driver.maximum}{unit}; got {value}{unit}"
        if driver.minimum == 0:
            return f"cannot be negative; got {value}"
        return f"must be at least {driver.minimum}; got {value}"
    if driver.maximum is not None and value > driver.maximum:
        return f"must be between {driver.minimum} and {driver.maximum}{unit}; got {value}{unit}"
    return None


def _parsed(
    raw: dict, drivers, *, required: bool, prefix: str, unknown: str
) -> tuple[dict[str, Decimal], list[tuple[str, str]]]:
    """Each of ``drivers`` in ``raw`` parsed and range-checked, and every problem (field, message)."""
    problems: list[tuple[str, str]] = []
    values: dict[str, Decimal] = {}
    names = [driver.name for driver in drivers]
    for name in raw:
        if name not in names:
            problems.append((f"{prefix}{name}", f"unknown {unknown}; expected one of {', '.join(names)}"))
    for driver in drivers:
        if driver.name not in raw:
            if required:
                problems.append((f"{prefix}{driver.name}", "missing (a required driver)"))
            continue
        try:
            value = parse_value(driver, raw[driver.name])
        except ValueError as exc:
            problems.append((f"{prefix}{driver.name}", str(exc)))
            continue
        problem = range_problem(driver, value)
        if problem:
            problems.append((f"{prefix}{driver.name}", f"{driver.label} {problem}"))
            continue
        values[driver.name] = value
    return values, problems


def consistency_problems(values: dict[str, Decimal]) -> list[tuple[str, str]]:
    """Problems that only show when drivers are read together."""
    problems = []
    get = values.get
    if get("ad_budget") and get("ad_budget") > 0 and get("cac") is not None and get("cac") <= 0:
        problems.append(
            ("cac", "CAC must be above 0 while there is a paid ad budget (spend / CAC = customers)")
        )
    if get("starting_customers") == 0 and get("starting_mrr") and get("starting_mrr") > 0:
        problems.append(("starting_mrr", "Starting MRR must be 0 when there are no starting customers"))
    cogs, fees = get("cogs_pct"), get("payment_fee_pct")
    if cogs is not None and fees is not None and cogs + fees > 100:
        problems.append(
            ("payment_fee_pct", f"Payment fees and COGS together exceed 100 % of revenue ({cogs + fees} %)")
        )
    return problems


def clean_values(raw: dict, *, required: bool = True, prefix: str = "") -> dict[str, Decimal]:
    """Parse and check a mapping of driver values; DriverError lists every problem.

    With ``required`` every driver must be present (an assumption set); without
    it any subset may be (scenario overrides).
    """
    values, problems = _parsed(raw, DRIVERS, required=required, prefix=prefix, unknown="driver")
    if not problems:
        problems += [(f"{prefix}{field}", message) for field, message in consistency_problems(values)]
    if problems:
        raise DriverError(problems)
    return values


def plain(value) -> str:
    """A number without trailing zeros or exponent: 10.000 -> 10, 2.500 -> 2.5, 100 -> 100."""
    return f"{Decimal(value).normalize():f}"


def parse_month(raw) -> dt.date:
    """'2026-03' -> date(2026, 3, 1); ValueError naming the problem."""
    match = MONTH_RE.match(str(raw or "").strip())
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise ValueError(f"{raw!r} is not a month (YYYY-MM)")
    return dt.date(int(match.group(1)), int(match.group(2)), 1)


def add_months(month: dt.date, count: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + count
    return dt.date(index // 12, index % 12 + 1, 1)


def month_index(start: dt.date, month: dt.date) -> int:
    """1 for the start month, 2 for the next..."""
    return (month.year - start.year) * 12 + month.month - start.month + 1


def clean_one_offs(raw, *, start: dt.date | None, horizon: int | None, prefix: str = "one_off_costs"):
    """A list of ``{"month": "YYYY-MM", "amount": "...", "label": "..."}``, checked.

    Returns the same list normalised (amount as a 2-place string); DriverError
    lists every bad entry by its position.
    """
    if raw in (None, ""):
        return []
    if not isinstance(raw, list):
        raise DriverError([(prefix, "must be a list of {month, amount, label}")])
    problems, cleaned = [], []
    amount_driver = Driver("amount", "amount", MONEY)
    for number, item in enumerate(raw, start=1):
        # In a file: one_off_costs[2].month; in a form: line 2 month.
        where = f"{prefix}[{number}]" if prefix else f"line {number}"
        sep = "." if prefix else " "
        if not isinstance(item, dict):
            problems.append((where, "must be an object with month, amount and label"))
            continue
        unknown = set(item) - {"month", "amount", "label"}
        if unknown:
            problems.append((where, f"unknown key(s) {', '.join(sorted(unknown))}"))
        try:
            month = parse_month(item.get("month"))
        except ValueError as exc:
            problems.append((f"{where}{sep}month", str(exc)))
            month = None
        try:
            amount = parse_value(amount_driver, item.get("amount"))
            if amount < 0:
                problems.append((f"{where}{sep}amount", f"a one-off cost cannot be negative; got {amount}"))
        except ValueError as exc:
            problems.append((f"{where}{sep}amount", str(exc)))
            amount = None
        label = item.get("label", "")
        if not isinstance(label, str):
            problems.append((f"{where}{sep}label", f"{label!r} is not text"))
        if month and start and horizon:
            index = month_index(start, month)
            if not 1 <= index <= horizon:
                last = add_months(start, horizon - 1)
                problems.append(
                    (
                        f"{where}{sep}month",
                        f"{month:%Y-%m} is outside the forecast ({start:%Y-%m} to {last:%Y-%m})",
                    )
                )
        if month and amount is not None:
            cleaned.append({"month": f"{month:%Y-%m}", "amount": f"{amount:.2f}", "label": str(label)})
    if problems:
        raise DriverError(problems)
    return sorted(cleaned, key=lambda entry: entry["month"])


# The commerce revenue model: these drivers, plus the shared ones above that
# both models read (horizon, starting cash, ad budget and its growth, CAC,
# organic new customers, COGS, payment fees, fixed costs, one-off costs).
SUBSCRIPTION = "subscription"
COMMERCE = "commerce"
REVENUE_MODELS = ((COMMERCE, "Commerce (orders, cohorts)"), (SUBSCRIPTION, "Subscription (MRR, churn)"))
SHARED_NAMES = (
    "horizon_months",
    "starting_cash",
    "ad_budget",
    "ad_budget_growth_pct",
    "cac",
    "organic_new_customers",
    "cogs_pct",
    "payment_fee_pct",
    "fixed_salaries",
    "fixed_tools",
    "fixed_other",
)
# The subscription-only drivers a commerce set holds at 0.
SUBSCRIPTION_ONLY = tuple(name for name in NAMES if name not in SHARED_NAMES)
MAX_CURVE_MONTHS = 36

COMMERCE_DRIVERS: tuple[Driver, ...] = (
    Driver(
        "meta_spend_share_pct",
        "Meta share of ad spend (%)",
        PERCENT,
        Decimal(0),
        Decimal(100),
        lever=False,
        help="Share of the ad budget spent on Meta; the rest on TikTok. Used with the two channel CACs.",
    ),
    Driver("cac_meta", "CAC Meta", MONEY, help="Meta spend per new customer; 0: use the blended CAC."),
    Driver("cac_tiktok", "CAC TikTok", MONEY, help="TikTok spend per new customer; 0: use the blended CAC."),
    Driver("first_order_aov", "First-order AOV (gross)", MONEY, help="Gross sales of a first order."),
    Driver("repeat_aov", "Repeat-order AOV (gross)", MONEY, help="Gross sales of a later order."),
    Driver(
        "orders_per_returning_customer",
        "Orders per returning customer",
        COUNT,
        help="Orders a returning customer places in a month they order in.",
    ),
    Driver("discount_pct", "Discounts (% of gross sales)", PERCENT, Decimal(0), Decimal(100)),
    Driver("returns_pct", "Returns (% of gross sales)", PERCENT, Decimal(0), Decimal(100)),
    Driver("fulfilment_per_order", "Shipping and fulfilment (/order)", MONEY),
    Driver(
        "repeat_tail_decay_pct",
        "Repeat curve decay beyond its end (%/month)",
        PERCENT,
        Decimal(0),
        Decimal(100),
        lever=False,
        help="0: the curve's last value holds; 10: it shrinks 10 % a month after its end.",
    ),
    Driver(
        "inventory_days",
        "Inventory days of cover",
        WHOLE,
        Decimal(0),
        Decimal(365),
        lever=False,
        help="Stock bought ahead of sales, as days of next month's COGS; 0: none.",
    ),
)
COMMERCE_BY_NAME = {driver.name: driver for driver in COMMERCE_DRIVERS}
COMMERCE_NAMES = tuple(COMMERCE_BY_NAME)
# Levers of the commerce model: the shared levers it reads, its own, and the repeat curve (scaled).
REPEAT_CURVE = "repeat_curve"
COMMERCE_LEVERS = tuple(
    [BY_NAME[name] for name in SHARED_NAMES if BY_NAME[name].lever]
    + [driver for driver in COMMERCE_DRIVERS if driver.lever]
    + [Driver(REPEAT_CURVE, "Repeat curve (every month)", PERCENT, Decimal(0), Decimal(100))]
)
COMMERCE_DEFAULTS = {
    "meta_spend_share_pct": Decimal(100),
    "cac_meta": Decimal(0),
    "cac_tiktok": Decimal(0),
    "first_order_aov": Decimal(0),
    "repeat_aov": Decimal(0),
    "orders_per_returning_customer": Decimal(1),
    "discount_pct": Decimal(0),
    "returns_pct": Decimal(0),
    "fulfilment_per_order": Decimal(0),
    "repeat_tail_decay_pct": Decimal(0),
    "inventory_days": Decimal(0),
}


def clean_commerce_values(raw: dict, *, required: bool = False, prefix: str = "") -> dict[str, Decimal]:
    """The commerce drivers of ``raw`` parsed and range-checked; DriverError lists every problem.

    Missing ones take ``COMMERCE_DEFAULTS`` unless ``required``.
    """
    values, problems = _parsed(
        raw, COMMERCE_DRIVERS, required=required, prefix=prefix, unknown="commerce driver"
    )
    disc, ret = values.get("discount_pct"), values.get("returns_pct")
    if disc is not None and ret is not None and disc + ret > 100:
        problems.append(
            (f"{prefix}returns_pct", f"Discounts and returns together exceed 100 % ({disc + ret} %)")
        )
    if problems:
        raise DriverError(problems)
    return values


def clean_repeat_curve(raw, *, prefix: str = REPEAT_CURVE) -> list[str]:
    """A list of percentages (month 1, 2, ... after the first order), each 0 to 100, at most 36."""
    if raw in (None, ""):
        return []
    if not isinstance(raw, list):
        raise DriverError([(prefix, "must be a list of percentages (month 1, 2, ... after the first order)")])
    if len(raw) > MAX_CURVE_MONTHS:
        raise DriverError([(prefix, f"has {len(raw)} months; at most {MAX_CURVE_MONTHS}")])
    share = Driver(REPEAT_CURVE, "Repeat share", PERCENT, Decimal(0), Decimal(100))
    problems, cleaned = [], []
    for number, item in enumerate(raw, start=1):
        try:
            value = parse_value(share, item)
        except ValueError as exc:
            problems.append((f"{prefix}[{number}]", str(exc)))
            continue
        problem = range_problem(share, value)
        if problem:
            problems.append((f"{prefix}[{number}]", f"a repeat share {problem}"))
            continue
        cleaned.append(plain(value))
    if problems:
        raise DriverError(problems)
    return cleaned


def clean_prior_cohorts(raw, *, prefix: str = "prior_cohorts") -> list[dict]:
    """``[{"month": "YYYY-MM", "customers": "120"}]``: the new customers of months before the start."""
    if raw in (None, ""):
        return []
    if not isinstance(raw, list):
        raise DriverError([(prefix, "must be a list of {month, customers}")])
    count_driver = Driver("customers", "customers", COUNT)
    problems, cleaned = [], []
    for number, item in enumerate(raw, start=1):
        where = f"{prefix}[{number}]"
        if not isinstance(item, dict) or set(item) - {"month", "customers"}:
            problems.append((where, "must be an object with month and customers"))
            continue
        try:
            month = parse_month(item.get("month"))
            customers = parse_value(count_driver, item.get("customers"))
            if customers < 0:
                raise ValueError(f"cannot be negative; got {customers}")
        except ValueError as exc:
            problems.append((where, str(exc)))
            continue
        cleaned.append({"month": f"{month:%Y-%m}", "customers": plain(customers)})
    if problems:
        raise DriverError(problems)
    return sorted(cleaned, key=lambda entry: entry["month"])
