"""Dashboards: read-only pages over every area, under the admin (staff only).

``DASHBOARDS`` lists them; ``DashboardsConfig.ready()`` registers them with
the ground's ``bizops.core.boards`` for the admin index. Each names the
permission a user needs to see its link (the view checks it too).
"""

from bizops.core.boards import Dashboard

DASHBOARDS = [
    Dashboard(
        "Metrics",
        "metrics-dashboard",
        "Spend, sales, ROAS, MER, CAC and margins by day and channel.",
        "etl.view_dailymetric",
    ),
    Dashboard(
        "Forecast",
        "finance:forecast",
        "Net sales (or MRR) and cash by scenario, break-even, levers, actuals and the backtest.",
        "finance.view_forecastrun",
    ),
    Dashboard(
        "Experiment portfolio",
        "admin:flags_experiment_portfolio",
        "Experiment ideas ranked by ICE (impact, confidence, ease), and the experiments running now.",
        "flags.view_experiment",
    ),
]
