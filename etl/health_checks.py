"""What etl tells health about its own data: sources with their lags, second-order
effects in the metrics, the chord's order, and the KPIs the metrics compute.

Registered from ``etl/health.py`` at start-up; health runs and scores them.
"""

import re
from datetime import datetime, timedelta

from django.db.models import Max
from django.urls import reverse, reverse_lazy
from django.utils import timezone

from bizops.core.models import BacklogTicket
from etl import sources
from etl.metrics.definitions import ratio
from etl.metrics.read import daily_rows, summarise
from etl.models import AdInsightDaily, DailyMetric, FxRate
from etl.pipeline import METRICS_JOB
from health.models import JobRun
from health.registry import (
    Family,
    Finding,
    Problem,
    Severity,
    register_check,
    register_promise,
    register_source,
)

OWNER = "group:Ops"
# A week-over-week move smaller than this is noise, not a second-order effect.
MOVE = 0.05


def _last_success(job: str):
    return lambda: JobRun.objects.last_outcomes([job]).get(job, (None, None))[0]


def _newest_insight(platform: str):
    return lambda: AdInsightDaily.objects.filter(platform=platform).aggregate(d=Max("date"))["d"]


def register_sources() -> None:
    """Meta and TikTok daily (yesterday's data by the nightly pull), Shopify hourly, metrics and FX daily."""
    day, hour = timedelta(days=1), timedelta(hours=1)
    for platform in ("meta", "tiktok"):
        source = sources.get(platform)
        register_source(
            platform,
            label=f"{source.pulls}",
            newest=_newest_insight(platform),
            last_load=_last_success(source.job),
            # Yesterday's data lands after 01:10: newest data covers up to today 00:00, so
            # up to a day plus the night's pull (2 h) old.
            lag=day + timedelta(hours=2),
            grace=timedelta(hours=12),
            area="ops",
            admin_url=reverse_lazy("admin:etl_adinsightdaily_changelist"),
        )
    shopify = sources.get("shopify")
    register_source(
        "shopify",
        label=shopify.pulls,
        # Orders are "as of" their last pull: the data's age is the pull's.
        newest=_last_success(shopify.job),
        last_load=_last_success(shopify.job),
        lag=hour,
        grace=2 * hour,
        area="ops",
        admin_url=reverse_lazy("admin:etl_order_changelist"),
    )
    register_source(
        "daily_metrics",
        label="Daily metrics",
        newest=lambda: DailyMetric.objects.aggregate(d=Max("date"))["d"],
        last_load=_last_success(METRICS_JOB),
        lag=day + timedelta(hours=3),
        grace=timedelta(hours=12),
        area="ops",
        admin_url=reverse_lazy("admin:etl_dailymetric_changelist"),
    )
    register_source(
        "fx_rates",
        label="FX rates",
        newest=lambda: FxRate.objects.aggregate(d=Max("day"))["d"],
        last_load=None,  # typed or imported in the admin, not loaded by a job
        lag=2 * day,
        grace=2 * day,
        area="finance",
        admin_url=reverse_lazy("admin:etl_fxrate_changelist"),
    )


def _weeks() -> tuple[dict, dict]:
    """Last 7 complete reporting days and the 7 before, summed over all channels."""
    today = timezone.localdate()
    this = (today - timedelta(days=7), today - timedelta(days=1))
    last = (today - timedelta(days=14), today - timedelta(days=8))
    rows = daily_rows(this, last)
    in_range = lambda r, span: span[0] <= r["date"] <= span[1]  # noqa: E731
    return (
        summarise([r for r in rows if in_range(r, this)], "all"),
        summarise([r for r in rows if in_range(r, last)], "all"),
    )


def _change(new, old) -> float | None:
    if new is None or old in (None, 0):
        return None
    return float((new - old) / old)


@register_check("metrics:second-order", Family.SECOND_ORDER)
def second_order_effects() -> list[Finding]:
    """Spend rising while MER falls; discounts rising with the refund rate (week over week)."""
    now, before = _weeks()
    if not now["days"] or not before["days"]:
        return []
    link = (("Daily metrics", reverse("admin:etl_dailymetric_changelist")),)
    findings = []
    spend, mer = _change(now["spend"], before["spend"]), _change(now.get("mer"), before.get("mer"))
    if spend is not None and mer is not None and spend > MOVE and mer < -MOVE:
        findings.append(
            Finding(
                "metrics:spend-vs-mer",
                Severity.WARNING,
                f"ad spend rose {100 * spend:.1f}% week over week while MER fell {100 * -mer:.1f}%",
                "cap the campaigns whose spend grew most until their return is back; check attribution",
                family=Family.SECOND_ORDER,
                owner="group:Growth",
                evidence=link,
                reach=7,
                kpi="MER (revenue / spend)",
                signal_30d="MER back to last month's level at the same spend",
            )
        )
    disc_now = ratio(now.get("discounts"), now.get("gross_sales"))
    disc_before = ratio(before.get("discounts"), before.get("gross_sales"))
    refunds = _change(
        ratio(now.get("returns"), now.get("gross_sales")),
        ratio(before.get("returns"), before.get("gross_sales")),
    )
    discounts = _change(disc_now, disc_before)
    if discounts is not None and refunds is not None and discounts > MOVE and refunds > MOVE:
        findings.append(
            Finding(
                "metrics:discounts-vs-refunds",
                Severity.WARNING,
                f"the discount share of gross sales rose {100 * discounts:.1f}% while the refund rate "
                f"rose {100 * refunds:.1f}%",
                "look at the refunds of discounted orders; tighten the discount codes that bring them",
                family=Family.SECOND_ORDER,
                owner="group:Growth",
                evidence=link,
                reach=7,
                kpi="refund rate",
                signal_30d="refund rate back under last month's while discounts hold",
            )
        )
    return findings


@register_check("etl:chord-order", Family.COORDINATION)
def metrics_before_pulls_ended() -> list[Finding]:
    """A metrics run that started before one of the night's pulls ended computed on partial data."""
    broken = _out_of_order(timezone.now() - timedelta(days=7))
    if not broken:
        return []
    return [
        Finding(
            "etl:chord-order",
            Severity.ERROR,
            f"{len(broken):,} metrics run(s) started before the night's pulls had ended",
            "start the metrics only from the pipeline's chord (etl.nightly_pipeline), never on a schedule",
            family=Family.COORDINATION,
            owner=OWNER,
            evidence=tuple(
                (f"run {pk}", reverse("admin:health_jobrun_change", args=[pk])) for pk in broken[:5]
            ),
            reach=len(broken),
            kpi="metrics runs in order",
            signal_30d="every metrics run starts after its pulls",
            problem=Problem.JOB,
        )
    ]


def _out_of_order(since: datetime) -> list[int]:
    pulls = [s.job for s in sources.SOURCES]
    runs = list(
        JobRun.objects.for_jobs([*pulls, METRICS_JOB])
        .started_since(since - timedelta(days=1))
        .exclude(status=JobRun.Status.SKIPPED)
        .order_by("started_at")
        .values_list("pk", "job", "started_at", "finished_at")
    )
    broken = []
    for pk, job, started, _ in runs:
        if job != METRICS_JOB or started < since:
            continue
        # The pulls of the same night: started in the 12 hours before this metrics run.
        night = [r for r in runs if r[1] != METRICS_JOB and started - timedelta(hours=12) <= r[2] <= started]
        if any(finished is None or finished > started for *_, finished in night):
            broken.append(pk)
    return broken


@register_promise("metrics runs after their pulls")
def metrics_in_order() -> tuple[int, int]:
    since = timezone.now() - timedelta(days=7)
    total = (
        JobRun.objects.for_job(METRICS_JOB).started_since(since).exclude(status=JobRun.Status.SKIPPED).count()
    )
    return total - len(_out_of_order(since)), total


# The names a ticket may give a computed metric: DailyMetric's fields, "_" read as a space.
METRIC_NAMES = {f.name.replace("_", " ") for f in DailyMetric._meta.fields} | {"refund rate"}


def names_a_metric(kpi: str) -> bool:
    text = f" {re.sub(r'[^a-z0-9]+', ' ', kpi.lower())} "
    return any(f" {name} " in text for name in METRIC_NAMES)


@register_promise("ticket KPIs the metrics compute")
def kpis_computed() -> tuple[int, int]:
    """Tickets naming a KPI (not the health sweep's own): kept when the KPI names a computed metric."""
    tickets = BacklogTicket.objects.exclude(kpi="").exclude(key__startswith="finding-")
    kpis = list(tickets.values_list("kpi", flat=True))
    return sum(names_a_metric(kpi) for kpi in kpis), len(kpis)


#: Quota headroom (100 - the peak share in use) below which the quota is a constraint.
QUOTA_HEADROOM_MIN_PCT = 20.0


@register_check("etl:quota", Family.CONSTRAINTS)
def quota_pressure() -> list[Finding]:
    """API quota headroom from the providers' own rate-limit reports, and the waits they caused.

    Each pull keeps the peak share of its quota in use that the provider reported
    (``peak_quota_pct``: Meta's ``x-app-usage`` / ``x-ad-account-usage`` /
    ``x-business-use-case-usage`` headers, the highest of their percentages;
    Shopify's ``throttleStatus``, 100 x (1 - currentlyAvailable / maximumAvailable);
    TikTok reports none) and its ``throttle_waits``. For the week:
    headroom = 100 - the highest peak; a finding when headroom < 20 % or when
    most pulls had to wait: then the quota, not the code, sets the pace.
    """
    since = timezone.now() - timedelta(days=7)
    findings = []
    for source in sources.SOURCES:
        details = list(
            JobRun.objects.for_job(source.job).started_since(since).values_list("detail", flat=True)
        )
        waits = [(detail.get("throttle_waits") or 0) for detail in details]
        peaks = [detail["peak_quota_pct"] for detail in details if detail.get("peak_quota_pct") is not None]
        throttled = sum(1 for w in waits if w)
        headroom = 100 - max(peaks) if peaks else None
        tight = headroom is not None and headroom < QUOTA_HEADROOM_MIN_PCT
        if not waits or (throttled * 2 < len(waits) and not tight):
            continue
        used = f"peak quota use {max(peaks):.1f} % (headroom {headroom:.1f} %); " if peaks else ""
        findings.append(
            Finding(
                "etl:quota",
                Severity.WARNING,
                f"{source.label}: {used}{throttled:,} of {len(waits):,} pulls this week waited for the "
                f"rate limit ({sum(waits):,} waits)",
                "pull fewer fields or accounts per night, or ask the provider for a higher tier",
                family=Family.CONSTRAINTS,
                key=f"etl:quota:{source.name}",
                owner=OWNER,
                reach=throttled,
                kpi=f"{source.label} pulls waiting for the rate limit",
                signal_30d="fewer than half the pulls wait",
            )
        )
    return findings


@register_check("etl:metrics-behind-data", Family.FEEDBACK)
def metrics_behind_data() -> list[Finding]:
    """Data -> metrics -> dashboard: the metrics must reach the newest day every ad source has."""
    newest = [
        AdInsightDaily.objects.filter(platform=p).aggregate(d=Max("date"))["d"] for p in ("meta", "tiktok")
    ]
    newest = [d for d in newest if d is not None]
    if not newest:
        return []
    loaded = min(newest)
    computed = DailyMetric.objects.aggregate(d=Max("date"))["d"]
    if computed is not None and computed >= loaded:
        return []
    return [
        Finding(
            "etl:metrics-behind-data",
            Severity.ERROR,
            f"the daily metrics stop at {computed or 'no day'} while the ad data reaches {loaded}: "
            "the dashboard shows old numbers",
            "run manage.py compute_metrics for the missing days and check the nightly pipeline",
            family=Family.FEEDBACK,
            owner=OWNER,
            evidence=(("Daily metrics", reverse("admin:etl_dailymetric_changelist")),),
            kpi="days between the newest ad data and the newest metrics",
            signal_30d="0 days behind every morning",
        )
    ]
