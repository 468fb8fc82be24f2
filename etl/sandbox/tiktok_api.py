"""The sandbox's TikTok Business API v1.3: ``advertiser/info/`` and ``report/integrated/get/``.

HTTP 200 for everything, success or not, with the body's ``code``; metrics as
strings and ``"-"`` where there is no value; at most 30 days per report
request with ``stat_time_day`` (reference/payloads/tiktok_*.json; TikTok API
for Business docs, "Synchronous report" and "Return codes").
"""

import json
import uuid
from datetime import date, timedelta

from etl.sandbox.data import ACCOUNTS, SandboxData
from etl.sandbox.faults import Fault
from etl.sandbox.replies import Reply

PREFIX = "/open_api/v1.3/"
DIMENSIONS = ["campaign_id", "stat_time_day"]


def answer(code: int = 0, message: str = "OK", data: dict | None = None) -> Reply:
    return Reply(
        200, {"code": code, "message": message, "request_id": uuid.uuid4().hex.upper(), "data": data or {}}
    )


def handle(data: SandboxData, path: str, query: dict[str, str], headers, fault: Fault | None) -> Reply:
    if not headers.get("Access-Token"):
        return answer(40104, "Access token is null, you should set it in http header with key Access-Token.")
    if fault and fault.kind == "expired_token":
        return answer(40105, "Access token is incorrect or has been revoked.")
    if fault and fault.kind == "tiktok_40100":
        return answer(
            40100,
            "Too many requests. App [7190000000000000000] reaches the QPS limit 10, current QPS is 14. "
            "Please try again later.",
        )
    endpoint = path.removeprefix(PREFIX).strip("/")
    try:
        if endpoint == "advertiser/info":
            return advertiser_info(query)
        if endpoint == "report/integrated/get":
            return report(data, query)
    except (KeyError, ValueError, TypeError) as exc:
        return answer(40002, f"Invalid parameters: {exc}")
    return Reply(404, {"code": 40400, "message": f"unknown endpoint {path}"})


def advertiser_info(query: dict[str, str]) -> Reply:
    wanted = json.loads(query["advertiser_ids"])
    found = [
        {
            "advertiser_id": a.external_id,
            "name": a.name,
            "currency": a.currency,
            "timezone": "Etc/GMT+8",
            "display_timezone": a.timezone,
        }
        for a in ACCOUNTS
        if a.platform == "tiktok" and a.external_id in wanted
    ]
    if not found:
        return answer(40002, "No permission to operate advertiser.")
    return answer(data={"list": found})


def report(data: SandboxData, query: dict[str, str]) -> Reply:
    account = data.account("tiktok", query["advertiser_id"])
    if account is None:
        return answer(40002, "No permission to operate advertiser.")
    if query.get("report_type") != "BASIC" or query.get("data_level") != "AUCTION_CAMPAIGN":
        return answer(40002, "The sandbox answers report_type=BASIC, data_level=AUCTION_CAMPAIGN only")
    if json.loads(query["dimensions"]) != DIMENSIONS:
        return answer(40002, f"dimensions must be {DIMENSIONS}")
    metrics = json.loads(query["metrics"])
    start, end = date.fromisoformat(query["start_date"]), date.fromisoformat(query["end_date"])
    if end < start or end - start >= timedelta(days=30):
        return answer(40002, "The time span between start_date and end_date must be within 30 days.")
    page, size = int(query.get("page", 1)), int(query.get("page_size", 10))
    if not 1 <= size <= 1000 or page < 1:
        return answer(40002, "page_size must be between 1 and 1000")
    rows = [r for r in data.insights(account) if start <= r.day <= end]
    chosen = rows[(page - 1) * size : page * size]
    total_page = max(1, -(-len(rows) // size))
    return answer(
        data={
            "list": [row_json(r, metrics, account.currency) for r in chosen],
            "page_info": {
                "page": page,
                "page_size": size,
                "total_number": len(rows),
                "total_page": total_page,
            },
        }
    )


def row_json(row, metrics: list[str], currency: str) -> dict:
    purchases = row.purchases_click + row.purchases_view
    value = row.value_click + row.value_view
    values = {
        "campaign_name": row.campaign_name,
        "spend": str(row.spend),
        "impressions": str(row.impressions),
        "clicks": str(row.clicks),
        "complete_payment": str(purchases) if row.tracked else "-",
        "total_complete_payment_rate": str(value) if row.tracked else "-",
        "value_per_complete_payment": str((value / purchases).quantize(value))
        if purchases and row.tracked
        else "-",
        "currency": currency,
    }
    return {
        "dimensions": {"campaign_id": row.campaign_id, "stat_time_day": f"{row.day.isoformat()} 00:00:00"},
        "metrics": {m: values.get(m, "-") for m in metrics},
    }
