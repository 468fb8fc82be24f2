"""Reports written out as files (``DIR/<kind>/<slug>.md``) for people and CI artifacts."""

from pathlib import Path

import frontmatter

from bizops.core.models import Report


def export_reports(directory: Path, reports=None) -> list[Path]:
    reports = reports if reports is not None else Report.objects.all()
    written = []
    for report in reports:
        target = Path(directory) / report.kind / f"{report.slug}.md"
        target.parent.mkdir(parents=True, exist_ok=True)
        meta = {
            "title": report.title,
            "kind": Report.Kind(report.kind).value,
            "period": report.period,
            "produced_by": report.produced_by,
            "created_at": report.created_at.isoformat(),
        }
        post = frontmatter.Post(report.body.strip(), **meta)
        target.write_text(frontmatter.dumps(post, sort_keys=False) + "\n", encoding="utf-8")
        written.append(target)
    return written
