"""Reading numbers typed in by people: a finite ``Decimal`` or a ValueError naming the value."""

from decimal import Decimal, InvalidOperation


def decimal(value) -> Decimal:
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValueError(f"{value!r} is not a number") from None
    if not number.is_finite():
        raise ValueError(f"{value!r} is not a number")
    return number
