"""The audit page in the admin: the latest audit beside the previous one, the KPI gaps as a chart,
links into the evidence. Staff only (``admin_view`` in urls.py) with ``bizops.view_report``."""

from decimal import Decimal

from django.conf import settings
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from bizops.audit import fmt
from bizops.audit.audit import SLUG_PREFIX
from bizops.audit.memo import SLUG_PREFIX as MEMO_PREFIX
from bizops.audit.report_text import score_text
from bizops.core import selectors
from bizops.core.boards import Dashboard
from bizops.core.models import Report

PERMISSION = "bizops.view_report"
BOARD = Dashboard(
    "Business audit",
    "audit-page",
    "The weekly audit: Alignment Temperature, Momentum Index, "
    "nine analyzers, KPI gaps and the top realignments.",
    PERMISSION,
)
# The page loads only its own static files: no inline script or style.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)


def _change(latest, previous) -> str:
    if latest is None or previous is None:
        return ""
    return f"{latest - previous:+d}"


def _findings(figures: dict) -> dict[tuple[str, str], dict]:
    return {
        (a["name"], f["key"]): {**f, "analyzer": a["title"]}
        for a in figures.get("analyzers", [])
        for f in a.get("findings", [])
    }


def compare(latest: Report, previous: Report | None) -> dict:
    """What moved between two audits and why: scores side by side, findings new and resolved."""
    now, before = latest.figures, previous.figures if previous else {}
    scores = []
    for key in ("alignment_temperature", "momentum_index"):
        mine, theirs = now["scores"][key], before.get("scores", {}).get(key, {})
        scores.append(
            {
                "name": mine["name"],
                "latest": score_text(mine["value"]),
                "previous": score_text(theirs.get("value")) if previous else "",
                "change": _change(mine["value"], theirs.get("value")),
                "formula": mine["formula"],
                "inputs": mine["inputs"],
                "note": mine["note"],
            }
        )
    old = {a["name"]: a for a in before.get("analyzers", [])}
    new_findings, old_findings = _findings(now), _findings(before)
    analyzers = []
    for a in now["analyzers"]:
        was = old.get(a["name"], {})
        appeared = [
            f["message"] for k, f in new_findings.items() if k[0] == a["name"] and k not in old_findings
        ]
        resolved = [
            f["message"] for k, f in old_findings.items() if k[0] == a["name"] and k not in new_findings
        ]
        analyzers.append(
            {
                **a,
                "latest": score_text(a["score"]),
                "previous": score_text(was.get("score")) if previous else "",
                "change": _change(a["score"], was.get("score")),
                "appeared": appeared if previous else [],
                "resolved": resolved,
                "kpi_row": next((k for k in a["kpis"] if k["key"] == a["kpi"]), None),
            }
        )
    previous_gaps = {g["key"]: g["gap"] for g in before.get("kpi_gaps", [])}
    gaps = sorted(now.get("kpi_gaps", []), key=lambda g: -Decimal(g["gap"]))
    chart = {
        "labels": [g["label"] for g in gaps],
        # Floats only here, at the chart's edge: percentages for Chart.js to draw.
        "latest": [float(Decimal(g["gap"]) * 100) for g in gaps],
        "previous": [
            float(Decimal(previous_gaps[g["key"]]) * 100) if previous_gaps.get(g["key"]) else None
            for g in gaps
        ],
        "has_previous": previous is not None,
    }
    gap_rows = [
        {
            **g,
            "gap_shown": fmt.share(Decimal(g["gap"])),
            "previous_gap": fmt.share(Decimal(previous_gaps[g["key"]]))
            if previous_gaps.get(g["key"])
            else "",
        }
        for g in gaps
    ]
    return {"scores": scores, "analyzers": analyzers, "chart": chart, "gaps": gap_rows}


def audit_page(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm(PERMISSION):
        raise PermissionDenied
    audits = list(selectors.reports(Report.Kind.EXEC, slug_prefix=SLUG_PREFIX)[:2])
    latest = audits[0] if audits else None
    previous = audits[1] if len(audits) > 1 else None
    memo = selectors.reports(Report.Kind.EXEC, slug_prefix=MEMO_PREFIX).first()
    context = {
        "title": "Business audit",
        "latest": latest,
        "previous": previous,
        "memo": memo,
        "report_url": reverse("admin:bizops_report_change", args=[latest.pk]) if latest else "",
        "memo_url": reverse("admin:bizops_report_change", args=[memo.pk]) if memo else "",
        "backlog_url": reverse("admin:bizops_backlogticket_changelist"),
        "reporting_timezone": settings.REPORTING_TIMEZONE,
    }
    if latest:
        context.update(compare(latest, previous))
        context["realignments"] = latest.figures.get("realignments", [])
    response = render(request, "audit/audit.html", {**admin.site.each_context(request), **context})
    response["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    return response
