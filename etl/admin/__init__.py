"""The ETL app's admin: source data views live in ``etl.admin.sources``."""

from etl.admin import sources  # noqa: F401 (registers the ModelAdmins)
