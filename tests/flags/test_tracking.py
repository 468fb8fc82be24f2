"""Recording exposures never breaks the caller's transaction."""

import pytest
from django.db import connection, transaction

import flags
from flags.models import Exposure, Flag
from tests.flags.conftest import running_experiment
from tests.services import require_postgres

pytestmark = pytest.mark.django_db


@pytest.mark.postgres
def test_an_exposure_the_database_refuses_leaves_the_callers_transaction_usable(caplog):
    require_postgres(connection)
    experiment = running_experiment()
    too_long = "u" * 300  # Exposure.user_key holds 255 characters: PostgreSQL refuses the row
    with transaction.atomic():
        flags.is_on("checkout", {"id": too_long})
        # The caller's next queries, in the same transaction, still run.
        assert not Exposure.objects.filter(experiment=experiment).exists()
        Flag.objects.filter(key="checkout").update(description="still writable")
    assert Flag.objects.get(key="checkout").description == "still writable"
    assert "could not record an exposure to checkout-copy" in caplog.text
