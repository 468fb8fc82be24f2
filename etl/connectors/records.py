"""The normalised records connectors yield and the loader writes."""

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from etl.errors import ProviderError


@dataclass(frozen=True)
class AccountRecord:
    platform: str
    external_id: str
    name: str
    currency: str
    timezone: str


@dataclass(frozen=True)
class InsightRecord:
    campaign_id: str
    campaign_name: str
    date: date
    spend: Decimal | None
    impressions: int | None
    clicks: int | None
    conversions: Decimal | None
    conversion_value: Decimal | None


@dataclass(frozen=True)
class LineRecord:
    external_id: int
    sku: str
    title: str
    quantity: int
    price: Decimal
    discount: Decimal
    unit_cost: Decimal | None


@dataclass(frozen=True)
class RefundRecord:
    external_id: int
    created_at: datetime
    amount: Decimal
    returns_amount: Decimal | None


@dataclass(frozen=True)
class OrderRecord:
    external_id: int
    name: str
    created_at: datetime
    processed_at: datetime | None
    updated_at: datetime
    cancelled_at: datetime | None
    test: bool
    currency: str
    subtotal: Decimal
    discounts: Decimal
    tax: Decimal
    shipping: Decimal
    total: Decimal
    current_total: Decimal
    customer_key: str
    lines: list[LineRecord] = field(default_factory=list)
    refunds: list[RefundRecord] = field(default_factory=list)


def money(value, what: str) -> Decimal | None:
    """A provider's money or count string -> Decimal; ``"-"``, ``""`` and null -> None."""
    if value is None or value in ("-", ""):
        return None
    try:
        result = Decimal(str(value))
    except InvalidOperation as exc:
        raise ProviderError(f"{what}: {value!r} is not a number") from exc
    if not result.is_finite():
        raise ProviderError(f"{what}: {value!r} is not a finite number")
    return result


def count(value, what: str) -> int | None:
    number = money(value, what)
    if number is None:
        return None
    if number != number.to_integral_value():
        raise ProviderError(f"{what}: {value!r} is not a whole number")
    return int(number)
