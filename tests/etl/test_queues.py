"""Queues by kind of work: routed in settings, each served by a worker of the compose file."""

from pathlib import Path

import yaml
from django.conf import settings

from bizops.celery import app

ROOT = Path(__file__).resolve().parents[2]


def queue_of(task: str) -> str:
    return app.amqp.router.route({}, task)["queue"].name


def test_each_kind_of_work_goes_to_its_queue():
    assert {task: queue_of(task) for task in [
        "etl.pull_meta", "etl.pull_shopify", "etl.pipeline_pull", "etl.compute_metrics",
        "etl.pipeline_metrics", "etl.nightly_pipeline", "health.weekly_sweep", "automations.deliver",
    ]} == {
        "etl.pull_meta": "etl", "etl.pull_shopify": "etl", "etl.pipeline_pull": "etl",
        "etl.compute_metrics": "metrics", "etl.pipeline_metrics": "metrics",
        "etl.nightly_pipeline": "default", "health.weekly_sweep": "default",
        "automations.deliver": "webhooks",
    }  # fmt: skip


def test_the_compose_file_runs_one_scalable_worker_per_declared_queue():
    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    served = {}
    for name, service in services.items():
        command = service.get("command") or []
        if command[:4] == ["celery", "-A", "bizops", "worker"]:
            assert "container_name" not in service  # --scale needs generated names
            served[command[command.index("-Q") + 1]] = name
    assert served == {
        "default": "worker",
        "etl": "worker-etl",
        "metrics": "worker-metrics",
        "webhooks": "worker-webhooks",
    }
    assert set(served) == set(settings.CELERY_TASK_QUEUES)


def test_the_broker_keeps_an_unacknowledged_task_longer_than_any_task_may_run():
    longest = max(
        [settings.CELERY_TASK_TIME_LIMIT]
        + [limits["time_limit"] for limits in settings.CELERY_TASK_ANNOTATIONS.values()]
    )
    assert settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] > longest
    assert settings.CELERY_WORKER_PREFETCH_MULTIPLIER == 1
