"""The metrics dashboard pages, under the admin (staff only, ``admin_view`` in urls.py)."""

from datetime import date

from django.conf import settings
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode

from bizops.dashboards import metrics, periods
from bizops.dashboards.tables import EXPORTERS, Column, Table
from etl.metrics.days import yesterday
from etl.selectors import Channel, orders_of_day

# The pages load only their own static files: no inline script or style.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)
ORDERS_PER_PAGE = 200


def _require(request: HttpRequest, *perms: str) -> None:
    if not request.user.has_perms(perms):
        raise PermissionDenied


def _page(request: HttpRequest, template: str, context: dict) -> HttpResponse:
    response = render(request, template, {**admin.site.each_context(request), **context})
    response["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    return response


def _export(request: HttpRequest, table: Table) -> HttpResponse | None:
    exporter = EXPORTERS.get(request.GET.get("export", ""))
    return exporter(table) if exporter else None


def _range_query(selection: periods.Selection) -> dict:
    if selection.preset == "custom":
        return {
            "range": "custom",
            "since": selection.current.since.isoformat(),
            "until": selection.current.until.isoformat(),
        }
    return {"range": selection.preset}


def metrics_dashboard(request: HttpRequest) -> HttpResponse:
    _require(request, "etl.view_dailymetric")
    selection = periods.select(request.GET, yesterday())
    channel = request.GET.get("channel", "")
    error = selection.error
    if channel and channel not in Channel.values:
        error, channel = f"unknown channel {channel!r}; showing all channels", ""
    range_query = _range_query(selection)
    page = metrics.build(selection, channel, urlencode(range_query))
    exported = _export(request, page.table)
    if exported:
        return exported
    here = {**range_query, **({"channel": channel} if channel else {})}
    return _page(
        request,
        "dashboard/metrics.html",
        {
            "title": "Metrics" if not channel else f"Metrics: {metrics.CHANNEL_LABELS[channel]} by day",
            "page": page,
            "error": error,
            "presets": [
                (key, label, urlencode({"range": key, **({"channel": channel} if channel else {})}))
                for key, label in periods.PRESETS.items()
            ],
            "csv_query": urlencode({**here, "export": "csv"}),
            "xlsx_query": urlencode({**here, "export": "xlsx"}),
            "overview_query": urlencode(range_query),
            "yesterday": yesterday(),
            "trailing_days": settings.METRICS_TRAILING_DAYS,
        },
    )


def _order_status(order) -> str:
    reason = order.excluded_because
    return f"{reason} (excluded)" if reason else "counted"


ORDER_COLUMNS = [
    Column("name", "Order", "text"),
    Column("created_at", "Created", "datetime"),
    Column("status", "Status", "text"),
    Column("first_order", "New customer", "text"),
    Column("currency", "Currency", "text"),
    Column("gross_sales", "Gross sales"),
    Column("discounts", "Discounts"),
    Column("net", "Gross - discounts"),
    Column("shipping", "Shipping"),
    Column("tax", "Tax"),
    Column("total", "Total"),
    Column("refunded", "Refunded (any day)"),
]


def _order_row(order) -> dict:
    return {
        "name": order.name or str(order.external_id),
        "created_at": order.created_at,
        "status": _order_status(order),
        "first_order": "yes" if order.is_first else "",
        "currency": order.currency,
        "gross_sales": order.gross_sales,
        "discounts": order.discounts,
        "net": order.gross_sales - order.discounts,
        "shipping": order.shipping,
        "tax": order.tax,
        "total": order.total,
        "refunded": order.refunded,
    }


def day_orders(request: HttpRequest, day: str) -> HttpResponse:
    _require(request, "etl.view_dailymetric", "etl.view_order")
    try:
        when = date.fromisoformat(day)
    except ValueError:
        raise Http404(f"{day!r} is not a date") from None
    shown = periods.shown_days(yesterday())
    if not shown.contains(when):
        return HttpResponseBadRequest(
            f"{when.isoformat()} is outside the days the dashboard shows "
            f"({shown.since.isoformat()} to {shown.until.isoformat()}); pick a day from the metrics table",
            content_type="text/plain; charset=utf-8",
        )
    orders = orders_of_day(when)
    title = f"Orders of {when:%A %b %-d, %Y}"
    if request.GET.get("export") in EXPORTERS:
        table = Table(title, f"orders-{when.isoformat()}", ORDER_COLUMNS, [_order_row(o) for o in orders])
        return _export(request, table)
    page = Paginator(orders, ORDERS_PER_PAGE).get_page(request.GET.get("page"))
    table = Table(title, f"orders-{when.isoformat()}", ORDER_COLUMNS, [_order_row(o) for o in page])
    return _page(
        request,
        "dashboard/day_orders.html",
        {
            "title": title,
            "day": when,
            "table": table,
            "page_obj": page,
            "back": reverse("metrics-dashboard") + "?" + urlencode({"channel": Channel.ALL}),
        },
    )
