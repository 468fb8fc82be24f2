"""python manage.py automations export recipes.json | import recipes.json [--dry-run]"""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from bizops.automations import recipes


class Command(BaseCommand):
    help = "Export or import the webhook endpoints and their subscriptions (recipes); never their secrets."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["export", "import"])
        parser.add_argument("path", help="The recipes JSON file.")
        parser.add_argument("--dry-run", action="store_true", help="import: show the preview, write nothing.")

    def handle(self, *args, action, path, dry_run, **options):
        if action == "export":
            document, variables = recipes.export()
            Path(path).write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
            self.stdout.write(f"exported {len(document['endpoints']):,} endpoint(s) to {path} (no secrets)")
            for name in variables:
                self.stdout.write(f"  its URL is a credential: set {name} before importing")
            return
        try:
            if not Path(path).is_file():
                raise recipes.RecipeError(f"{path}: no such file")
            plan = recipes.plan(recipes.read(path))
        except recipes.RecipeError as exc:
            raise CommandError(f"nothing imported:\n{exc}") from None
        for line in plan.lines():
            self.stdout.write(f"  {line}")
        counts = len(plan.create), len(plan.update), len(plan.unchanged)
        summary = "{:,} to create, {:,} to update, {:,} unchanged".format(*counts)
        if dry_run:
            self.stdout.write(f"dry run, nothing written: {summary}")
            return
        recipes.apply(plan)
        self.stdout.write(
            f"imported: {summary}; new endpoints have fresh secrets (rotate one in the admin to see it)"
        )
