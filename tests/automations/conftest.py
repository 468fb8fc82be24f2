import pytest

from tests.automations.receiver import Receiver, serve


@pytest.fixture
def receiver():
    rec = Receiver()
    server = serve(rec)
    yield rec
    rec.release.set()
    server.shutdown()
    server.server_close()


@pytest.fixture
def webhook_settings(settings):
    """Deliveries to 127.0.0.1 allowed, retries at once and without jitter (a test drives them)."""
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    settings.WEBHOOK_RETRY_SCHEDULE = ["0s", "0s", "0s"]
    settings.WEBHOOK_RETRY_JITTER = 0
    settings.WEBHOOK_TIMEOUT_SECONDS = 5
    settings.WEBHOOK_DELIVER_ON_COMMIT = True
    return settings
