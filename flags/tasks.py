from flags import results, schedule
from flags.models import Experiment
from health.jobs import current_run
from health.runners import job_task


@job_task(name="flags.recompute_results")
def recompute_results(experiment_id: int | None = None) -> dict:
    """Purchases from orders, then the results of one experiment or of every
    running (or recently ended) one."""
    run = current_run()

    def progress(done: int, total: int, experiment: Experiment, analysis) -> None:
        if run is not None:
            run.add(read=analysis.users, written=1)
            run.note(progress=f"{done}/{total} experiments", last=experiment.key)
            run.save_progress()

    return results.recompute_due(experiment_id, on_progress=progress)


@job_task(name="flags.apply_scheduled_changes")
def apply_scheduled_changes() -> dict:
    applied = schedule.apply_due()
    return {"applied": applied, "rows_written": applied}
