"""What the two ad-platform connectors have in common."""

from collections.abc import Iterator
from datetime import date

from etl.connectors.records import AccountRecord, InsightRecord
from etl.http import HttpClient


class AdConnector:
    """An ad platform: its accounts' details, then daily campaign rows, page by page."""

    platform = ""

    def __init__(self, conf, http: HttpClient):
        self.conf = conf
        self.http = http

    def account(self, account_id: str) -> AccountRecord:
        raise NotImplementedError

    def insight_pages(self, account_id: str, since: date, until: date) -> Iterator[list[InsightRecord]]:
        raise NotImplementedError
