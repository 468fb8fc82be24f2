"""The ETL app's admin: source data in ``sources``, FX rates and daily metrics in ``metrics``."""

from etl.admin import metrics, sources  # noqa: F401 (registers the ModelAdmins)
