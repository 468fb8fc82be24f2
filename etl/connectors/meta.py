"""Meta Marketing API: ad account details and daily campaign insights.

- Account: ``GET /{version}/act_{id}?fields=account_id,name,currency,timezone_name``
  (https://developers.facebook.com/docs/marketing-api/reference/ad-account/).
- Insights: ``GET /{version}/act_{id}/insights`` with ``level=campaign``,
  ``time_increment=1``, a ``time_range`` in the account's time zone and cursor
  paging on ``paging.cursors.after``; the last page has no ``paging.next``
  (https://developers.facebook.com/docs/marketing-api/insights/ and
  https://developers.facebook.com/docs/graph-api/results). Every number is a string.
- The token travels in the ``Authorization`` header. ``paging.next`` is never
  followed as is: Meta puts ``access_token=`` in it.
- Errors are ``{"error": {message, type, code, error_subcode, is_transient,
  fbtrace_id}}``; rate limits are codes 4, 17, 32, 613 and 80000-80014, and
  the usage headers say how close we are
  (https://developers.facebook.com/docs/marketing-api/overview/rate-limiting,
  https://developers.facebook.com/docs/graph-api/overview/rate-limiting).
"""

import json
from collections.abc import Iterator
from datetime import date
from decimal import Decimal

import requests

from etl.conf import MetaConf
from etl.connectors.base import AdConnector
from etl.connectors.records import AccountRecord, InsightRecord, count, money
from etl.errors import AuthError, ProviderError, TransientError
from etl.http import parse_json, retry_after, where

PLATFORM = "meta"
RATE_LIMIT_CODES = {4, 17, 32, 613, *range(80000, 80015)}
# Token problems: 190 (invalid or expired OAuth token), 102 (session), 463/467 subcodes.
TOKEN_CODES = {102, 190}
# Missing permission (ads_read) or no access to the ad account.
PERMISSION_CODES = {10, *range(200, 300)}
PAGE_LIMIT = 500
# Usage percentage -> pause before the next request: slow down before the limit.
USAGE_PAUSES = ((95, 300.0), (85, 60.0), (75, 10.0))


def usage_pause(headers: requests.structures.CaseInsensitiveDict) -> float:
    """Seconds to pause given Meta's usage headers (0 when far from the limit)."""
    highest, regain = usage_levels(headers)
    if regain:
        return regain
    for threshold, pause in USAGE_PAUSES:
        if highest is not None and highest >= threshold:
            return pause
    return 0.0


def usage_levels(headers: requests.structures.CaseInsensitiveDict) -> tuple[float | None, float]:
    """The highest usage percentage Meta's usage headers report (None: no header), and the
    seconds until access is regained (business use case limits; 0 when not throttled)."""
    highest, regain = None, 0.0
    for name in ("x-app-usage", "x-ad-account-usage", "x-business-use-case-usage"):
        raw = headers.get(name)
        if not raw:
            continue
        try:
            payload = json.loads(raw)
        except ValueError:
            continue
        entries = [payload]
        if name == "x-business-use-case-usage" and isinstance(payload, dict):
            entries = [e for group in payload.values() if isinstance(group, list) for e in group]
        for entry in entries:
            if not isinstance(entry, dict):
                continue
            for key in ("call_count", "total_time", "total_cputime", "acc_id_util_pct"):
                if isinstance(entry.get(key), int | float):
                    highest = max(highest or 0.0, float(entry[key]))
            # In minutes (business use case rate limits).
            if isinstance(entry.get("estimated_time_to_regain_access"), int | float):
                regain = max(regain, float(entry["estimated_time_to_regain_access"]) * 60)
    return highest, regain


class MetaConnector(AdConnector):
    platform = PLATFORM
    conf: MetaConf

    @staticmethod
    def headers(conf: MetaConf) -> dict[str, str]:
        return {"Authorization": f"Bearer {conf.token}"}

    def url(self, path: str) -> str:
        return f"{self.conf.base_url}/{self.conf.version}/{path}"

    def classify(self, response: requests.Response) -> dict:
        body = parse_json(response, "Meta") if response.content else {}
        error = body.get("error") if isinstance(body, dict) else None
        pause = usage_pause(response.headers)
        used, _ = usage_levels(response.headers)
        if used is not None:
            self.http.stats.saw_quota(used)
        if error is None and response.ok:
            if pause:
                self.http.pause(pause)
            return body
        if error is None:
            if response.status_code == 429 or response.status_code >= 500:
                raise TransientError(
                    f"Meta answered HTTP {response.status_code} at {where(response.url)}",
                    wait=retry_after(response),
                )
            raise ProviderError(f"Meta answered HTTP {response.status_code} at {where(response.url)}")
        code = error.get("code")
        subcode = error.get("error_subcode")
        text = f"Meta error {code}" + (f"/{subcode}" if subcode else "") + f": {error.get('message', '')}"
        trace = f" (fbtrace_id {error['fbtrace_id']})" if error.get("fbtrace_id") else ""
        if code in TOKEN_CODES:
            raise AuthError(f"{text}{trace}. META_ACCESS_TOKEN was refused: create a new token and set it")
        if code in PERMISSION_CODES:
            raise AuthError(
                f"{text}{trace}. The token in META_ACCESS_TOKEN lacks ads_read on this ad account, or "
                "META_ACCOUNT_ID names an account the token cannot see"
            )
        if code in RATE_LIMIT_CODES or error.get("is_transient") or response.status_code >= 500:
            raise TransientError(f"{text}{trace}", wait=pause or retry_after(response), throttled=True)
        raise ProviderError(f"{text}{trace}")

    def account(self, account_id: str) -> AccountRecord:
        body = self.http.request(
            "GET",
            self.url(account_id),
            self.classify,
            params={"fields": "account_id,name,currency,timezone_name"},
        )
        try:
            return AccountRecord(
                platform=PLATFORM,
                external_id=account_id,
                name=body.get("name", ""),
                currency=body["currency"],
                timezone=body["timezone_name"],
            )
        except (KeyError, TypeError) as exc:
            raise ProviderError(f"Meta account {account_id}: the answer lacks {exc}") from exc

    def insight_pages(self, account_id: str, since: date, until: date) -> Iterator[list[InsightRecord]]:
        """Each page of daily campaign rows for ``since..until`` (days in the account's time zone)."""
        params = {
            "level": "campaign",
            "time_increment": "1",
            "fields": "campaign_id,campaign_name,spend,impressions,clicks,actions,action_values",
            "time_range": json.dumps({"since": since.isoformat(), "until": until.isoformat()}),
            "action_attribution_windows": json.dumps(self.conf.attribution_windows),
            "limit": str(PAGE_LIMIT),
        }
        after = None
        while True:
            page_params = {**params, **({"after": after} if after else {})}
            body = self.http.request(
                "GET", self.url(f"{account_id}/insights"), self.classify, params=page_params
            )
            if not isinstance(body.get("data"), list):
                raise ProviderError(f"Meta insights for {account_id}: the answer has no data list")
            yield [self.parse_row(row) for row in body["data"]]
            paging = body.get("paging") or {}
            after = (paging.get("cursors") or {}).get("after")
            if not paging.get("next") or not after:
                return

    def parse_row(self, row: dict) -> InsightRecord:
        where_ = f"Meta insight {row.get('campaign_id')} {row.get('date_start')}"
        try:
            day = date.fromisoformat(row["date_start"])
            campaign_id = str(row["campaign_id"])
        except (KeyError, ValueError, TypeError) as exc:
            raise ProviderError(f"{where_}: malformed row ({exc})") from exc
        return InsightRecord(
            campaign_id=campaign_id,
            campaign_name=row.get("campaign_name", ""),
            date=day,
            spend=money(row.get("spend"), f"{where_} spend"),
            impressions=count(row.get("impressions"), f"{where_} impressions"),
            clicks=count(row.get("clicks"), f"{where_} clicks"),
            conversions=self.purchase(row.get("actions"), f"{where_} actions"),
            conversion_value=self.purchase(row.get("action_values"), f"{where_} action_values"),
        )

    def purchase(self, actions: list | None, what: str) -> Decimal:
        """The configured purchase action only: ``purchase``, ``omni_purchase`` and the
        pixel event report the same purchases, so adding them would double count.

        With ``action_attribution_windows`` each entry carries one key per window
        (``7d_click``, ``1d_view``...); click and view windows do not overlap, so
        their sum is the count under the configured setting. Meta leaves out
        actions that did not happen: absent means zero.
        """
        for action in actions or []:
            if action.get("action_type") != self.conf.purchase_action_type:
                continue
            windows = [w for w in self.conf.attribution_windows if w in action]
            if windows:
                return sum((money(action[w], what) or Decimal(0) for w in windows), Decimal(0))
            return money(action.get("value"), what) or Decimal(0)
        return Decimal(0)
