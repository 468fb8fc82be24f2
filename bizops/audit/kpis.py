"""The KPIs the platform computes, and how a ticket's free-text KPI is matched to one.

Known: every figure of etl's metrics (``etl.selectors.summarise``'s keys) and
every KPI an analyzer measures. A ticket's KPI is read up to its first "("
(what follows explains it: "Activation rate (activated / signups)"),
normalised (lower case, runs of other characters to "_") and looked up by
key, by label, then in ``ALIASES``.
"""

import re

from etl.selectors import summarise

AUDIT_KPIS = {
    "blended_cac": "Blended CAC",
    "activation_rate": "Activation rate",
    "repeat_rate": "Repeat rate",
    "net_sales": "Net sales",
    "aov": "AOV",
    "refund_rate": "Refund rate",
    "mer": "MER",
    "cm3_per_order": "CM3 per order",
    "ltv_to_cac": "LTV:CAC",
    "data_quality": "Data quality score",
    "weekly_throughput": "Weekly throughput",
    "experiment_velocity": "Experiment velocity",
    "instrumentation": "Instrumentation score",
}
ALIASES = {
    "cac": "blended_cac",
    "roas": "blended_roas",
    "ltv_cac": "ltv_to_cac",
    "activation": "activation_rate",
}


def normalise(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


def known() -> dict[str, str]:
    metrics = {key: key.replace("_", " ") for key in summarise([], "all") if key != "days"}
    return {**metrics, **AUDIT_KPIS}


def match(text: str) -> str | None:
    """The known KPI key ``text`` names, or None."""
    name = normalise(text.split("(", 1)[0])
    if not name:
        return None
    table = known()
    if name in table:
        return name
    by_label = {normalise(label): key for key, label in table.items()}
    return by_label.get(name) or ALIASES.get(name)
