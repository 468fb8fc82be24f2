"""gunicorn's settings file, read from the working directory (the image's /app, or the checkout).

The command line (the Dockerfile's CMD) sets the bind address and the workers;
this file adds one thing: the settings gate (``bizops.checks``) runs once in the
master, before any worker is forked. A bad setting then stops gunicorn with the
gate's one line and exit status 3, instead of every worker failing to boot and
the master reporting their deaths as they race each other.
"""

import os


def on_starting(server):
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bizops.settings")
    import django

    django.setup()  # the ground app's ready() runs the gate
