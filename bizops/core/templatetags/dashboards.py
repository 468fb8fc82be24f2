from decimal import Decimal

from django import template
from django.urls import reverse
from django.utils import timezone

from bizops.core.boards import registered_dashboards

register = template.Library()


@register.simple_tag
def dashboards_for(user) -> list[dict]:
    """The dashboards ``user`` may open, with their URLs."""
    return [
        {"title": board.title, "url": reverse(board.url_name), "description": board.description}
        for board in registered_dashboards()
        if user.has_perm(board.permission)
    ]


def _grouped(value: Decimal, places: int) -> str:
    return f"{value:,.{places}f}"


@register.simple_tag
def cell(value, kind: str) -> str:
    """A table or tile value as shown: "n/a" for an empty ratio, percent for shares."""
    if value is None or value == "":
        return "n/a" if kind not in {"text", "date", "datetime"} else ""
    if kind == "money" or kind == "number":
        return _grouped(Decimal(value), 2)
    if kind == "int":
        return _grouped(Decimal(value), 0)
    if kind == "ratio":
        return f"{Decimal(value):.2f}"
    if kind == "share":
        return f"{Decimal(value) * 100:.1f} %"
    if kind == "change":
        return f"{Decimal(value) * 100:+.1f} %"
    if kind == "date":
        return value.isoformat()
    if kind == "datetime":
        return f"{timezone.localtime(value):%Y-%m-%d %H:%M}"
    return str(value)


@register.filter
def row_cells(row: dict, table) -> list[tuple]:
    """(value, kind, key) of each column of ``table`` for ``row``."""
    return [(row.get(column.key), column.kind, column.key) for column in table.columns]


@register.filter
def row_link(index: int, table) -> str:
    return table.links.get(index, "")
