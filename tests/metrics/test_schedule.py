"""The nightly pipeline's beat entry, installed by a data migration and editable in the admin."""

import pytest
from django_celery_beat.models import PeriodicTask

pytestmark = pytest.mark.django_db


def test_the_nightly_pipeline_runs_at_1_10_toronto_with_an_expiry():
    task = PeriodicTask.objects.get(task="etl.nightly_pipeline")
    crontab = task.crontab
    assert (crontab.minute, crontab.hour, crontab.day_of_week) == ("10", "1", "*")
    assert str(crontab.timezone) == "America/Toronto"
    assert task.expire_seconds == 4 * 3600
    assert task.enabled
