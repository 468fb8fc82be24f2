"""Health checks of the metrics, run by every health sweep (registered through ``etl/health.py``)."""

from django.conf import settings
from django.db.models.functions import TruncDate

from etl.metrics.days import bounds, reporting_tz, trailing_window
from etl.models import AdInsightDaily, FxRate, Order
from health.registry import Finding, Severity, register_check


@register_check("metrics:fx-rates")
def missing_fx_rates() -> list[Finding]:
    """Days of the trailing window whose data is in a currency with no FX rate: the metrics would stop."""
    since, until = trailing_window()
    start, end = bounds(since, until)
    reporting = settings.REPORTING_CURRENCY
    needed = set(
        AdInsightDaily.objects.filter(date__gte=since, date__lte=until)
        .exclude(currency=reporting)
        .values_list("currency", "date")
        .distinct()
    )
    needed |= set(
        Order.objects.counted()
        .filter(created_at__gte=start, created_at__lt=end)
        .exclude(currency=reporting)
        .annotate(day=TruncDate("created_at", tzinfo=reporting_tz()))
        .values_list("currency", "day")
        .distinct()
    )
    have = set(FxRate.objects.filter(day__gte=since, day__lte=until).values_list("currency", "day"))
    missing: dict[str, list] = {}
    for currency, day in sorted(needed - have):
        missing.setdefault(currency, []).append(day)
    return [
        Finding(
            "metrics:fx-rates",
            Severity.ERROR,
            f"no FX rate for {currency} on {len(days)} day(s) of the last {settings.METRICS_TRAILING_DAYS} "
            f"(first {days[0].isoformat()}, last {days[-1].isoformat()}): the nightly metrics stop there",
            "add the rates under ETL > FX rates (or import a file there)",
        )
        for currency, days in missing.items()
    ]
