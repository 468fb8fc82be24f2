"""The nine analyzers, in the order the report shows them: each module has ``analyze(period, data=None)``."""

from bizops.audit.analyzers import (
    acquisition,
    activation,
    data_quality,
    execution,
    experimentation,
    instrumentation,
    retention,
    revenue,
    unit_economics,
)

ANALYZERS = [
    acquisition,
    activation,
    retention,
    revenue,
    unit_economics,
    data_quality,
    execution,
    experimentation,
    instrumentation,
]
