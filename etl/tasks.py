"""Celery tasks: thin wrappers over ``etl.pull.pull_source``.

Each runs under the job lock (``JobTask``), so two pulls of one source never
overlap; the HTTP layer already retries what is transient, so a task that
raises has failed for a reason a person must look at.
"""

from datetime import date

from etl.pull import pull_source
from health.runners import job_task


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _pull(source: str, since: str | None, until: str | None) -> dict:
    return pull_source(source, since=_day(since), until=_day(until)).as_dict()


@job_task(name="etl.pull_meta")
def pull_meta(since: str | None = None, until: str | None = None) -> dict:
    return _pull("meta", since, until)


@job_task(name="etl.pull_tiktok")
def pull_tiktok(since: str | None = None, until: str | None = None) -> dict:
    return _pull("tiktok", since, until)


@job_task(name="etl.pull_shopify")
def pull_shopify(since: str | None = None, until: str | None = None) -> dict:
    return _pull("shopify", since, until)
