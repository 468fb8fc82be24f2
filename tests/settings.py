"""Settings for the test suite: the real settings, with test-only defaults.

DATABASE_URL and REDIS_URL are honoured, so CI runs the whole suite on
PostgreSQL; tasks run eagerly in-process except in the integration tests,
which start a real worker of their own.
"""

import os

os.environ.setdefault("SECRET_KEY", "tests-only-secret-key-not-used-anywhere-else-0123456789")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")

from bizops.settings import *  # noqa: F403

SECURE_SSL_REDIRECT = False
SECURE_HSTS_SECONDS = 0
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
CELERY_TASK_ALWAYS_EAGER = True
# Parallel test runs share one Redis and one PostgreSQL cluster (advisory
# locks are cluster-wide): keep their job locks apart.
_database_name = DATABASES["default"]["NAME"]  # noqa: F405
JOB_LOCK_PREFIX = f"bizops-test-{_database_name}-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"
# The test client's login() authenticates without a request, which django-axes
# refuses; the login throttling tests turn it back on (tests/bizops/test_login_throttle.py).
AXES_ENABLED = False
