"""Settings checks of the connectors, the loader and the metrics (see ``bizops.checks``).

Credentials may be empty at start-up: a pull checks the ones its source needs
when it starts (``etl.conf``)."""

from django.conf import settings
from django.core.checks import Error, register

from bizops.checks import SETTINGS, out_of_bounds


@register(SETTINGS)
def connector_numbers(app_configs, **kwargs) -> list[Error]:
    return out_of_bounds(
        "etl.E001",
        {
            "META_LOOKBACK_DAYS": (1, None),
            "META_INITIAL_DAYS": (1, None),
            "META_DAYS_PER_REQUEST": (1, None),
            "TIKTOK_LOOKBACK_DAYS": (1, None),
            "TIKTOK_INITIAL_DAYS": (1, None),
            "SHOPIFY_OVERLAP_MINUTES": (0, None),
            "SHOPIFY_INITIAL_DAYS": (1, None),
            "SHOPIFY_BULK_THRESHOLD_DAYS": (1, None),
            "SHOPIFY_PAGE_SIZE": (1, 250),
            "ETL_HTTP_CONNECT_TIMEOUT": (0.1, None),
            "ETL_HTTP_READ_TIMEOUT": (0.1, None),
            "ETL_HTTP_MAX_RETRIES": (0, None),
            "ETL_HTTP_BACKOFF_MAX": (0, None),
            "ETL_HTTP_MAX_WAIT": (0, None),
            "ETL_BATCH_SIZE": (1, None),
            "PIPELINE_PULL_WAIT_SECONDS": (0, None),
            "METRICS_TRAILING_DAYS": (1, 3660),
        },
    )


@register(SETTINGS)
def gross_margin(app_configs, **kwargs) -> list[Error]:
    margin = settings.METRICS_DEFAULT_GROSS_MARGIN
    if 0 <= margin < 1:
        return []
    return [Error(f"METRICS_DEFAULT_GROSS_MARGIN={margin} must be a share from 0 to below 1", id="etl.E002")]
