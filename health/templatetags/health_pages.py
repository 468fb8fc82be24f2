from django import template

register = template.Library()


@register.filter
def grouped(value) -> str:
    """An integer with thousands separators: 20000 -> "20,000"."""
    try:
        return f"{int(value):,}"
    except (TypeError, ValueError):
        return "-"
