"""The audit and the memo written out as Markdown (the Report's body): every figure with its formula."""

from bizops.audit import fmt


def cell(value) -> str:
    return str(value if value not in (None, "") else "").replace("|", "\\|").replace("\n", " ")


def table(rows: list[dict]) -> list[str]:
    if not rows:
        return []
    columns = list(rows[0])
    lines = ["| " + " | ".join(cell(c) for c in columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(cell(row.get(c)) for c in columns) + " |" for row in rows]
    return [*lines, ""]


def score_text(value) -> str:
    return "not enough data" if value is None else f"{value}/100"


def _score_block(score) -> list[str]:
    lines = [f"**{score.name}: {score_text(score.value)}**" + (f" ({score.note})" if score.note else ""), ""]
    lines += [f"Formula: `{score.formula}`", ""]
    lines += [f"- {name}: {value}" for name, value in score.inputs.items()]
    return [*lines, ""]


def audit_markdown(audit) -> str:
    lines = [f"# Unaligned audit: {audit.period.label}", ""]
    if not audit.enough_data:
        lines += [
            "**Not enough data:** no analyzer found enough data to score; no figure below is invented. "
            "Load orders and ads (manage.py run_pipeline), then run the audit again.",
            "",
        ]
    lines += ["## Scores", ""]
    lines += _score_block(audit.temperature) + _score_block(audit.momentum)
    lines += ["## Top realignments", ""]
    if audit.realignments:
        lines += table(
            [
                {
                    "#": r.rank,
                    "KPI": r.kpi.label,
                    "now": r.kpi.shown(),
                    "target": f"{r.kpi.target_text} ({r.kpi.target_source})",
                    "gap": fmt.share(r.kpi.gap),
                    "owner": r.analyzer.owner or "(none)",
                    "30-day signal": r.kpi.signal_30d,
                    "ticket": f"{r.ticket_key} ({r.priority})",
                }
                for r in audit.realignments
            ]
        )
    else:
        lines += ["No KPI is short of a measured target: nothing to realign.", ""]
    if audit.tickets:
        lines += ["Tickets: " + ", ".join(f"{n} {what}" for what, n in audit.tickets.items()) + ".", ""]
    lines += ["## Analyzers", ""]
    lines += table(
        [
            {
                "analyzer": r.title,
                "score": score_text(r.score),
                "KPI": r.kpi.label if r.kpi else "",
                "value": r.kpi.shown() if r.kpi else "",
                "target": r.target,
                "owner": r.owner or "(none)",
            }
            for r in audit.results
        ]
    )
    for result in audit.results:
        lines += [f"### {result.title}: {score_text(result.score)}", ""]
        if result.note:
            lines += [f"_{result.note[0].upper()}{result.note[1:]}._", ""]
        lines += [f"Formula: `{result.formula}`", ""]
        lines += [f"- {name}: {value}" for name, value in result.inputs.items()]
        if result.inputs:
            lines.append("")
        for finding in result.findings:
            lines += [f"- **{finding.severity}**: {finding.message}"]
            for evidence in finding.evidence:
                lines.append(
                    f"  - [{evidence.label}]({evidence.url})" if evidence.url else f"  - {evidence.label}"
                )
            lines.append("")
            for evidence in finding.evidence:
                lines += table(evidence.rows[:10])
    return "\n".join(lines).rstrip() + "\n"
