"""The executive memo: the top 5 actions by expected effect, and a 30/60/90-day plan.

**Actions** come from three places, each with its expected effect in money per
month (the reporting currency):

- the finance levers of the plan (the latest forecast of the first active
  scenario): moving a lever by the run's step (20 %) in its better direction;
  effect = its swing of the run's month-12 headline (net sales or MRR, ``mrr_swing``);
- running experiments with a positive lift on their primary metric: ship the
  best treatment; effect = lift x the period's net sales per 30 days (as if
  the metric moved net sales one for one: an upper bound, said so);
- the audit's realignments (KPIs short of target); effect = the shortfall
  priced per 30 days: CAC x new customers, AOV and CM3 per order x orders,
  net sales itself, refund rate x gross sales, MER x ad spend. A KPI that has
  no price (repeat rate, activation, LTV:CAC, scores) has no money effect.

Ranked by effect, largest first; those without one follow, by their gap.

**Plan**: open tickets (ready, in progress, blocked) by due date from today:
overdue or within 30 days, 31-60, 61-90; a ticket without a due date goes by
priority (P0 in 30, P1 in 60, P2 in 90; P3 later, not in the plan).
"""

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from bizops.audit import fmt, links, report_text
from bizops.audit.audit import OPEN, Audit
from bizops.core.models import Report
from etl.metrics.days import today
from flags import selectors as flags_api

SLUG_PREFIX = "finance_automation_growth_memo_"
ACTIONS = 5
PRIORITY_HORIZON = {"P0": 30, "P1": 60, "P2": 90}


@dataclass
class Action:
    title: str
    source: str
    effect: Decimal | None  # money per 30 days
    formula: str
    link: str = ""
    gap: Decimal | None = None

    def as_dict(self) -> dict:
        return {
            "title": self.title,
            "source": self.source,
            "effect": None if self.effect is None else str(self.effect.quantize(Decimal("0.01"))),
            "effect_shown": fmt.money(self.effect) + " / 30 days"
            if self.effect is not None
            else "not priced",
            "formula": self.formula,
            "link": self.link,
        }


@dataclass
class Memo:
    day: date
    audit: Audit
    actions: list[Action] = field(default_factory=list)
    plan: dict[int, list[dict]] = field(default_factory=dict)

    @property
    def slug(self) -> str:
        return f"{SLUG_PREFIX}{self.day.isoformat()}"


def lever_actions(run) -> list[Action]:
    if run is None:
        return []
    step = run.inputs.get("lever_step_pct", "20")
    found = []
    for row in run.levers:
        swing = Decimal(row["mrr_swing"])
        if not swing:
            continue
        up = Decimal(row["mrr_12_high"]) >= Decimal(row["mrr_12_low"])
        moved = row["high_value"] if up else row["low_value"]
        found.append(
            Action(
                f"{'Raise' if up else 'Lower'} {row['label']} by {step} %"
                f" ({Decimal(row['base_value']):,.2f} to {Decimal(moved):,.2f})",
                f"finance lever ({run.scenario_name})",
                swing,
                f"swing of {run.headline_phrase} for the move (finance levers)",
                links.admin("finance_forecastrun_change", run.pk),
            )
        )
    return found


def experiment_actions(monthly_net_sales: Decimal | None) -> list[Action]:
    found = []
    for experiment in flags_api.experiments("running"):
        rows = [
            r
            for r in flags_api.results(experiment)
            if r.metric == experiment.primary_metric and r.position > 0
        ]
        best = max((r for r in rows if r.lift is not None and r.lift > 0), key=lambda r: r.lift, default=None)
        if best is None:
            continue
        effect = best.lift * monthly_net_sales if monthly_net_sales is not None else None
        found.append(
            Action(
                f"Decide {experiment.key}: ship {best.variant} if it holds (lift {fmt.share(best.lift)} on "
                f"{experiment.primary_metric}, p = {best.p_value:.3g})"
                if best.p_value is not None
                else f"Decide {experiment.key}: ship {best.variant} if it holds "
                f"(lift {fmt.share(best.lift)})",
                "experiment",
                effect,
                "lift x net sales per 30 days (upper bound: as if the metric moved sales one for one)",
                links.admin("flags_experiment_change", experiment.pk),
            )
        )
    return found


def _priced(key: str, value: Decimal, target: Decimal, per_month: dict) -> tuple[Decimal | None, str]:
    short = abs(value - target)
    prices = {
        "blended_cac": ("new_customers", "(CAC - target) x new customers per 30 days"),
        "aov": ("orders", "(target - AOV) x orders per 30 days"),
        "cm3_per_order": ("orders", "(target - CM3 per order) x orders per 30 days"),
        "refund_rate": ("gross_sales", "(refund rate - target) x gross sales per 30 days"),
        "mer": ("spend", "(target - MER) x ad spend per 30 days"),
    }
    if key == "net_sales":
        return short, "target - net sales, per 30 days"
    if key in prices:
        volume, formula = prices[key]
        amount = per_month.get(volume)
        return (None, formula) if amount is None else (short * amount, formula)
    return None, "no price for this KPI"


def gap_actions(audit: Audit) -> list[Action]:
    summary = audit.data.summary(audit.period) if audit.data else {}
    scale = Decimal(30) / audit.period.days
    per_month = {
        name: Decimal(summary[name]) * scale
        for name in ("new_customers", "orders", "gross_sales", "spend")
        if summary.get(name) is not None
    }
    found = []
    for r in audit.realignments:
        kpi = r.kpi
        effect, formula = (None, "no value")
        if kpi.value is not None and kpi.target is not None:
            effect, formula = _priced(kpi.key, Decimal(kpi.value), Decimal(kpi.target), per_month)
            if kpi.key == "net_sales":
                effect = effect * scale if effect is not None else None
        found.append(
            Action(
                f"Realign {kpi.label}: {kpi.shown()} to "
                f"{kpi.target_text} (owner {r.analyzer.owner or 'none'})",
                f"audit gap ({r.analyzer.title})",
                effect,
                formula,
                links.admin("bizops_backlogticket_changelist", q=r.ticket_key),
                kpi.gap,
            )
        )
    return found


def rank(actions: list[Action]) -> list[Action]:
    priced = sorted((a for a in actions if a.effect is not None), key=lambda a: (-a.effect, a.title))
    unpriced = sorted((a for a in actions if a.effect is None), key=lambda a: (-(a.gap or 0), a.title))
    return priced + unpriced


def plan(tickets: list, day: date) -> dict[int, list[dict]]:
    buckets: dict[int, list[dict]] = {30: [], 60: [], 90: []}
    for ticket in tickets:
        if ticket.status not in OPEN:
            continue
        if ticket.due_date:
            days = (ticket.due_date - day).days
            horizon = next((h for h in (30, 60, 90) if days <= h), None)
        else:
            horizon = PRIORITY_HORIZON.get(ticket.priority)
        if horizon is None:
            continue
        buckets[horizon].append(
            {
                "ticket": ticket.key,
                "title": ticket.title,
                "priority": ticket.priority,
                "owner": ticket.owner.username if ticket.owner else "(none)",
                "due": (
                    f"{ticket.due_date.isoformat()}{' (overdue)' if ticket.due_date < day else ''}"
                    if ticket.due_date
                    else "(by priority)"
                ),
                "KPI": ticket.kpi,
            }
        )
    for rows in buckets.values():
        rows.sort(key=lambda row: (row["priority"], row["due"], row["ticket"]))
    return buckets


def build_memo(audit: Audit, day: date | None = None) -> Memo:
    day = day or today()
    summary = audit.data.summary(audit.period) if audit.data else {}
    net = summary.get("net_sales") if summary.get("days") else None
    monthly_net = Decimal(net) * 30 / audit.period.days if net is not None else None
    forecast = audit.data.forecast if audit.data else None
    actions = lever_actions(forecast) + experiment_actions(monthly_net) + gap_actions(audit)
    tickets = audit.data.tickets if audit.data else []
    return Memo(day, audit, rank(actions)[:ACTIONS], plan(tickets, day))


def memo_markdown(memo: Memo) -> str:
    audit = memo.audit
    lines = [f"# Finance, automation and growth memo: {memo.day:%B %-d, %Y}", ""]
    lines += [
        f"From the business audit of {audit.period.label}: Alignment Temperature "
        f"{report_text.score_text(audit.temperature.value)}, Momentum "
        f"Index {report_text.score_text(audit.momentum.value)}.",
        "",
        "## Top 5 actions, by expected effect",
        "",
    ]
    if memo.actions:
        lines += report_text.table(
            [
                {
                    "#": n,
                    "action": a.title,
                    "from": a.source,
                    "expected effect": a.as_dict()["effect_shown"],
                    "how it is priced": a.formula,
                }
                for n, a in enumerate(memo.actions, 1)
            ]
        )
    else:
        lines += [
            "No action: no finance lever, no running experiment with a lift, and no KPI short of target.",
            "",
        ]
    lines += [
        "## 30/60/90-day plan",
        "",
        "Open tickets by due date (without one: P0 in 30 days, P1 in 60, P2 in 90).",
        "",
    ]
    for horizon, rows in memo.plan.items():
        lines += [f"### Within {horizon} days", ""]
        lines += report_text.table(rows) if rows else ["Nothing planned.", ""]
    return "\n".join(lines).rstrip() + "\n"


@transaction.atomic
def write_memo(memo: Memo, produced_by: str = "audit.weekly_audit") -> Report:
    report, _ = Report.objects.update_or_create(
        kind=Report.Kind.EXEC,
        slug=memo.slug,
        defaults={
            "title": f"Finance, automation and growth memo: {memo.day:%b %-d, %Y}",
            "period_start": memo.day,
            "period_end": memo.day + timedelta(days=90),
            "body": memo_markdown(memo),
            "figures": {
                "audit": memo.audit.slug,
                "actions": [a.as_dict() for a in memo.actions],
                "plan": {str(h): rows for h, rows in memo.plan.items()},
            },
            "produced_by": produced_by,
            "created_at": timezone.now(),
        },
    )
    return report
