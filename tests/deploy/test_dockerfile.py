"""The Dockerfile's build steps, run without Docker."""

import json
import secrets
import shlex
import subprocess
import sys

import yaml

from tests.deploy.conftest import ROOT, image_env, is_pip_step


def test_the_pip_step_installs_what_the_tests_run_with(dockerfile, image):
    (step,) = [step for step in dockerfile.runs if is_pip_step(step)]
    # --no-index: offline, and it fails on a pin that is not the version installed here.
    done = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--dry-run", "--no-index", *shlex.split(step)[2:]],
        cwd=image,
        env=image_env(dockerfile),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Would install" not in done.stdout, f"the image would get other versions:\n{done.stdout}"
    assert "gunicorn==" in done.stdout  # the server the image's CMD runs is among them


def test_the_build_collects_static_files_under_hashed_names(image):
    manifest = json.loads((image / "staticfiles" / "staticfiles.json").read_text())["paths"]
    for name in ("dashboard/metrics.js", "vendor/chartjs/chart.umd.min.js", "admin/css/base.css"):
        hashed = manifest[name]
        assert hashed != name
        assert (image / "staticfiles" / hashed).is_file()
        assert (image / "staticfiles" / f"{hashed}.gz").is_file()  # whitenoise's compressed copy


def test_the_build_context_leaves_out_local_files(image):
    for name in (".env", ".venv", ".git", "db.sqlite3"):
        assert not (image / name).exists()
    assert (image / "manage.py").is_file()


def test_check_deploy_reports_no_issues_with_production_settings(dockerfile, image):
    secret = secrets.token_urlsafe(50)
    env = image_env(dockerfile, DEBUG="0", SECRET_KEY=secret, ALLOWED_HOSTS="ops.example.com")
    done = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=image,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "System check identified no issues" in done.stdout


def test_compose_runs_the_tested_image_command_in_production_mode():
    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    web = services["web"]
    assert "command" not in web  # the image's CMD: what test_production starts
    assert web["build"] == "."
    assert web["environment"]["DEBUG"] == "0"
    for name in ("web", "worker", "beat", "migrate"):
        assert services[name]["image"] == web["image"]  # one image for all
