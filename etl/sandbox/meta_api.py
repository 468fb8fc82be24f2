"""The sandbox's Meta Marketing API: ``/vXX.0/act_<id>`` and ``/vXX.0/act_<id>/insights``.

Shapes follow reference/payloads/meta_*.json and Meta's docs: every number a
string, ``paging.cursors.after`` with ``paging.next`` only when more rows
follow, errors as ``{"error": {...}}`` with usage headers on rate limits
(https://developers.facebook.com/docs/marketing-api/insights/,
https://developers.facebook.com/docs/graph-api/overview/rate-limiting).
"""

import json
import re
from datetime import date

from etl.sandbox.data import SandboxData
from etl.sandbox.faults import Fault
from etl.sandbox.replies import Reply, page_offset, page_token

ROUTE = re.compile(r"^/(v\d+\.\d+)/(act_\d+)(/insights)?/?$")
PURCHASE_TYPES = ("offsite_conversion.fb_pixel_purchase", "purchase", "omni_purchase")


def error(code: int, message: str, *, subcode: int | None = None, transient: bool = False, status: int = 400):
    body = {
        "error": {"message": message, "type": "OAuthException", "code": code, "fbtrace_id": "AsandboxTrace1"}
    }
    if subcode:
        body["error"]["error_subcode"] = subcode
    if transient:
        body["error"]["is_transient"] = True
    return Reply(status, body)


def usage_headers(account_number: str, percent: float, regain_minutes: float) -> dict[str, str]:
    return {
        "x-app-usage": json.dumps(
            {"call_count": percent, "total_time": percent / 2, "total_cputime": percent / 3}
        ),
        "x-ad-account-usage": json.dumps({"acc_id_util_pct": percent, "reset_time_duration": 60}),
        "x-business-use-case-usage": json.dumps(
            {
                account_number: [
                    {
                        "type": "ads_insights",
                        "call_count": percent,
                        "total_cputime": percent / 3,
                        "total_time": percent / 2,
                        "estimated_time_to_regain_access": regain_minutes,
                    }
                ]
            }
        ),
    }


def handle(data: SandboxData, path: str, query: dict[str, str], headers, fault: Fault | None) -> Reply:
    match = ROUTE.match(path)
    if not match:
        return error(803, f"Unknown path components: {path}", status=404)
    _version, account_id, insights = match.groups()
    account = data.account("meta", account_id)
    auth = headers.get("Authorization", "")
    if "access_token" in query:
        return error(100, "The sandbox refuses tokens in the URL: send them in the Authorization header")
    if not auth.startswith("Bearer ") or not auth[7:].strip():
        return error(104, "An access token is required to request this resource.")
    number = account_id.removeprefix("act_")
    if fault and fault.kind == "expired_token":
        return error(190, "Error validating access token: Session has expired.", subcode=463)
    if fault and fault.kind in ("meta_17", "meta_80000"):
        code, message = (
            (17, "User request limit reached")
            if fault.kind == "meta_17"
            else (80000, "There have been too many calls from this ad-account. Wait a bit and try again.")
        )
        reply = error(code, message, subcode=2446079, transient=True)
        reply.headers = usage_headers(number, 100, fault.regain_minutes)
        return reply
    if account is None:
        return error(
            100, f"Unsupported get request. Object with ID '{account_id}' does not exist", subcode=33
        )
    reply = account_reply(account, number) if not insights else insights_reply(data, account, path, query)
    if fault and fault.kind == "meta_usage" and reply.status == 200:
        reply.headers = usage_headers(number, 90, 0)
    return reply


def account_reply(account, number: str) -> Reply:
    return Reply(
        200,
        {
            "account_id": number,
            "id": account.external_id,
            "name": account.name,
            "currency": account.currency,
            "timezone_name": account.timezone,
        },
    )


def insights_reply(data: SandboxData, account, path: str, query: dict[str, str]) -> Reply:
    if query.get("level") != "campaign" or query.get("time_increment") != "1":
        return error(100, "The sandbox answers level=campaign&time_increment=1 only")
    try:
        window = json.loads(query["time_range"])
        since, until = date.fromisoformat(window["since"]), date.fromisoformat(window["until"])
        windows = json.loads(query.get("action_attribution_windows", '["7d_click","1d_view"]'))
        limit = min(int(query.get("limit", 25)), 500)
    except (KeyError, ValueError, TypeError):
        return error(100, "Invalid parameter: time_range, action_attribution_windows or limit")
    if since > until:
        return error(100, "Invalid parameter: time_range since is after until")
    fields = set(query.get("fields", "").split(","))
    rows = [r for r in data.insights(account) if since <= r.day <= until]
    offset = page_offset(query.get("after"))
    if offset < 0:
        return error(100, "Invalid parameter: after is not a cursor")
    page = rows[offset : offset + limit]
    body = {"data": [row_json(account, r, fields, windows) for r in page]}
    if page:
        body["paging"] = {"cursors": {"before": page_token(offset), "after": page_token(offset + len(page))}}
        if offset + len(page) < len(rows):
            params = "&".join(f"{k}={v}" for k, v in query.items() if k != "after")
            body["paging"]["next"] = f"{path}?{params}&after={page_token(offset + len(page))}"
    return Reply(200, body)


def row_json(account, row, fields: set[str], windows: list[str]) -> dict:
    out = {"account_id": account.external_id.removeprefix("act_")}
    values = {
        "campaign_id": row.campaign_id,
        "campaign_name": row.campaign_name,
        "account_currency": account.currency,
        "spend": str(row.spend),
        "impressions": str(row.impressions),
        "clicks": str(row.clicks),
    }
    out.update({k: v for k, v in values.items() if k in fields})
    if "actions" in fields:
        out["actions"] = [{"action_type": "link_click", "value": str(row.clicks)}]
        if row.purchases_click or row.purchases_view:
            split = window_split(row.purchases_click, row.purchases_view, windows)
            out["actions"] += [{"action_type": t, **split} for t in PURCHASE_TYPES]
    if "action_values" in fields and (row.value_click or row.value_view):
        split = window_split(row.value_click, row.value_view, windows)
        out["action_values"] = [{"action_type": t, **split} for t in PURCHASE_TYPES]
    out["date_start"] = out["date_stop"] = row.day.isoformat()
    return out


def window_split(click, view, windows: list[str]) -> dict[str, str]:
    """``value`` under the default setting (7d_click + 1d_view), plus one key per requested window."""
    parts = {"value": str(click + view)}
    for window in windows:
        if window.endswith("_click"):
            parts[window] = str(click)
        elif window == "1d_view":
            parts[window] = str(view)
    return parts
