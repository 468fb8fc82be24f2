from datetime import timedelta

from django.utils import timezone

from flags import orders, results, schedule
from flags.models import Experiment
from health.jobs import current_run
from health.runners import job_task


@job_task(name="flags.recompute_results")
def recompute_results(experiment_id: int | None = None) -> dict:
    """Purchases from orders, then the results of one experiment or of every
    running (or recently ended) one."""
    experiments = Experiment.objects.exclude(variants=[]).exclude(started_at=None)
    if experiment_id is not None:
        experiments = experiments.filter(pk=experiment_id)
    else:
        recent = timezone.now() - timedelta(days=7)
        experiments = experiments.filter(status=Experiment.Status.RUNNING) | experiments.filter(
            ended_at__gte=recent
        )
    experiments = list(experiments.distinct().order_by("pk"))
    run = current_run()
    written = 0
    if experiments:
        written += orders.sync_purchases(min(e.started_at for e in experiments))
    for done, experiment in enumerate(experiments, start=1):
        analysis = results.recompute(experiment)
        written += 1
        if run is not None:
            run.add(read=analysis.users, written=1)
            run.note(progress=f"{done}/{len(experiments)} experiments", last=experiment.key)
            run.save_progress()
    return {"experiments": len(experiments), "rows_written": written}


@job_task(name="flags.apply_scheduled_changes")
def apply_scheduled_changes() -> dict:
    applied = schedule.apply_due()
    return {"applied": applied, "rows_written": applied}
