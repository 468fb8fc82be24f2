from etl.admin import metrics  # noqa: F401
