"""`manage.py shell` starts quietly: every model it auto-imports can be imported."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_shell_starts_without_a_warning_about_models_it_cannot_import(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE"}}
    env.update(DEBUG="1", DATABASE_URL=f"sqlite:///{tmp_path / 'shell.sqlite3'}")
    shell = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", "print(1)"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert shell.returncode == 0, shell.stderr
    assert "could not be automatically imported" not in shell.stdout + shell.stderr
    assert shell.stdout.strip().splitlines()[-1] == "1"


def test_the_flags_history_models_are_found_where_they_say_they_live():
    import flags
    from flags.models import Experiment, Flag

    assert flags.HistoricalFlag is Flag.history.model
    assert flags.HistoricalExperiment is Experiment.history.model
