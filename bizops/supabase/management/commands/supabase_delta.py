"""manage.py supabase_delta: what the database lacks, as one idempotent SQL file (or applied).

Exit status: 0 when done or when there is nothing to do; 1 when --check finds
drift, or when an applied delta left something undone; 2 when no delta can be
made (unreachable database, missing Supabase roles, undeclared tables).
"""

from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from bizops.supabase.catalog import DeclaredPolicyError
from bizops.supabase.changes import ERROR
from bizops.supabase.diff import Config, plan
from bizops.supabase.render import render, write
from bizops.supabase.target import ApplyError, TargetError, apply, connect, resolve


class Command(BaseCommand):
    help = (
        "Compare the declared row level security, the required extensions and Django's model state with "
        "the live database; write what is missing or different as supabase/migrations/<timestamp>_delta.sql "
        "(one transaction, safe to apply twice), or --apply it, or --check for drift (exit 1)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--database-url",
            help="Defaults to SUPABASE_DB_URL, then DATABASE_URL (prefer those: a command line is visible "
            "to other users of the machine).",
        )
        parser.add_argument(
            "--output",
            type=Path,
            help=f"Directory of the SQL file (default {settings.SUPABASE_MIGRATIONS_DIR}).",
        )
        mode = parser.add_mutually_exclusive_group()
        mode.add_argument("--apply", action="store_true", help="Apply the delta in one transaction; no file.")
        mode.add_argument("--check", action="store_true", help="Write nothing; exit 1 when there is drift.")
        parser.add_argument(
            "--prune",
            action="store_true",
            help="Also drop policies no declaration names (reported otherwise).",
        )

    def handle(self, *args, **options):
        config = Config.from_settings()
        try:
            target = resolve(options["database_url"])
            with connect(target, "supabase_delta") as conn:
                self._run(conn, target, config, options)
        except (TargetError, DeclaredPolicyError) as exc:
            raise CommandError(f"supabase_delta: {exc}", returncode=2) from None

    def _run(self, conn, target, config, options):
        delta = plan(conn, config, prune=options["prune"])
        for blocker in delta.blockers:
            self.stderr.write(
                f"  {blocker.severity}: {blocker.target}: {blocker.message} | fix: {blocker.fix}"
            )
        if delta.blockers:
            raise CommandError(
                f"supabase_delta: no delta for {target.describe()}: "
                f"{len(delta.blockers)} problem(s) listed above",
                returncode=2,
            )
        for change in delta.changes:
            self.stdout.write(f"  fix: {change.target}: {change.message}")
        for finding in delta.findings:
            self.stdout.write(f"  {finding.severity}: {finding.target}: {finding.message}")
        errors = [f for f in delta.findings if f.severity == ERROR]
        reads = f"{delta.statements_sent} catalog statements"
        if options["check"]:
            if delta.changes or errors:
                raise CommandError(
                    f"supabase_delta: drift in {target.describe()}: {len(delta.changes)} change(s) needed, "
                    f"{len(errors)} error(s) reported ({reads})",
                    returncode=1,
                )
            self.stdout.write(f"supabase_delta: no drift in {target.describe()} ({reads})")
            return
        if delta.empty:
            matches = "matches the declaration"
            if errors:
                matches = f"has {len(errors)} reported error(s) no delta changes (declare, or --prune)"
            self.stdout.write(
                f"supabase_delta: nothing to do: {target.describe()} {matches} ({reads}); no file written"
            )
            return
        now = datetime.now(UTC)
        sql = render(
            delta,
            database=target.describe(),
            schema=config.schema,
            extensions_schema=config.extensions_schema,
            lock_timeout=config.lock_timeout,
            generated_at=now,
        )
        if options["apply"]:
            self._apply(conn, target, config, sql, len(delta.changes))
            return
        path = write(sql, options["output"] or settings.SUPABASE_MIGRATIONS_DIR, now)
        self.stdout.write(f"supabase_delta: wrote {path} ({len(delta.changes)} change(s), {reads})")

    def _apply(self, conn, target, config, sql, count):
        try:
            apply(conn, sql, target, config.lock_timeout)
        except ApplyError as exc:
            raise CommandError(f"supabase_delta: {exc}", returncode=1) from None
        # A second look: after an apply nothing may be left to do.
        left = plan(conn, config)
        if left.changes:
            listed = "; ".join(f"{c.target}: {c.message}" for c in left.changes[:5])
            raise CommandError(
                f"supabase_delta: applied {count} change(s) but {len(left.changes)} remain: {listed}",
                returncode=1,
            )
        self.stdout.write(
            f"supabase_delta: applied {count} change(s) to {target.describe()} in one transaction; "
            "a second look finds nothing left to do"
        )
