"""The project's settings with two changes for the load benchmark: the URLs add its
floor view, and static files are collected into its own temporary folder."""

import os

from bizops.settings import *  # noqa: F403

ROOT_URLCONF = "bench.loadsite.urls"
STATIC_ROOT = os.environ.get("BENCH_STATIC_ROOT") or STATIC_ROOT  # noqa: F405
