"""The metric definitions: one function per ratio, each citing its formula.

Every function takes additive sums (``Decimal`` money in the reporting
currency, integer counts) and returns a ``Decimal``, or ``None`` when the
denominator is zero or missing: a ratio over zero is "n/a", never 0 or
infinity. ``derive()`` applies them all to one set of sums, so a day's row
(``etl.metrics.compute``) and a whole period (the dashboard, which adds the
daily rows up first) use exactly the same formulas; ratios are never averaged.

The sales lines follow Shopify's sales report (gross, discounts, returns on
the refund's day, net, total); the margins follow the contribution-margin
ladder CM1 (after goods), CM2 (after fulfilment and fees), CM3 (after ads).
"""

from collections.abc import Mapping
from decimal import ROUND_HALF_EVEN, Decimal

Number = Decimal | int

ZERO = Decimal(0)
# Places kept on DailyMetric: money and ROAS-like ratios 4, shares 6.
MONEY_PLACES = Decimal("0.0001")
SHARE_PLACES = Decimal("0.000001")

# Sums that add up across days (and across channels for the advertising ones).
ADVERTISING_FIELDS = ["spend", "impressions", "clicks", "platform_conversions", "platform_conversion_value"]
ADDITIVE_FIELDS = [
    *ADVERTISING_FIELDS,
    "orders",
    "gross_sales",
    "discounts",
    "returns",
    "net_sales",
    "total_sales",
    "new_customers",
    "cogs",
    "cm1",
    "cm3",
]
# Ratios that are cost-like: a rise is bad news (the dashboard inverts colours).
COST_METRICS = {"spend", "cpc", "cpm", "blended_cac", "refund_rate", "discounts", "returns", "cogs"}


def q(value: Decimal | None, places: Decimal = MONEY_PLACES) -> Decimal | None:
    """Round half-even to the places stored on DailyMetric (None stays None)."""
    return None if value is None else Decimal(value).quantize(places, rounding=ROUND_HALF_EVEN)


def ratio(numerator: Number | None, denominator: Number | None) -> Decimal | None:
    """numerator / denominator, or None ("n/a") when the denominator is 0 or unknown."""
    if numerator is None or denominator is None or denominator == 0:
        return None
    return Decimal(numerator) / Decimal(denominator)


def ctr(clicks: int, impressions: int) -> Decimal | None:
    """Click-through rate = clicks / impressions, as a share (0.0123 is 1.23 %)."""
    return ratio(clicks, impressions)


def cpc(spend: Decimal, clicks: int) -> Decimal | None:
    """Cost per click = ad spend / clicks."""
    return ratio(spend, clicks)


def cpm(spend: Decimal, impressions: int) -> Decimal | None:
    """Cost per mille = ad spend / impressions x 1000."""
    value = ratio(spend, impressions)
    return None if value is None else value * 1000


def channel_roas(conversion_value: Decimal, spend: Decimal) -> Decimal | None:
    """Channel ROAS = platform-attributed conversion value / the channel's spend.

    Non-additive: Meta and TikTok can both claim the same order, so it is
    never summed or averaged into the blended figure (see ``blended_roas``).
    """
    return ratio(conversion_value, spend)


def net_sales(gross: Decimal, discounts: Decimal, returns: Decimal) -> Decimal:
    """Net sales = gross sales - discounts - returns (excludes tax and shipping)."""
    return gross - discounts - returns


def total_sales(net: Decimal, shipping: Decimal, tax: Decimal, refunded_other: Decimal) -> Decimal:
    """Total sales = net sales + shipping + taxes - shipping and taxes refunded that day.

    ``refunded_other`` is what refunds paid back beyond the returned goods
    (refund amount - returns). Over time this equals order totals minus
    everything refunded, Shopify's "total sales".
    """
    return net + shipping + tax - refunded_other


def aov(net: Decimal, orders: int) -> Decimal | None:
    """Average order value = net sales / orders."""
    return ratio(net, orders)


def blended_roas(net: Decimal, spend: Decimal) -> Decimal | None:
    """Blended ROAS = net sales / total ad spend (all channels; revenue basis: net sales)."""
    return ratio(net, spend)


def mer(total: Decimal, spend: Decimal) -> Decimal | None:
    """MER, labelled "revenue / spend" = total sales / total ad spend.

    Some tools invert it (spend / revenue); this one is revenue over spend,
    on total sales, so it differs from blended ROAS (net sales) by shipping
    and tax.
    """
    return ratio(total, spend)


def blended_cac(spend: Decimal, new_customers: int) -> Decimal | None:
    """Blended CAC = total ad spend / new customers (first valid order that day)."""
    return ratio(spend, new_customers)


def refund_rate(returns: Decimal, gross: Decimal) -> Decimal | None:
    """Refund rate = returns / gross sales (both on their own days)."""
    return ratio(returns, gross)


def cogs_coverage(covered_gross: Decimal, gross_lines: Decimal) -> Decimal | None:
    """Share of sales with a cost recorded = gross sales of lines with a unit cost / gross sales."""
    return ratio(covered_gross, gross_lines)


def cost_of_goods(
    recorded_cost: Decimal, covered_gross: Decimal, gross_lines: Decimal, default_margin: Decimal
) -> Decimal:
    """COGS = recorded cost + (gross sales without a cost) x (1 - default margin).

    Lines whose unit cost is known count at cost x quantity; the others are
    estimated with ``METRICS_DEFAULT_GROSS_MARGIN`` on their gross price, and
    ``cogs_coverage`` tells how much of the figure is measured.
    """
    return recorded_cost + (gross_lines - covered_gross) * (1 - default_margin)


def cm1(net: Decimal, cogs: Decimal) -> Decimal:
    """Contribution margin 1 = net sales - cost of goods sold."""
    return net - cogs


def cm3(cm1_value: Decimal, spend: Decimal) -> Decimal:
    """CM3 = CM1 - CM2 costs - ad spend; no shipping, fulfilment or payment-fee
    costs are recorded, so here CM3 = CM1 - ad spend."""
    return cm1_value - spend


def breakeven_roas(net: Decimal, cm1_value: Decimal) -> Decimal | None:
    """Break-even ROAS = 1 / contribution margin % = net sales / CM1.

    The blended ROAS at which ad spend eats the whole margin. None when CM1
    is zero or negative: then no ROAS breaks even.
    """
    if cm1_value is None or cm1_value <= 0:
        return None
    return ratio(net, cm1_value)


def derive_advertising(sums: Mapping[str, Number], *, attributed: bool = True) -> dict:
    """CTR, CPC, CPM and channel ROAS of one channel's sums (ROAS only if ``attributed``)."""
    spend = sums["spend"]
    return {
        "ctr": q(ctr(sums["clicks"], sums["impressions"]), SHARE_PLACES),
        "cpc": q(cpc(spend, sums["clicks"])),
        "cpm": q(cpm(spend, sums["impressions"])),
        "channel_roas": q(channel_roas(sums["platform_conversion_value"], spend)) if attributed else None,
    }


def derive_store(sums: Mapping[str, Number], coverage: Decimal | None) -> dict:
    """AOV, blended ROAS, MER, CAC, refund rate and break-even ROAS of store-wide sums."""
    spend, net = sums["spend"], sums["net_sales"]
    return {
        "aov": q(aov(net, sums["orders"])),
        "blended_roas": q(blended_roas(net, spend)),
        "mer": q(mer(sums["total_sales"], spend)),
        "blended_cac": q(blended_cac(spend, sums["new_customers"])),
        "refund_rate": q(refund_rate(sums["returns"], sums["gross_sales"]), SHARE_PLACES),
        "cogs_coverage": q(coverage),
        "breakeven_roas": q(breakeven_roas(net, sums["cm1"])),
    }
