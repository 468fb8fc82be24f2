"""Daily metrics: ad insights and orders turned into ``DailyMetric`` rows.

- ``definitions``: every metric's formula (one function each);
- ``sources``: the database aggregation of the source tables by reporting day;
- ``customers``: ``FirstOrder`` (new customers);
- ``fx``: conversion with the day's ``FxRate``; ``MissingFxRate``;
- ``compute``: ``compute(since, until)``, the one entry point that writes.
"""

from etl.metrics.compute import ComputeResult, compute
from etl.metrics.fx import MissingFxRate

__all__ = ["ComputeResult", "MissingFxRate", "compute"]
