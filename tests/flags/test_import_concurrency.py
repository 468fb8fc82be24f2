"""On PostgreSQL: a flag saved while a big import is being checked does not wait for it."""

import json
import threading

import pytest
from django.db import connection

from flags.models import Flag
from flags.resources import FlagResource
from flags.transfer import load_dataset
from tests.services import require_postgres

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


class PausingResource(FlagResource):
    """Stops halfway through checking the rows until the test lets it go on."""

    def __init__(self, pause_at: int, **kwargs):
        super().__init__(**kwargs)
        self.pause_at = pause_at
        self.reached, self.release = threading.Event(), threading.Event()

    def before_import_row(self, row, **kwargs):
        super().before_import_row(row, **kwargs)
        if kwargs["row_number"] == self.pause_at:
            self.reached.set()
            self.release.wait(60)


def test_a_flag_save_does_not_wait_for_an_import_being_checked(tmp_path):
    require_postgres(connection)
    flag = Flag.objects.create(key="saved-meanwhile", enabled=False)
    path = tmp_path / "flags.json"
    path.write_text(json.dumps([{"key": f"imported-{i}", "enabled": True} for i in range(1500)]))
    resource, outcome = PausingResource(pause_at=1000), {}

    def run_import():
        from django.db import connection as own

        try:
            outcome["result"] = resource.import_data(
                load_dataset(path), raise_errors=False, rollback_on_validation_errors=True
            )
        finally:
            own.close()

    worker = threading.Thread(target=run_import)
    worker.start()
    try:
        assert resource.reached.wait(60), "the import never got to its rows"
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '3s'")  # fail, not hang, if the import holds a lock
        flag.enabled = True
        flag.save()  # bumps the flags' version row: waits if the import has taken it
    finally:
        resource.release.set()
        worker.join(120)
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = 0")
    assert not outcome["result"].has_errors() and not outcome["result"].has_validation_errors()
    assert Flag.objects.filter(key__startswith="imported-").count() == 1500
    assert Flag.objects.get(key="saved-meanwhile").enabled
