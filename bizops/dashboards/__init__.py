"""Dashboards: read-only pages over every area, under the admin (staff only).

``DASHBOARDS`` lists them for the admin index; each names the permission a
user needs to see its link (the view checks it too).
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Dashboard:
    title: str
    url_name: str
    description: str
    permission: str


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
        "MRR and cash by scenario, break-even, top levers, actuals against the forecast.",
        "finance.view_forecastrun",
    ),
    Dashboard(
        "Experiment portfolio",
        "admin:flags_experiment_portfolio",
        "Experiment ideas ranked by ICE (impact, confidence, ease), and the experiments running now.",
        "flags.view_experiment",
    ),
]
