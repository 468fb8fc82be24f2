"""Demo data for feature flags and experiments, measured on the sandbox's orders.

Four flags (a percentage rollout, a targeted rule, a kill-switched flag and
an experiment's flag), a running experiment whose results come from the
orders, a decided one, a few ideas for the portfolio and a client key for the
SDK endpoint. Seeding only adds what is missing: a flag, experiment or key
that is already there is left as the team left it.

The running experiment shows an offer on the thank-you page: every customer
who ordered since it started is exposed just after their first order,
assigned a variant by the flag's own bucketing, and converts when they order
again. Its numbers are the store's real repeat purchases, so the two variants
differ only by chance.
"""

from datetime import timedelta

from django.db import transaction
from django.db.models import Min
from django.utils import timezone

from etl.selectors import counted_orders
from flags import engine, orders, results, snapshot
from flags.models import ClientKey, Experiment, Exposure, Flag

DAYS = 90
CLIENT_KEY_NAME = "storefront (demo)"
OFFER = "thank-you-offer"
# The offer is shown on the thank-you page, just after the order it thanks for.
SHOWN_AFTER_ORDER = timedelta(seconds=1)
TWO_VARIANTS = [
    {"key": "control", "name": "No offer", "weight": 0.5, "value": False},
    {"key": "treatment", "name": "10% off the next order", "weight": 0.5, "value": True},
]

FLAGS = [
    {
        "key": "new-checkout",
        "kind": Flag.Kind.RELEASE,
        "enabled": True,
        "description": "The one-page checkout, rolled out to a quarter of users.",
        "rules": [{"description": "25% rollout", "percentage": 25, "value": True}],
    },
    {
        "key": "free-shipping-banner",
        "kind": Flag.Kind.RELEASE,
        "enabled": True,
        "description": "The free shipping banner: Canada and the US, and the team.",
        "rules": [
            {
                "description": "Shipping countries",
                "conditions": [{"attribute": "country", "operator": "in", "value": ["CA", "US"]}],
                "value": True,
            },
            {
                "description": "The team sees it everywhere",
                "conditions": [{"attribute": "email", "operator": "contains", "value": "@example.com"}],
                "value": True,
            },
        ],
    },
    {
        "key": "product-recommendations",
        "kind": Flag.Kind.OPS,
        "enabled": False,
        "default_value": True,
        "description": "Kill switch: recommendations are off while their service is slow.",
    },
    {
        "key": OFFER,
        "kind": Flag.Kind.EXPERIMENT,
        "enabled": True,
        "description": f"Serves the variants of the {OFFER} experiment.",
    },
]

EXPERIMENTS = [
    {
        "key": OFFER,
        "name": "Thank-you page offer",
        "hypothesis": "If we offer 10% off the next order on the thank-you page, then more customers "
        "order again, because the offer is in front of them when they are happiest with us.",
        "status": Experiment.Status.RUNNING,
        "variants": TWO_VARIANTS,
        "impact": 7,
        "confidence": 5,
        "ease": 8,
    },
    {
        "key": "free-shipping-threshold",
        "name": "Free shipping from $50 instead of $75",
        "hypothesis": "If free shipping starts at $50, then more visitors buy, because shipping costs "
        "are the first reason carts are abandoned.",
        "status": Experiment.Status.DECIDED,
        "variants": TWO_VARIANTS,
        "decision": Experiment.Decision.KILL,
        "reasoning": "(An illustrative decision.) The lift in conversion was not significant while "
        "the shipping cost per order rose: the margin lost is larger than any gain we could detect. "
        "Next: test a free-shipping code for returning customers instead.",
        "impact": 6,
        "confidence": 4,
        "ease": 9,
        "days_ago": (75, 45),
    },
    {
        "key": "bundle-discount",
        "name": "Bundle discount on product pages",
        "hypothesis": "If product pages offer 15% off a second item, then the average order grows.",
        "impact": 8,
        "confidence": 6,
        "ease": 5,
    },
    {
        "key": "reviews-above-the-fold",
        "name": "Reviews above the fold",
        "hypothesis": "If the star rating shows next to the price, then more visitors add to cart.",
        "status": Experiment.Status.PLANNED,
        "impact": 5,
        "confidence": 7,
        "ease": 9,
    },
]


def seed_flags() -> tuple[int, int, bool]:
    """The demo flags that are missing: (created, kept, whether the offer's flag is new)."""
    existing = set(Flag.objects.filter(key__in=[f["key"] for f in FLAGS]).values_list("key", flat=True))
    for spec in FLAGS:
        if spec["key"] not in existing:
            flag = Flag(**spec)
            flag.full_clean()
            flag.save()
    return len(FLAGS) - len(existing), len(existing), OFFER not in existing


def seed_experiments(now) -> tuple[int, int]:
    """The demo experiments that are missing: (created, kept)."""
    existing = set(
        Experiment.objects.filter(key__in=[e["key"] for e in EXPERIMENTS]).values_list("key", flat=True)
    )
    for spec in EXPERIMENTS:
        if spec["key"] in existing:
            continue
        spec = dict(spec)
        started, ended = spec.pop("days_ago", (None, None))
        experiment = Experiment(**spec)
        if spec["key"] == OFFER:
            experiment.flag = Flag.objects.filter(key=OFFER).first()
            experiment.started_at = now - timedelta(days=DAYS)
        elif started is not None:
            experiment.started_at, experiment.ended_at = (
                now - timedelta(days=started),
                now - timedelta(days=ended),
            )
        experiment.full_clean()
        experiment.save()
    return len(EXPERIMENTS) - len(existing), len(existing)


def expose_customers(experiment: Experiment) -> int:
    """Expose each customer who ordered since the experiment started, through the flag's
    own bucketing; returns how many exposures were added (a customer is exposed once)."""
    compiled = snapshot.build().flags.get(experiment.flag.key) if experiment.flag else None
    if compiled is None:
        return 0
    first_orders = (
        counted_orders(experiment.started_at)
        .exclude(customer_key="")
        .values("customer_key")
        .annotate(first=Min("created_at"))
        .order_by("customer_key")
    )
    exposures = []
    for row in first_orders:
        _, exposure = engine.evaluate(compiled, {"id": row["customer_key"]})
        if exposure is not None and exposure.experiment == experiment.key:
            exposures.append(
                Exposure(
                    experiment=experiment,
                    user_key=exposure.user_key,
                    variant=exposure.variant,
                    exposed_at=row["first"] + SHOWN_AFTER_ORDER,
                )
            )
    before = Exposure.objects.filter(experiment=experiment).count()
    Exposure.objects.bulk_create(exposures, ignore_conflicts=True, batch_size=1000)
    return Exposure.objects.filter(experiment=experiment).count() - before


def seed_client_key() -> ClientKey:
    key = ClientKey.objects.filter(name=CLIENT_KEY_NAME).order_by("revoked_at", "pk").first()
    return key or ClientKey.objects.create(name=CLIENT_KEY_NAME)


def seed_demo(stdout=None, base_url: str = "http://127.0.0.1:8000") -> None:
    write = stdout.write if stdout else (lambda line: None)
    now = timezone.now()
    with transaction.atomic():
        flags_created, flags_kept, new_offer_flag = seed_flags()
        created, kept = seed_experiments(now)
        offer = Experiment.objects.select_related("flag").get(key=OFFER)
        if new_offer_flag and offer.flag is not None and offer.flag.key == OFFER:
            # Added once the experiment exists: a flag may only name an experiment linked to it.
            offer.flag.rules = [{"description": "Every customer", "experiment": OFFER}]
            offer.flag.full_clean()
            offer.flag.save()
        client_key = seed_client_key()
    write(
        f"flags: {flags_created} flag(s) and {created} experiment(s) created, "
        f"{flags_kept + kept} already there (kept as they are)"
    )
    if offer.status == Experiment.Status.RUNNING and offer.started_at:
        added = expose_customers(offer)
        if added or not hasattr(offer, "analysis"):
            orders.sync_purchases(offer.started_at)
            analysis = results.recompute(offer)
            write(
                f"flags: {added} customer(s) exposed to {OFFER}; results: {analysis.users} users, "
                f"{analysis.get_verdict_display().lower()}"
            )
    state = " (revoked)" if client_key.revoked else ""
    write(f"flags: SDK payload{state} at {base_url}/flags/sdk/{client_key.key}.json")
