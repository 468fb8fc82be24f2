"""Failed admin logins are throttled (django-axes): by username and address, then a readable lockout page."""

import re

import pytest
from django.contrib.auth import authenticate
from django.test import Client, RequestFactory

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
LOGIN = "/admin/login/?next=/admin/"
PASSWORD = "correct horse battery staple"


def log_in(client: Client, password: str, address: str = "10.0.0.1", **headers):
    return client.post(
        LOGIN,
        {"username": "ops", "password": password, "next": "/admin/"},
        REMOTE_ADDR=address,
        **headers,
    )


def text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


@pytest.fixture
def staff(settings):
    # The suite runs with django-axes off (tests/settings.py); these tests run it as production does.
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = settings.LOGIN_FAILURE_LIMIT = 5
    return UserFactory(username="ops", is_staff=True, is_superuser=True)


def test_after_five_failures_even_the_right_password_gets_a_lockout_page(client, staff, settings):
    for _ in range(4):
        assert log_in(client, "wrong").status_code == 200
    locked = log_in(client, "wrong")
    assert locked.status_code == 429
    refused = log_in(client, PASSWORD)
    assert refused.status_code == 429
    assert "_auth_user_id" not in client.session
    page = text(refused)
    assert "Locked out: too many failed logins" in page
    assert "after 5 failed logins in a row. Try again in 15 minutes." in page
    assert refused["Content-Type"].startswith("text/html")
    assert '<html lang="en-us"' in refused.content.decode()  # the admin's own page, not bare text


def test_a_success_before_the_limit_resets_the_count(client, staff):
    for _ in range(4):
        log_in(client, "wrong")
    assert log_in(client, PASSWORD).status_code == 302
    client.logout()
    for _ in range(4):
        assert log_in(client, "wrong").status_code == 200
    assert log_in(client, PASSWORD).status_code == 302


def test_the_lockout_holds_one_username_at_one_address_only(client, staff):
    for _ in range(5):
        log_in(client, "wrong")
    assert log_in(client, PASSWORD, address="10.0.0.2").status_code == 302


def test_x_forwarded_for_is_ignored_unless_the_proxy_is_trusted(client, staff):
    for n in range(5):
        log_in(client, "wrong", HTTP_X_FORWARDED_FOR=f"203.0.113.{n}")
    # Forging the header does not escape the lockout of the real address.
    assert log_in(client, PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.99").status_code == 429


def test_behind_a_trusted_proxy_the_last_forwarded_address_counts(client, staff, settings):
    settings.AXES_CLIENT_IP_CALLABLE = "bizops.login_throttle.forwarded_client_ip"
    for _ in range(5):
        log_in(client, "wrong", address="10.9.9.9", HTTP_X_FORWARDED_FOR="1.1.1.1, 198.51.100.7")
    assert (
        log_in(client, PASSWORD, address="10.9.9.9", HTTP_X_FORWARDED_FOR="198.51.100.7").status_code == 429
    )
    other = log_in(client, PASSWORD, address="10.9.9.9", HTTP_X_FORWARDED_FOR="198.51.100.8")
    assert other.status_code == 302


def test_force_login_and_authenticate_with_a_request_still_work(client, staff):
    client.force_login(staff)
    assert client.get("/admin/").status_code == 200
    request = RequestFactory().post(LOGIN, REMOTE_ADDR="10.0.0.3")
    assert authenticate(request, username="ops", password=PASSWORD) == staff


def test_the_rest_of_the_suite_logs_in_with_the_test_client_as_before(client):
    UserFactory(username="ops", is_staff=True, is_superuser=True)
    assert client.login(username="ops", password=PASSWORD)
    assert client.get("/admin/").status_code == 200
