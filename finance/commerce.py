"""The commerce forecast engine: a store's orders, cohorts and margins. Pure Python and Decimal.

Month by month (month 1 is the start month; rates are percentages, divided by 100):

    ad spend              = ad budget x (1 + budget growth) ^ (month - 1)
    paid new customers    = ad spend / CAC                         (one blended CAC), or, when a
                            channel CAC is given, Meta spend / CAC Meta + TikTok spend / CAC TikTok
                            with Meta spend = ad spend x Meta share (a channel CAC of 0 falls back
                            to the blended CAC)
    new customers         = paid new customers + organic new customers
    repeat share(k)       = repeat curve[k] for k = 1..n (the curve's n months); beyond its end
                            curve[n] x (1 - decay) ^ (k - n)  (a decay of 0 holds the last value)
    returning customers   = sum over earlier cohorts c of  new customers[c] x repeat share(month - c)
                            (the cohorts before the start month are the set's prior cohorts)
    returning orders      = returning customers x orders per returning customer
    orders                = new customers + returning orders       (one first order each)
    gross sales           = new customers x first-order AOV + returning orders x repeat AOV
    discounts             = gross sales x discounts %
    returns               = gross sales x returns %
    net sales             = gross sales - discounts - returns
    COGS                  = net sales x COGS %
    CM1                   = net sales - COGS                         (the dashboard's CM1)
    payment fees          = net sales x payment fees %
    fulfilment and fees   = orders x shipping and fulfilment per order + payment fees
    CM2                   = CM1 - fulfilment and fees
    CM3                   = CM2 - ad spend   (the dashboard's CM3 = CM1 - ad spend, as it records
                            no fulfilment or fee costs; the two agree when those are 0)
    operating profit      = CM3 - fixed costs
    stock held            = next month's COGS x inventory days / 30   (the last month: its own COGS;
                            the start month's stock is on hand already, inside starting cash)
    inventory cash        = stock held - last month's stock held     (cash tied up in stock)
    cash                  = previous cash + operating profit - one-off costs - inventory cash
    runway (months)       = cash / monthly burn, while the month burns cash

Customers and orders are expected values kept to 2 decimal places; money to
the cent (half up), each amount rounded before it is summed, as in
``finance.engine``.

Unit economics (per new customer):

    order CM2             = AOV x (1 - discounts - returns) x (1 - COGS - fees) - fulfilment per order
    effective CAC         = the blended CAC, or ad spend / paid new customers at the channel mix
    12-month value        = first-order CM2 + sum for k = 1..11 of repeat share(k) x orders per
                            returning customer x repeat-order CM2
    LTV:CAC               = 12-month value / effective CAC
    CAC payback (months)  = 0 when the first order's CM2 covers the CAC, else the first k (up to 36)
                            at which first-order CM2 + the repeat CM2 of months 1..k covers it
"""

import datetime as dt
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_UP, Decimal, localcontext

from finance.drivers import add_months, month_index
from finance.engine import CENT, HUNDRED, ZERO, OneOff, _runway, count, money

ENGINE_VERSION = "c1"
PAYBACK_LIMIT = 36


@dataclass(frozen=True)
class CommerceDrivers:
    start_month: dt.date
    horizon_months: int
    starting_cash: Decimal
    ad_budget: Decimal
    ad_budget_growth_pct: Decimal
    cac: Decimal
    organic_new_customers: Decimal
    cogs_pct: Decimal
    payment_fee_pct: Decimal
    fixed_salaries: Decimal
    fixed_tools: Decimal
    fixed_other: Decimal
    first_order_aov: Decimal
    repeat_aov: Decimal
    orders_per_returning_customer: Decimal = Decimal(1)
    discount_pct: Decimal = ZERO
    returns_pct: Decimal = ZERO
    fulfilment_per_order: Decimal = ZERO
    meta_spend_share_pct: Decimal = HUNDRED
    cac_meta: Decimal = ZERO
    cac_tiktok: Decimal = ZERO
    repeat_tail_decay_pct: Decimal = ZERO
    inventory_days: Decimal = ZERO
    #: Percent of a cohort ordering again in month 1, 2, ... after its first order.
    repeat_curve: tuple[Decimal, ...] = ()
    #: (month, new customers) of the cohorts before the start month.
    prior_cohorts: tuple[tuple[dt.date, Decimal], ...] = ()
    one_off_costs: tuple[OneOff, ...] = field(default_factory=tuple)

    def with_values(self, **values) -> "CommerceDrivers":
        return replace(self, **values)

    @property
    def fixed_costs(self) -> Decimal:
        return self.fixed_salaries + self.fixed_tools + self.fixed_other

    @property
    def by_channel(self) -> bool:
        return self.cac_meta > 0 or self.cac_tiktok > 0

    def channel_cacs(self) -> tuple[Decimal, Decimal]:
        return (self.cac_meta or self.cac, self.cac_tiktok or self.cac)

    def repeat_share(self, k: int) -> Decimal:
        """The share (0..1) of a cohort ordering again in month ``k`` after its first (k >= 1)."""
        curve = self.repeat_curve
        if k < 1 or not curve:
            return ZERO
        if k <= len(curve):
            return curve[k - 1] / HUNDRED
        return curve[-1] / HUNDRED * (1 - self.repeat_tail_decay_pct / HUNDRED) ** (k - len(curve))

    def effective_cac(self) -> Decimal | None:
        """Ad spend per paid new customer at the set's channel mix; None without a CAC."""
        if not self.by_channel:
            return self.cac if self.cac > 0 else None
        meta, tiktok = self.channel_cacs()
        share = self.meta_spend_share_pct / HUNDRED
        per_dollar = (share / meta if meta > 0 else ZERO) + ((1 - share) / tiktok if tiktok > 0 else ZERO)
        return money(1 / per_dollar) if per_dollar > 0 else None


@dataclass(frozen=True)
class CommerceMonth:
    month: int
    period: dt.date
    new_customers: Decimal
    returning_customers: Decimal
    orders: Decimal
    gross_sales: Decimal
    discounts: Decimal
    returns: Decimal
    net_sales: Decimal
    cogs: Decimal
    cm1: Decimal
    payment_fees: Decimal
    fulfilment_fees: Decimal
    cm2: Decimal
    ad_spend: Decimal
    cm3: Decimal
    fixed_costs: Decimal
    operating_profit: Decimal
    one_off_costs: Decimal
    inventory_cash: Decimal
    cash: Decimal
    runway_months: Decimal | None


COMMERCE_COLUMNS = [f for f in CommerceMonth.__dataclass_fields__ if f not in ("month", "period")]


@dataclass(frozen=True)
class CommerceEconomics:
    effective_cac: Decimal | None
    first_order_cm2: Decimal
    repeat_order_cm2: Decimal
    repeat_orders_12: Decimal
    value_12: Decimal
    ltv_to_cac: Decimal | None
    cac_payback_months: int | None


@dataclass(frozen=True)
class CommerceSummary:
    month_12_net_sales: Decimal
    ending_cash: Decimal
    break_even_month: int | None
    break_even_period: dt.date | None
    cash_trough: Decimal
    cash_trough_month: int
    cash_out_month: int | None
    total_net_sales: Decimal
    total_operating_profit: Decimal
    unit_economics: CommerceEconomics


@dataclass(frozen=True)
class CommerceForecast:
    drivers: CommerceDrivers
    months: list[CommerceMonth]
    summary: CommerceSummary


def project(drivers: CommerceDrivers) -> list[CommerceMonth]:
    with localcontext() as context:
        context.prec = 60
        return _project(drivers)


def _paid_new(drivers: CommerceDrivers, spend: Decimal) -> Decimal:
    if not drivers.by_channel:
        return count(spend / drivers.cac) if drivers.cac > 0 else ZERO
    meta_cac, tiktok_cac = drivers.channel_cacs()
    meta_spend = money(spend * drivers.meta_spend_share_pct / HUNDRED)
    tiktok_spend = spend - meta_spend
    meta = count(meta_spend / meta_cac) if meta_cac > 0 else ZERO
    tiktok = count(tiktok_spend / tiktok_cac) if tiktok_cac > 0 else ZERO
    return meta + tiktok


def _project(drivers: CommerceDrivers) -> list[CommerceMonth]:
    growth = 1 + drivers.ad_budget_growth_pct / HUNDRED
    one_offs: dict[int, Decimal] = {}
    for one_off in drivers.one_off_costs:
        index = month_index(drivers.start_month, one_off.month)
        one_offs[index] = one_offs.get(index, ZERO) + money(one_off.amount)
    fixed = money(drivers.fixed_costs)
    organic = count(drivers.organic_new_customers)
    # Cohorts by month index: 0, -1, ... before the start; 1..horizon the forecast's own.
    cohorts: dict[int, Decimal] = {}
    for period, customers in drivers.prior_cohorts:
        index = month_index(drivers.start_month, period)
        if index <= 0:
            cohorts[index] = cohorts.get(index, ZERO) + customers
    budget = drivers.ad_budget
    rows = []
    for number in range(1, drivers.horizon_months + 1):
        ad_spend = money(budget)
        budget = budget * growth
        new = _paid_new(drivers, ad_spend) + organic
        returning = count(
            sum((size * drivers.repeat_share(number - index) for index, size in cohorts.items()), ZERO)
        )
        cohorts[number] = new
        returning_orders = count(returning * drivers.orders_per_returning_customer)
        orders = new + returning_orders
        gross = money(new * drivers.first_order_aov + returning_orders * drivers.repeat_aov)
        discounts = money(gross * drivers.discount_pct / HUNDRED)
        returns = money(gross * drivers.returns_pct / HUNDRED)
        net = gross - discounts - returns
        cogs = money(net * drivers.cogs_pct / HUNDRED)
        cm1 = net - cogs
        fees = money(net * drivers.payment_fee_pct / HUNDRED)
        fulfilment_fees = money(orders * drivers.fulfilment_per_order) + fees
        cm2 = cm1 - fulfilment_fees
        cm3 = cm2 - ad_spend
        rows.append(
            {
                "month": number,
                "period": add_months(drivers.start_month, number - 1),
                "new_customers": new,
                "returning_customers": returning,
                "orders": orders,
                "gross_sales": gross,
                "discounts": discounts,
                "returns": returns,
                "net_sales": net,
                "cogs": cogs,
                "cm1": cm1,
                "payment_fees": fees,
                "fulfilment_fees": fulfilment_fees,
                "cm2": cm2,
                "ad_spend": ad_spend,
                "cm3": cm3,
                "fixed_costs": fixed,
                "operating_profit": cm3 - fixed,
                "one_off_costs": one_offs.get(number, ZERO),
            }
        )
    cover = Decimal(drivers.inventory_days) / 30
    stock = (
        [money(row["cogs"] * cover) for row in rows[1:]] + [money(rows[-1]["cogs"] * cover)] if rows else []
    )
    held = money(rows[0]["cogs"] * cover) if rows else ZERO
    cash = money(drivers.starting_cash)
    months = []
    for row, stock_held in zip(rows, stock, strict=True):
        inventory_cash = stock_held - held
        held = stock_held
        flow = row["operating_profit"] - row["one_off_costs"] - inventory_cash
        cash = cash + flow
        months.append(
            CommerceMonth(**row, inventory_cash=inventory_cash, cash=cash, runway_months=_runway(cash, flow))
        )
    return months


def order_cm2(drivers: CommerceDrivers, aov: Decimal) -> Decimal:
    """AOV x (1 - discounts - returns) x (1 - COGS - fees) - fulfilment per order."""
    net_share = 1 - (drivers.discount_pct + drivers.returns_pct) / HUNDRED
    margin = 1 - (drivers.cogs_pct + drivers.payment_fee_pct) / HUNDRED
    return money(aov * net_share * margin - drivers.fulfilment_per_order)


def unit_economics(drivers: CommerceDrivers) -> CommerceEconomics:
    first = order_cm2(drivers, drivers.first_order_aov)
    repeat = order_cm2(drivers, drivers.repeat_aov)
    opr = drivers.orders_per_returning_customer
    repeat_orders_12 = sum((drivers.repeat_share(k) * opr for k in range(1, 12)), ZERO)
    value = money(first + repeat_orders_12 * repeat)
    cac = drivers.effective_cac()
    ratio = (value / cac).quantize(CENT, rounding=ROUND_HALF_UP) if cac else None
    payback = None
    if cac:
        total = Decimal(first)
        for k in range(PAYBACK_LIMIT + 1):
            if k:
                total += drivers.repeat_share(k) * opr * repeat
            if total >= cac:
                payback = k
                break
    return CommerceEconomics(
        effective_cac=cac,
        first_order_cm2=first,
        repeat_order_cm2=repeat,
        repeat_orders_12=repeat_orders_12.quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP),
        value_12=value,
        ltv_to_cac=ratio,
        cac_payback_months=payback,
    )


def break_even_month(months: list[CommerceMonth]) -> int | None:
    """The first month whose operating profit is zero or more; None: not within the horizon."""
    return next((m.month for m in months if m.operating_profit >= 0), None)


def summarise(drivers: CommerceDrivers, months: list[CommerceMonth]) -> CommerceSummary:
    starting_cash = money(drivers.starting_cash)
    trough = min(months, key=lambda m: (m.cash, m.month))
    if trough.cash < starting_cash:
        cash_trough, trough_month = trough.cash, trough.month
    else:
        cash_trough, trough_month = starting_cash, 0
    even = break_even_month(months)
    last = months[-1]
    with localcontext() as context:
        context.prec = 60
        economics = unit_economics(drivers)
    return CommerceSummary(
        month_12_net_sales=months[11].net_sales if len(months) >= 12 else last.net_sales,
        ending_cash=last.cash,
        break_even_month=even,
        break_even_period=add_months(drivers.start_month, even - 1) if even else None,
        cash_trough=cash_trough,
        cash_trough_month=trough_month,
        cash_out_month=next((m.month for m in months if m.cash < 0), None),
        total_net_sales=sum((m.net_sales for m in months), ZERO),
        total_operating_profit=sum((m.operating_profit for m in months), ZERO),
        unit_economics=economics,
    )


def forecast(drivers: CommerceDrivers) -> CommerceForecast:
    months = project(drivers)
    return CommerceForecast(drivers=drivers, months=months, summary=summarise(drivers, months))
