"""What the health sweep watches in the ETL app."""

from datetime import timedelta

from etl.metrics import checks  # noqa: F401 - registers the metrics checks
from health.registry import register_job

register_job(
    "etl.compute_metrics",
    every=timedelta(days=1),
    description="Daily metrics over the trailing window, nightly after the pulls.",
)

for _source, _label in [("meta", "Meta ads"), ("tiktok", "TikTok ads"), ("shopify", "Shopify orders")]:
    register_job(
        f"etl.pull_{_source}",
        every=timedelta(days=1),
        description=f"{_label}: the nightly pull (or a manual one).",
    )
