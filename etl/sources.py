"""The sources the ETL pulls: one list that everything about a source reads.

The pulls (``etl/pull.py``), the pipeline, the Celery tasks, the health
registration and ``etl_pull`` all read ``SOURCES``; a new source is one entry
here, its settings reader in ``etl/conf.py`` and its puller.

A source's job name is also its Celery task name and its lock: a pull started
by the task, by ``etl_pull`` or by the pipeline never overlaps another pull of
the same source. The puller and the settings reader are named, not imported:
this module stays light enough for start-up (``etl/health.py``), and a broken
connector fails its own source only, when it is pulled.
"""

from dataclasses import dataclass
from datetime import timedelta

from django.utils.module_loading import import_string


@dataclass(frozen=True)
class Source:
    name: str  # the command's argument, ``SyncState.source``
    label: str  # for people: progress lines, the dashboard's "as of"
    pulls: str  # what the pull brings, for the health sweep: "Meta ads"
    # ``fn(result, *, since, until, full_refresh, say, sleep)`` filling a ``PullResult``; a source
    # with several accounts also takes ``accounts`` (a subset to pull) and ``move_cursor``.
    puller: str
    # Reads and checks the settings the source needs; each ``ConfigError`` names the setting.
    settings_reader: str
    # How often a pull must succeed (the nightly pipeline), and how late it may be.
    every: timedelta = timedelta(days=1)
    grace: timedelta = timedelta(hours=2)
    # The attribute of the settings that lists the accounts (a list, or one name): the
    # nightly chord pulls each in its own task. Empty: the source is pulled as one task.
    accounts_setting: str = ""
    # Days per task when a long explicit range is split over workers (0: never split).
    chunk_days: int = 0

    def account_ids(self) -> list[str]:
        """The configured accounts (raises the settings reader's ``ConfigError``)."""
        if not self.accounts_setting:
            return []
        value = getattr(self.read_settings(), self.accounts_setting)
        return [value] if isinstance(value, str) else list(value)

    @property
    def job(self) -> str:
        """The job name, lock and Celery task name of this source's pull."""
        return f"etl.pull_{self.name}"

    @property
    def description(self) -> str:
        return f"{self.pulls}: the nightly pull (or a manual one)."

    def read_settings(self):
        return import_string(self.settings_reader)()

    def pull(self, result, **options) -> None:
        import_string(self.puller)(result, **options)


SOURCES: tuple[Source, ...] = (
    Source(
        "meta",
        "Meta",
        "Meta ads",
        "etl.pull.pull_ads",
        "etl.conf.meta_conf",
        accounts_setting="account_ids",
        chunk_days=91,
    ),
    Source(
        "tiktok",
        "TikTok",
        "TikTok ads",
        "etl.pull.pull_ads",
        "etl.conf.tiktok_conf",
        accounts_setting="advertiser_ids",
        chunk_days=91,
    ),
    Source(
        "shopify",
        "Shopify",
        "Shopify orders",
        "etl.pull_shopify.pull_shopify",
        "etl.conf.shopify_conf",
        accounts_setting="shop",
    ),
)
NAMES: tuple[str, ...] = tuple(source.name for source in SOURCES)


def get(name: str) -> Source | None:
    return next((source for source in SOURCES if source.name == name), None)
