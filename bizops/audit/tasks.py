from health.runners import job_task


@job_task(name="audit.weekly_audit")
def weekly_audit(days: int | None = None) -> dict:
    """Monday 08:00, after the health sweep: the business audit of the last days, then the memo."""
    from bizops.audit.audit import run_audit, write_audit
    from bizops.audit.base import Period
    from bizops.audit.memo import build_memo, write_memo

    period = Period.parse(str(days) if days else None)
    audit = run_audit(period)
    report = write_audit(audit)
    memo = write_memo(build_memo(audit))
    return {
        "report": report.slug,
        "memo": memo.slug,
        "temperature": audit.temperature.value,
        "momentum": audit.momentum.value,
        "tickets": audit.tickets,
        "rows_written": 2,
    }
