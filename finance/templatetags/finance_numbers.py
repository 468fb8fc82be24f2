"""Numbers on the finance pages: thousands separators and two decimals everywhere, "n/a" for none."""

from decimal import Decimal

from django import template

register = template.Library()


@register.filter
def money(value) -> str:
    """12345.6 -> "12,345.60"; the currency is said once per table."""
    if value is None or value == "":
        return "n/a"
    return f"{Decimal(value):,.2f}"


@register.filter
def signed_pct(value) -> str:
    """-6.4 -> "-6.4 %"; None -> "n/a"."""
    if value is None or value == "":
        return "n/a"
    return f"{Decimal(value):+.1f} %"


@register.filter
def pct(value) -> str:
    if value is None or value == "":
        return "n/a"
    return f"{Decimal(value):.1f} %"


@register.filter
def get(mapping, key):
    return mapping.get(key) if mapping else None


@register.filter
def signed_money(value) -> str:
    """340.01 -> "+340.01", -340.01 -> "-340.01"."""
    if value is None or value == "":
        return "n/a"
    return f"{Decimal(value):+,.2f}"
