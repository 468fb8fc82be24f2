"""Small hand-computed forecasts (3 months, round inputs) shared by the finance tests.

Every expected figure below was worked out by hand from the formulas in
``finance/engine.py``'s docstring; the working is in the comments.
"""

import datetime as dt
from decimal import Decimal as D

from finance.engine import Drivers, OneOff

JAN = dt.date(2026, 1, 1)

# A growing business: 100 customers at 50 a month, 10 % churn, 2 % expansion,
# ad budget 1,000 growing 10 % a month at a CAC of 100, 5 organic customers.
GROWING = Drivers(
    start_month=JAN,
    horizon_months=3,
    starting_cash=D("10000"),
    starting_customers=D("100"),
    starting_mrr=D("5000"),
    price=D("50"),
    ad_budget=D("1000"),
    ad_budget_growth_pct=D("10"),
    cac=D("100"),
    organic_new_customers=D("5"),
    churn_pct=D("10"),
    expansion_pct=D("2"),
    cogs_pct=D("20"),
    payment_fee_pct=D("5"),
    fixed_salaries=D("2000"),
    fixed_tools=D("500"),
    fixed_other=D("500"),
)

COLUMNS = [
    "new_customers",
    "churned_customers",
    "active_customers",
    "new_mrr",
    "expansion_mrr",
    "churned_mrr",
    "mrr",
    "revenue",
    "cogs",
    "payment_fees",
    "gross_profit",
    "ad_spend",
    "fixed_costs",
    "operating_profit",
    "one_off_costs",
    "cash",
    "runway_months",
]

# month 1: churned 100 x 10 % = 10 and 5000 x 10 % = 500; expansion (5000 - 500) x 2 % = 90;
#   ads 1000 / 100 = 10 paid + 5 organic = 15 new, 15 x 50 = 750 new MRR;
#   active 100 - 10 + 15 = 105; MRR 5000 - 500 + 90 + 750 = 5340; COGS 20 % = 1068;
#   fees 5 % = 267; gross 4005; operating 4005 - 1000 - 3000 = 5; cash 10005.
# month 2: churned 10.5 and 534; expansion 4806 x 2 % = 96.12; ads 1100 -> 11 + 5 = 16 new, 800;
#   active 110.5; MRR 5702.12; COGS 1140.424 -> 1140.42; fees 285.106 -> 285.11; gross 4276.59;
#   operating 4276.59 - 1100 - 3000 = 176.59; cash 10181.59.
# month 3: churned 11.05 and 570.212 -> 570.21; expansion 5131.91 x 2 % = 102.6382 -> 102.64;
#   ads 1210 -> 12.1 + 5 = 17.1 new, 855; active 116.55; MRR 6089.55; COGS 1217.91;
#   fees 304.4775 -> 304.48; gross 4567.16; operating 357.16; cash 10538.75.
GROWING_ROWS = {
    "new_customers": ["15", "16", "17.1"],
    "churned_customers": ["10", "10.5", "11.05"],
    "active_customers": ["105", "110.5", "116.55"],
    "new_mrr": ["750", "800", "855"],
    "expansion_mrr": ["90", "96.12", "102.64"],
    "churned_mrr": ["500", "534", "570.21"],
    "mrr": ["5340", "5702.12", "6089.55"],
    "revenue": ["5340", "5702.12", "6089.55"],
    "cogs": ["1068", "1140.42", "1217.91"],
    "payment_fees": ["267", "285.11", "304.48"],
    "gross_profit": ["4005", "4276.59", "4567.16"],
    "ad_spend": ["1000", "1100", "1210"],
    "fixed_costs": ["3000", "3000", "3000"],
    "operating_profit": ["5", "176.59", "357.16"],
    "one_off_costs": ["0", "0", "0"],
    "cash": ["10005", "10181.59", "10538.75"],
    "runway_months": [None, None, None],
}

# A new business with no customers and no churn, burning cash, with a one-off
# cost of 1,000 in February: price 100, ads 2,000 a month at a CAC of 200.
STARTING = Drivers(
    start_month=JAN,
    horizon_months=3,
    starting_cash=D("12000"),
    starting_customers=D("0"),
    starting_mrr=D("0"),
    price=D("100"),
    ad_budget=D("2000"),
    ad_budget_growth_pct=D("0"),
    cac=D("200"),
    organic_new_customers=D("0"),
    churn_pct=D("0"),
    expansion_pct=D("0"),
    cogs_pct=D("0"),
    payment_fee_pct=D("0"),
    fixed_salaries=D("3000"),
    fixed_tools=D("0"),
    fixed_other=D("0"),
    one_off_costs=(OneOff(dt.date(2026, 2, 1), D("1000"), "Trade show"),),
)

# month 1: 10 new, MRR 1000, operating 1000 - 2000 - 3000 = -4000, cash 8000, runway 8000 / 4000 = 2.
# month 2: MRR 2000, operating -3000, one-off 1000, cash 4000, burn 4000 -> runway 1.
# month 3: MRR 3000, operating -2000, cash 2000, runway 1.
STARTING_ROWS = {
    "new_customers": ["10", "10", "10"],
    "churned_customers": ["0", "0", "0"],
    "active_customers": ["10", "20", "30"],
    "new_mrr": ["1000", "1000", "1000"],
    "expansion_mrr": ["0", "0", "0"],
    "churned_mrr": ["0", "0", "0"],
    "mrr": ["1000", "2000", "3000"],
    "revenue": ["1000", "2000", "3000"],
    "cogs": ["0", "0", "0"],
    "payment_fees": ["0", "0", "0"],
    "gross_profit": ["1000", "2000", "3000"],
    "ad_spend": ["2000", "2000", "2000"],
    "fixed_costs": ["3000", "3000", "3000"],
    "operating_profit": ["-4000", "-3000", "-2000"],
    "one_off_costs": ["0", "1000", "0"],
    "cash": ["8000", "4000", "2000"],
    "runway_months": ["2", "1", "1"],
}


def as_table(months) -> dict[str, list]:
    """A forecast's months as {column: [month 1, month 2, ...]}."""
    return {column: [getattr(month, column) for month in months] for column in COLUMNS}


def expected(columns: dict[str, list]) -> dict[str, list]:
    assert list(columns) == COLUMNS, "every output column is checked"
    return {
        column: [None if cell is None else D(cell) for cell in cells] for column, cells in columns.items()
    }
