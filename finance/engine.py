"""The forecast engine: pure Python and Decimal, no Django.

Month by month (month 1 is the start month):

    opening customers / MRR = the previous month's closing ones (month 0: the starting ones)
    churned customers  = opening customers x churn
    churned MRR        = opening MRR x churn        (leavers take the average ARPA)
    expansion MRR      = (opening MRR - churned MRR) x expansion
    ad spend           = ad budget x (1 + budget growth) ^ (month - 1)
    new customers      = ad spend / CAC + organic new customers
    new MRR            = new customers x price
    active customers   = opening - churned + new
    MRR                = opening MRR - churned MRR + expansion MRR + new MRR
    revenue            = MRR (every customer active at the month's end pays that month)
    gross profit       = revenue - COGS - payment fees
    operating profit   = gross profit - ad spend - fixed costs
    cash               = previous cash + operating profit - one-off costs
    runway (months)    = cash / monthly burn, while the month burns cash

Customers are expected values, kept to 2 decimal places; money to the cent
(half up). Every amount is rounded before it is summed, so the columns add
up exactly, as a spreadsheet of the same rows would.
"""

import datetime as dt
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_UP, Decimal, localcontext

from finance.drivers import add_months, month_index

ENGINE_VERSION = "1"
CENT = Decimal("0.01")
HUNDRED = Decimal(100)
ZERO = Decimal(0)


def money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def count(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class OneOff:
    month: dt.date
    amount: Decimal
    label: str = ""


@dataclass(frozen=True)
class Drivers:
    """The inputs of one forecast, in the units of ``finance.drivers`` (rates in percent)."""

    start_month: dt.date
    horizon_months: int
    starting_cash: Decimal
    starting_customers: Decimal
    starting_mrr: Decimal
    price: Decimal
    ad_budget: Decimal
    ad_budget_growth_pct: Decimal
    cac: Decimal
    organic_new_customers: Decimal
    churn_pct: Decimal
    expansion_pct: Decimal
    cogs_pct: Decimal
    payment_fee_pct: Decimal
    fixed_salaries: Decimal
    fixed_tools: Decimal
    fixed_other: Decimal
    one_off_costs: tuple[OneOff, ...] = field(default_factory=tuple)

    def with_values(self, **values) -> "Drivers":
        return replace(self, **values)

    @property
    def fixed_costs(self) -> Decimal:
        return self.fixed_salaries + self.fixed_tools + self.fixed_other

    @property
    def gross_margin_pct(self) -> Decimal:
        return HUNDRED - self.cogs_pct - self.payment_fee_pct


@dataclass(frozen=True)
class Month:
    month: int
    period: dt.date
    new_customers: Decimal
    churned_customers: Decimal
    active_customers: Decimal
    new_mrr: Decimal
    expansion_mrr: Decimal
    churned_mrr: Decimal
    mrr: Decimal
    revenue: Decimal
    cogs: Decimal
    payment_fees: Decimal
    gross_profit: Decimal
    ad_spend: Decimal
    fixed_costs: Decimal
    operating_profit: Decimal
    one_off_costs: Decimal
    cash: Decimal
    #: Months of cash left at this month's burn; None when the month does not burn cash.
    runway_months: Decimal | None


MONTH_COLUMNS = [f for f in Month.__dataclass_fields__ if f not in ("month", "period")]


@dataclass(frozen=True)
class UnitEconomics:
    churn_pct_used: Decimal
    churn_floored: bool
    gross_margin_pct: Decimal
    ltv: Decimal | None
    cac_payback_months: Decimal | None
    ltv_to_cac: Decimal | None


@dataclass(frozen=True)
class Summary:
    month_12_mrr: Decimal
    ending_mrr: Decimal
    ending_customers: Decimal
    ending_cash: Decimal
    break_even_month: int | None
    break_even_period: dt.date | None
    cash_trough: Decimal
    cash_trough_month: int
    cash_out_month: int | None
    total_revenue: Decimal
    total_operating_profit: Decimal
    unit_economics: UnitEconomics


@dataclass(frozen=True)
class Forecast:
    drivers: Drivers
    months: list[Month]
    summary: Summary


def _runway(cash: Decimal, net_cash_flow: Decimal) -> Decimal | None:
    if net_cash_flow >= 0:
        return None
    if cash <= 0:
        return ZERO
    return (cash / -net_cash_flow).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def project(drivers: Drivers) -> list[Month]:
    # Enough digits for any valid input compounded over 36 months.
    with localcontext() as context:
        context.prec = 60
        return _project(drivers)


def _project(drivers: Drivers) -> list[Month]:
    churn = drivers.churn_pct / HUNDRED
    expansion = drivers.expansion_pct / HUNDRED
    growth = 1 + drivers.ad_budget_growth_pct / HUNDRED
    one_offs: dict[int, Decimal] = {}
    for one_off in drivers.one_off_costs:
        index = month_index(drivers.start_month, one_off.month)
        one_offs[index] = one_offs.get(index, ZERO) + money(one_off.amount)
    fixed = money(drivers.fixed_costs)
    organic = count(drivers.organic_new_customers)

    customers = count(Decimal(drivers.starting_customers))
    mrr = money(drivers.starting_mrr)
    cash = money(drivers.starting_cash)
    budget = drivers.ad_budget
    months = []
    for number in range(1, drivers.horizon_months + 1):
        churned = count(customers * churn)
        churned_mrr = money(mrr * churn)
        expansion_mrr = money((mrr - churned_mrr) * expansion)
        ad_spend = money(budget)
        budget = budget * growth
        paid_new = count(ad_spend / drivers.cac) if drivers.cac > 0 else ZERO
        new = paid_new + organic
        new_mrr = money(new * drivers.price)
        customers = customers - churned + new
        mrr = mrr - churned_mrr + expansion_mrr + new_mrr
        revenue = mrr
        cogs = money(revenue * drivers.cogs_pct / HUNDRED)
        fees = money(revenue * drivers.payment_fee_pct / HUNDRED)
        gross_profit = revenue - cogs - fees
        operating_profit = gross_profit - ad_spend - fixed
        one_off = one_offs.get(number, ZERO)
        cash = cash + operating_profit - one_off
        months.append(
            Month(
                month=number,
                period=add_months(drivers.start_month, number - 1),
                new_customers=new,
                churned_customers=churned,
                active_customers=customers,
                new_mrr=new_mrr,
                expansion_mrr=expansion_mrr,
                churned_mrr=churned_mrr,
                mrr=mrr,
                revenue=revenue,
                cogs=cogs,
                payment_fees=fees,
                gross_profit=gross_profit,
                ad_spend=ad_spend,
                fixed_costs=fixed,
                operating_profit=operating_profit,
                one_off_costs=one_off,
                cash=cash,
                runway_months=_runway(cash, operating_profit - one_off),
            )
        )
    return months


def break_even_month(months: list[Month]) -> int | None:
    """The first month whose operating profit is zero or more; None: not within the horizon."""
    return next((m.month for m in months if m.operating_profit >= 0), None)


def unit_economics(drivers: Drivers, churn_floor_pct: Decimal) -> UnitEconomics:
    """LTV = ARPA x gross margin / churn; CAC payback = CAC / (ARPA x gross margin).

    A churn below the floor (zero churn above all) would make LTV infinite: the
    floor is used instead, and the summary says so.
    """
    floored = drivers.churn_pct < churn_floor_pct
    churn_pct = churn_floor_pct if floored else drivers.churn_pct
    margin_pct = drivers.gross_margin_pct
    monthly_margin = drivers.price * margin_pct / HUNDRED
    ltv = money(monthly_margin / (churn_pct / HUNDRED)) if churn_pct > 0 else None
    payback = None
    ratio = None
    if drivers.cac > 0 and monthly_margin > 0:
        payback = (drivers.cac / monthly_margin).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    if drivers.cac > 0 and ltv is not None:
        ratio = (ltv / drivers.cac).quantize(CENT, rounding=ROUND_HALF_UP)
    return UnitEconomics(
        churn_pct_used=churn_pct,
        churn_floored=floored,
        gross_margin_pct=margin_pct,
        ltv=ltv,
        cac_payback_months=payback,
        ltv_to_cac=ratio,
    )


def summarise(drivers: Drivers, months: list[Month], churn_floor_pct: Decimal) -> Summary:
    starting_cash = money(drivers.starting_cash)
    trough = min(months, key=lambda m: (m.cash, m.month))
    if trough.cash < starting_cash:
        cash_trough, trough_month = trough.cash, trough.month
    else:
        cash_trough, trough_month = starting_cash, 0
    even = break_even_month(months)
    last = months[-1]
    return Summary(
        month_12_mrr=months[11].mrr if len(months) >= 12 else last.mrr,
        ending_mrr=last.mrr,
        ending_customers=last.active_customers,
        ending_cash=last.cash,
        break_even_month=even,
        break_even_period=add_months(drivers.start_month, even - 1) if even else None,
        cash_trough=cash_trough,
        cash_trough_month=trough_month,
        cash_out_month=next((m.month for m in months if m.cash < 0), None),
        total_revenue=sum((m.revenue for m in months), ZERO),
        total_operating_profit=sum((m.operating_profit for m in months), ZERO),
        unit_economics=unit_economics(drivers, churn_floor_pct),
    )


def forecast(drivers: Drivers, churn_floor_pct: Decimal = Decimal(1)) -> Forecast:
    months = project(drivers)
    return Forecast(drivers=drivers, months=months, summary=summarise(drivers, months, churn_floor_pct))
