"""Experiment results are recomputed by a real worker through Redis and recorded as a job run."""

import pytest
from django.utils import timezone

from flags.models import Experiment, ExperimentAnalysis, Exposure
from health.models import JobRun

pytestmark = [pytest.mark.integration, pytest.mark.redis, pytest.mark.postgres]


def test_a_worker_recomputes_experiment_results(celery_worker_process):
    from flags.models import Flag

    client, queue = celery_worker_process
    flag = Flag.objects.create(key="checkout", enabled=True)
    experiment = Experiment.objects.create(
        key="checkout-copy",
        name="Checkout copy",
        flag=flag,
        status=Experiment.Status.RUNNING,
        variants=[
            {"key": "control", "weight": 0.5, "value": False},
            {"key": "treatment", "weight": 0.5, "value": True},
        ],
    )
    Exposure.objects.bulk_create(
        [
            Exposure(experiment=experiment, user_key=f"u{i}", variant=["control", "treatment"][i % 2])
            for i in range(40)
        ]
    )
    result = client.send_task("flags.recompute_results", kwargs={"experiment_id": experiment.pk}, queue=queue)
    assert result.get(timeout=60) == {"experiments": 1, "rows_written": 1}
    analysis = ExperimentAnalysis.objects.get(experiment=experiment)
    assert (analysis.users, analysis.verdict) == (40, "not_enough_data")
    assert analysis.computed_at <= timezone.now()
    run = JobRun.objects.get(job="flags.recompute_results")
    assert (run.status, run.task_id) == ("succeeded", result.id)
