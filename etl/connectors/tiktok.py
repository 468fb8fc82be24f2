"""TikTok Business API v1.3: advertiser details and the daily campaign report.

- ``GET /open_api/v1.3/advertiser/info/`` (advertiser_ids, fields) for the
  advertiser's currency and time zone
  (TikTok API for Business docs, "Get info of advertiser accounts").
- ``GET /open_api/v1.3/report/integrated/get/`` with ``report_type=BASIC``,
  ``data_level=AUCTION_CAMPAIGN``, dimensions ``campaign_id`` and
  ``stat_time_day``, ``page``/``page_size`` (at most 1000) and at most 30 days
  per request when ``stat_time_day`` is a dimension
  (https://business-api.tiktok.com/portal/docs?id=1740302848100353).
- The token goes in the ``Access-Token`` header. Answers are HTTP 200 even for
  errors: the body's ``code`` is 0 on success; 40100 is the QPS limit, 5xxxx
  server trouble, 40104/40105 a bad token
  (TikTok API for Business docs, "Return codes"; reference/payloads/tiktok_error_codes.json).
- Metrics are strings; a metric with no value is ``"-"`` and becomes null.
- Purchase value: TikTok's metric reference names the web "Complete Payment"
  page event's total value ``total_complete_payment_rate`` (despite "rate", it
  is the summed value; ``value_per_complete_payment`` is its average and
  ``complete_payment_roas`` its ROAS), counted by ``complete_payment``
  (TikTok API for Business docs, "Metrics" > "Page event metrics"; the Ads
  Manager glossary https://ads.tiktok.com/help/article/page-events).
"""

import json
import zoneinfo
from collections.abc import Iterator
from datetime import date, datetime

import requests

from etl.conf import TikTokConf
from etl.connectors.base import AdConnector
from etl.connectors.records import AccountRecord, InsightRecord, count, money
from etl.errors import AuthError, ProviderError, TransientError
from etl.http import parse_json, retry_after, where

PLATFORM = "tiktok"
API = "open_api/v1.3"
PAGE_SIZE = 1000
MAX_DAYS = 30
METRICS = [
    "campaign_name",
    "spend",
    "impressions",
    "clicks",
    "complete_payment",
    "total_complete_payment_rate",
]
TOKEN_CODES = {40102, 40104, 40105}
PERMISSION_CODES = {40001, 40002}
RATE_LIMIT_CODE = 40100


class TikTokConnector(AdConnector):
    platform = PLATFORM
    conf: TikTokConf

    @staticmethod
    def headers(conf: TikTokConf) -> dict[str, str]:
        return {"Access-Token": conf.token}

    def url(self, path: str) -> str:
        return f"{self.conf.base_url}/{API}/{path}/"

    def classify(self, response: requests.Response) -> dict:
        if response.status_code == 429 or response.status_code >= 500:
            raise TransientError(
                f"TikTok answered HTTP {response.status_code} at {where(response.url)}",
                wait=retry_after(response),
            )
        body = parse_json(response, "TikTok")
        if not response.ok or not isinstance(body, dict):
            raise ProviderError(f"TikTok answered HTTP {response.status_code} at {where(response.url)}")
        code = body.get("code")
        if code == 0:
            return body.get("data") or {}
        text = f"TikTok error {code}: {body.get('message', '')} (request_id {body.get('request_id', '?')})"
        if code == RATE_LIMIT_CODE:
            raise TransientError(text, throttled=True)
        if isinstance(code, int) and 50000 <= code <= 59999:
            raise TransientError(text)
        if code in TOKEN_CODES:
            raise AuthError(
                f"{text}. TIKTOK_ACCESS_TOKEN was refused: create a new long-term token and set it"
            )
        if code in PERMISSION_CODES:
            raise AuthError(
                f"{text}. The token in TIKTOK_ACCESS_TOKEN has no access to the advertiser named in "
                "TIKTOK_ADVERTISER_ID"
            )
        raise ProviderError(text)

    def account(self, advertiser_id: str) -> AccountRecord:
        data = self.http.request(
            "GET",
            self.url("advertiser/info"),
            self.classify,
            params={
                "advertiser_ids": json.dumps([advertiser_id]),
                "fields": json.dumps(["advertiser_id", "name", "currency", "timezone", "display_timezone"]),
            },
        )
        found = [a for a in data.get("list") or [] if str(a.get("advertiser_id")) == advertiser_id]
        if not found:
            raise AuthError(
                f"TikTok advertiser {advertiser_id} (TIKTOK_ADVERTISER_ID) is not visible to the token"
            )
        info = found[0]
        return AccountRecord(
            platform=PLATFORM,
            external_id=advertiser_id,
            name=info.get("name") or "",
            currency=info.get("currency") or "",
            timezone=self.zone_name(info),
        )

    @staticmethod
    def zone_name(info: dict) -> str:
        # display_timezone is an IANA name ("America/Los_Angeles"); timezone may be an
        # offset zone ("Etc/GMT+8"), still valid for zoneinfo.
        for key in ("display_timezone", "timezone"):
            name = info.get(key)
            if name:
                try:
                    zoneinfo.ZoneInfo(name)
                    return name
                except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                    continue
        raise ProviderError(f"TikTok advertiser {info.get('advertiser_id')}: no usable time zone in {info}")

    def insight_pages(self, advertiser_id: str, since: date, until: date) -> Iterator[list[InsightRecord]]:
        """Each page of daily campaign rows; ``since..until`` must span at most 30 days."""
        if (until - since).days + 1 > MAX_DAYS:
            raise ValueError(f"TikTok reports take at most {MAX_DAYS} days per request")
        page = 1
        while True:
            data = self.http.request(
                "GET",
                self.url("report/integrated/get"),
                self.classify,
                params={
                    "advertiser_id": advertiser_id,
                    "report_type": "BASIC",
                    "data_level": "AUCTION_CAMPAIGN",
                    "dimensions": json.dumps(["campaign_id", "stat_time_day"]),
                    "metrics": json.dumps(METRICS),
                    "start_date": since.isoformat(),
                    "end_date": until.isoformat(),
                    "page": str(page),
                    "page_size": str(PAGE_SIZE),
                },
            )
            yield [self.parse_row(row) for row in data.get("list") or []]
            info = data.get("page_info") or {}
            if page >= int(info.get("total_page") or 1):
                return
            page += 1

    @staticmethod
    def parse_row(row: dict) -> InsightRecord:
        dims, metrics = row.get("dimensions") or {}, row.get("metrics") or {}
        what = f"TikTok report row {dims.get('campaign_id')} {dims.get('stat_time_day')}"
        try:
            day = datetime.strptime(dims["stat_time_day"], "%Y-%m-%d %H:%M:%S").date()  # noqa: DTZ007 (a day)
            campaign_id = str(dims["campaign_id"])
        except (KeyError, ValueError, TypeError) as exc:
            raise ProviderError(f"{what}: malformed dimensions ({exc})") from exc
        campaign_name = metrics.get("campaign_name")
        return InsightRecord(
            campaign_id=campaign_id,
            campaign_name="" if campaign_name in (None, "-") else campaign_name,
            date=day,
            spend=money(metrics.get("spend"), f"{what} spend"),
            impressions=count(metrics.get("impressions"), f"{what} impressions"),
            clicks=count(metrics.get("clicks"), f"{what} clicks"),
            conversions=money(metrics.get("complete_payment"), f"{what} complete_payment"),
            conversion_value=money(
                metrics.get("total_complete_payment_rate"), f"{what} total_complete_payment_rate"
            ),
        )
