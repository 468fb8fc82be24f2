"""Deterministic sample data for the sandbox: ad accounts, daily campaign numbers, orders.

The same seed, number of days and "now" give the same data. Everything is
generated with ``random.Random`` seeded by strings (stable across runs).
Money is Decimal, quantised to cents, as the providers report it.
"""

import random
import zoneinfo
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from etl.connectors.records import LineRecord

CENT = Decimal("0.01")
SHOP_ZONE = zoneinfo.ZoneInfo("America/Toronto")


def cents(value: float | Decimal) -> Decimal:
    return Decimal(str(value)).quantize(CENT)


@dataclass(frozen=True)
class Account:
    platform: str
    external_id: str
    name: str
    currency: str
    timezone: str
    campaigns: tuple[tuple[str, str], ...]  # (id, name)


ACCOUNTS = (
    Account(
        "meta",
        "act_1000000001",
        "Bizops Demo US",
        "USD",
        "America/Toronto",
        (
            ("120210000000000101", "Prospecting | Advantage+ Shopping"),
            ("120210000000000102", "Retargeting | DPA"),
            ("120210000000000103", "Brand | Reach"),
        ),
    ),
    # Another time zone and currency: its days end six hours before Toronto's.
    Account(
        "meta",
        "act_1000000002",
        "Bizops Demo EU",
        "EUR",
        "Europe/Berlin",
        (("120210000000000201", "EU Prospecting"), ("120210000000000202", "EU Retargeting")),
    ),
    Account(
        "tiktok",
        "7000000000000000001",
        "Bizops Demo TikTok",
        "USD",
        "America/Los_Angeles",
        (
            ("1826400000000001", "Spark | UGC Hooks"),
            ("1826400000000002", "Retargeting | Catalog"),
            # No pixel on its landing page: purchase metrics come back as "-".
            ("1826400000000003", "Awareness | TopView"),
        ),
    ),
)

PRODUCTS = (
    ("TEE-BLK-M", "Heavy Tee", "29.99", "8.40"),
    ("TEE-WHT-L", "Heavy Tee", "29.99", "8.40"),
    ("HOOD-GRY-L", "Hoodie", "64.00", "21.75"),
    ("CAP-NVY", "Dad Cap", "24.00", "6.10"),
    ("SOCK-3PK", "Socks (3 pack)", "18.00", "4.20"),
    ("BAG-TOTE", "Canvas Tote", "22.00", None),  # cost unknown
    ("MUG-LOGO", "Logo Mug", "16.00", "5.05"),
    ("JKT-RAIN", "Rain Jacket", "129.00", "48.90"),
)


@dataclass(frozen=True)
class InsightDay:
    campaign_id: str
    campaign_name: str
    day: date
    spend: Decimal
    impressions: int
    clicks: int
    purchases_click: int
    purchases_view: int
    value_click: Decimal
    value_view: Decimal
    tracked: bool = True  # False: the platform has no purchase data ("-")


@dataclass
class Refund:
    gid: int
    created_at: datetime
    amount: Decimal
    returns: Decimal


@dataclass
class Order:
    gid: int
    name: str
    created_at: datetime
    updated_at: datetime
    cancelled_at: datetime | None
    test: bool
    customer_id: int | None
    email: str
    subtotal: Decimal
    discounts: Decimal
    tax: Decimal
    shipping: Decimal
    total: Decimal
    lines: list[LineRecord] = field(default_factory=list)
    refunds: list[Refund] = field(default_factory=list)

    @property
    def current_total(self) -> Decimal:
        return self.total - sum((r.amount for r in self.refunds), Decimal(0))


class SandboxData:
    def __init__(
        self, *, seed: int = 1, days: int = 90, orders_per_day: int = 30, now: datetime | None = None
    ):
        self.seed, self.days, self.orders_per_day = seed, days, orders_per_day
        self.now = (now or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
        self.currency = "USD"
        self.orders = self._orders()
        self._insights: dict[str, list[InsightDay]] = {}

    def rng(self, *key) -> random.Random:
        return random.Random(":".join(str(k) for k in (self.seed, *key)))  # noqa: S311 (sample data)

    def account(self, platform: str, external_id: str) -> Account | None:
        return next((a for a in ACCOUNTS if a.platform == platform and a.external_id == external_id), None)

    def today(self, account: Account) -> date:
        return self.now.astimezone(zoneinfo.ZoneInfo(account.timezone)).date()

    def insights(self, account: Account) -> list[InsightDay]:
        """Every campaign-day with delivery, oldest first, in the account's days."""
        if account.external_id not in self._insights:
            last = self.today(account)
            rows = []
            for offset in range(self.days - 1, -1, -1):
                day = last - timedelta(days=offset)
                for index, (cid, name) in enumerate(account.campaigns):
                    row = self._insight_day(account, index, cid, name, day)
                    if row:
                        rows.append(row)
            self._insights[account.external_id] = rows
        return self._insights[account.external_id]

    def _insight_day(self, account: Account, index: int, cid: str, name: str, day: date) -> InsightDay | None:
        rng = self.rng("insight", account.external_id, cid, day.isoformat())
        if rng.random() < 0.08:
            return None  # no delivery that day: platforms leave the row out
        spend = cents(rng.uniform(40, 420) / (index + 1))
        impressions = int(float(spend) * rng.uniform(90, 170))
        clicks = int(impressions * rng.uniform(0.008, 0.022))
        tracked = not (account.platform == "tiktok" and index == 2)
        click_p = int(clicks * rng.uniform(0.01, 0.04)) if tracked else 0
        view_p = rng.randint(0, 3) if tracked else 0
        return InsightDay(
            cid,
            name,
            day,
            spend,
            impressions,
            clicks,
            click_p,
            view_p,
            cents(click_p * rng.uniform(45, 95)),
            cents(view_p * rng.uniform(45, 95)),
            tracked,
        )

    def _orders(self) -> list[Order]:
        orders = []
        first = self.now.astimezone(SHOP_ZONE).date() - timedelta(days=self.days - 1)
        number = 1000
        for offset in range(self.days):
            day = first + timedelta(days=offset)
            rng = self.rng("orders", day.isoformat())
            start = datetime.combine(day, datetime.min.time(), tzinfo=SHOP_ZONE)
            for index in range(max(0, self.orders_per_day + rng.randint(-5, 5))):
                created = (start + timedelta(seconds=rng.randint(0, 86399))).astimezone(UTC)
                if created > self.now:
                    continue
                number += 1
                orders.append(self._order(number, created, self.rng("order", day.isoformat(), index)))
        return orders

    def _order(self, number: int, created: datetime, rng: random.Random) -> Order:
        gid = 5_800_000_000_000 + number
        count = 25 if rng.random() < 0.003 else rng.randint(1, 4)  # a wholesale order now and then
        discount_rate = Decimal("0.10") if rng.random() < 0.2 else Decimal(0)
        lines = []
        for position in range(count):
            sku, title, price, cost = PRODUCTS[rng.randrange(len(PRODUCTS))]
            quantity = rng.randint(1, 3)
            price = Decimal(price)
            lines.append(
                LineRecord(
                    gid * 100 + position,
                    sku,
                    title,
                    quantity,
                    price,
                    cents(price * quantity * discount_rate),
                    Decimal(cost) if cost else None,
                )
            )
        gross = sum((line.price * line.quantity for line in lines), Decimal(0))
        discounts = sum((line.discount for line in lines), Decimal(0))
        subtotal = gross - discounts
        shipping = Decimal(0) if subtotal >= 75 else Decimal("7.95")
        tax = cents((subtotal + shipping) * Decimal("0.13"))
        total = subtotal + shipping + tax
        roll = rng.random()
        if roll < 0.55:
            customer_id, email = 7_200_000_000_000 + rng.randint(1, 4000), ""
        else:
            # Guest checkout: the same person types their email differently.
            guest = rng.randint(1, 2500)
            email = rng.choice(
                [f"guest{guest}@example.com", f" Guest{guest}@Example.com ", f"GUEST{guest}@example.COM"]
            )
            customer_id = None
        order = Order(
            gid=gid,
            name=f"#{number}",
            created_at=created,
            updated_at=created + timedelta(seconds=rng.randint(1, 90)),
            cancelled_at=None,
            test=number % 40 == 7,  # a test order now and then
            customer_id=customer_id,
            email=email.strip() if customer_id else email,
            subtotal=subtotal,
            discounts=discounts,
            tax=tax,
            shipping=shipping,
            total=total,
            lines=lines,
        )
        order.updated_at = min(order.updated_at, self.now)
        cancel_at = created + timedelta(hours=rng.randint(1, 20))
        if rng.random() < 0.03 and cancel_at <= self.now:
            # Cancelled and refunded in full.
            order.cancelled_at = cancel_at
            self._refund(order, cancel_at, total, subtotal, 1)
        elif rng.random() < 0.07:
            # A return days later: one unit of the first line, with its tax.
            line = lines[0]
            unit = line.price - cents(line.discount / line.quantity)
            when = created + timedelta(days=rng.randint(2, 12), seconds=rng.randint(0, 86399))
            self._refund(order, when, cents(unit * Decimal("1.13")), unit, 1)
        return order

    def _refund(self, order: Order, when: datetime, amount: Decimal, returns: Decimal, seq: int) -> None:
        if when > self.now:
            return  # not happened yet
        order.refunds.append(Refund(order.gid * 10 + seq, when, amount, returns))
        order.updated_at = max(order.updated_at, when)
