"""Finance engine speed: one 36-month forecast, and the full sensitivity (levers).

Printed next to a floor: the same recurrence written as a bare loop on
floats (what the arithmetic alone costs), and their ratio. Run by `make bench`.
"""

import datetime as dt
import sys
import time
from decimal import Decimal as D
from pathlib import Path

# Run as a script from anywhere: the project root on the path (the engine needs no Django).
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from finance.engine import Drivers, OneOff, forecast
from finance.levers import lever_effects

DRIVERS = Drivers(
    start_month=dt.date(2026, 1, 1),
    horizon_months=36,
    starting_cash=D("150000"),
    starting_customers=D("200"),
    starting_mrr=D("7000"),
    price=D("35"),
    ad_budget=D("6000"),
    ad_budget_growth_pct=D("5"),
    cac=D("60"),
    organic_new_customers=D("25"),
    churn_pct=D("6"),
    expansion_pct=D("1"),
    cogs_pct=D("30"),
    payment_fee_pct=D("3"),
    fixed_salaries=D("18000"),
    fixed_tools=D("2500"),
    fixed_other=D("3000"),
    one_off_costs=(OneOff(dt.date(2026, 4, 1), D("8000")),),
)


def floor_loop() -> float:
    customers, mrr, cash, budget = 200.0, 7000.0, 150000.0, 6000.0
    for _ in range(36):
        churned, churned_mrr = customers * 0.06, mrr * 0.06
        expansion = (mrr - churned_mrr) * 0.01
        new = budget / 60 + 25
        customers += new - churned
        mrr += new * 35 - churned_mrr + expansion
        profit = mrr * 0.67 - budget - 23500
        cash += profit
        budget *= 1.05
    return cash


def per_call(function, repeat: int) -> float:
    start = time.perf_counter()
    for _ in range(repeat):
        function()
    return (time.perf_counter() - start) / repeat


def main() -> None:
    floor = per_call(floor_loop, 2000)
    one = per_call(lambda: forecast(DRIVERS), 200)
    levers = per_call(lambda: lever_effects(DRIVERS), 10)
    print(f"floor (float loop, 36 months):      {floor * 1e6:9.1f} us")
    print(f"forecast (Decimal, 36 months):      {one * 1e6:9.1f} us  ratio to floor {one / floor:6.1f}x")
    print(f"levers (12 levers x 2 + base, 36 m): {levers * 1e3:8.2f} ms  = {levers / one:4.1f} forecasts")


if __name__ == "__main__":
    main()
