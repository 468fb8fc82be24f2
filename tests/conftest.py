import pytest

from tests.factories import UserFactory


@pytest.fixture
def admin_user(db):
    return UserFactory(username="boss", is_superuser=True)


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


@pytest.fixture(autouse=True)
def _forget_cached_metric_rows():
    # The dashboard keeps day rows per data version; rolled-back test data can repeat a version.
    from bizops.dashboards import metrics

    metrics.forget_cached_rows()
    yield
    metrics.forget_cached_rows()
