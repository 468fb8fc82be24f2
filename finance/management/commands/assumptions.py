from pathlib import Path

from django.core.management.base import CommandError

from bizops.core.imports import ImportRefused, check_size
from finance.assumptions_json import AssumptionImportError, dumps, export_assumption_set, import_text, plan
from finance.jobs import run_by_hand
from finance.models import AssumptionSet, Scenario
from finance.report import amount, month_label
from health.runners import JobCommand


class Command(JobCommand):
    help = (
        "Assumption sets as JSON files: `assumptions export NAME [--version N] [-o FILE]`, "
        "`assumptions import FILE [--dry-run]` (the whole file is checked first; all or nothing)."
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        export = sub.add_parser("export", help="Write one assumption set (the newest version by default).")
        export.add_argument("name")
        export.add_argument("--version", type=int)
        export.add_argument("-o", "--output", type=Path, help="Default: standard output.")
        load = sub.add_parser("import", help="Read a file; a changed set becomes its next version.")
        load.add_argument("file", type=Path)
        load.add_argument("--dry-run", action="store_true", help="Check and say what would happen.")

    def get_job_name(self, *args, **options) -> str:
        return f"finance.assumptions_{options['action']}"

    def run_job(self, run, *args, **options):
        if options["action"] == "export":
            return self._export(run, options)
        return self._import(run, options)

    def _export(self, run, options):
        versions = AssumptionSet.objects.filter(name=options["name"]).order_by("-version")
        if options["version"]:
            versions = versions.filter(version=options["version"])
        assumption_set = versions.first()
        if assumption_set is None:
            known = ", ".join(AssumptionSet.objects.values_list("name", flat=True).distinct()) or "none"
            wanted = f"{options['name']!r} version {options['version'] or 'any'}"
            raise CommandError(f"no assumption set {wanted}; known: {known}")
        text = dumps(export_assumption_set(assumption_set))
        if options["output"]:
            options["output"].write_text(text, encoding="utf-8")
            self.stderr.write(f"wrote {assumption_set} to {options['output']}")
        else:
            self.stdout.write(text, ending="")
        run.add(read=1, written=1)

    def _import(self, run, options):
        path = options["file"]
        if not path.is_file():
            raise CommandError(f"{path}: no such file")
        try:
            check_size(path.stat().st_size)
        except ImportRefused as exc:
            raise CommandError(f"{path} was not imported: {exc}") from None
        try:
            parsed, result = import_text(path.read_bytes(), dry_run=options["dry_run"])
        except AssumptionImportError as exc:
            lines = "\n".join(f"  - {problem}" for problem in exc.problems)
            raise CommandError(
                f"{path} was not imported ({len(exc.problems)} problem(s)); nothing saved:\n{lines}"
            ) from None
        if options["dry_run"]:
            for line in plan(parsed):
                self.stdout.write(f"would: {line}")
            return
        run.add(
            read=1,
            written=int(result.created_version) + len(result.scenarios_created + result.scenarios_updated),
        )
        verb = "imported" if result.created_version else "unchanged:"
        created = ", ".join(result.scenarios_created) or "none"
        updated = ", ".join(result.scenarios_updated) or "none"
        self.stdout.write(
            self.style.SUCCESS(
                f"{verb} {result.assumption_set}; scenarios created: {created}, updated: {updated}"
            )
        )
        if result.created_version or result.scenarios_created or result.scenarios_updated:
            # As the admin's save and import do: the scenarios now on the set are run again.
            self._rerun(Scenario.objects.filter(assumption_set=result.assumption_set))

    def _rerun(self, scenarios):
        outcome = run_by_hand(scenarios, produced_by="manage.py assumptions import")
        if outcome.problem:
            write = self.stderr.write if outcome.refused else self.stdout.write
            write(outcome.problem)
        for run in outcome.runs:
            self.stdout.write(
                f"ran {run.scenario_name} on {run.assumption_set}: "
                f"{run.headline_phrase} {amount(run.headline)}, "
                f"break-even {month_label(run, run.break_even_month)}"
            )
