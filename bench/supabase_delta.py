"""Benchmark: supabase_delta with 10, 50 and 200 declared tables.

Prints, for each size, the time one delta takes against a database that
matches (the steady state CI sees on every push) and the number of statements
it sends; then the same after drift on 200 tables. The count must not grow
with the number of tables: every catalog query covers the whole schema.

Needs PostgreSQL: DATABASE_URL=postgres://... make bench. Scratch databases
are named after DATABASE_URL's and dropped at the end.
"""

import os
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bizops.settings")
os.environ.setdefault("DEBUG", "1")

import django  # noqa: E402

django.setup()

import environ  # noqa: E402
import psycopg  # noqa: E402
from django.apps.registry import Apps  # noqa: E402
from django.db import models  # noqa: E402

from bizops.core.declaration import SecurityRegistry, authenticated_read  # noqa: E402
from bizops.supabase.diff import Config, plan  # noqa: E402
from bizops.supabase.emulation import supabase_setup_sql  # noqa: E402
from bizops.supabase.expected import ModelState  # noqa: E402
from bizops.supabase.render import render  # noqa: E402
from bizops.supabase.target import apply, resolve  # noqa: E402

SIZES = (10, 50, 200)
REPEATS = 5


def bench_models(count: int) -> list[type[models.Model]]:
    """``count`` tables like the project's: money, a timestamp index, a foreign key to the previous one."""
    registry = Apps()
    made: list[type[models.Model]] = []
    for i in range(count):
        meta = type("Meta", (), {"app_label": "bench", "db_table": f"bench_t{i:03d}", "apps": registry})
        fields = {
            "__module__": "bench_models",
            "Meta": meta,
            "name": models.CharField(max_length=100),
            "amount": models.DecimalField(max_digits=18, decimal_places=4, default=0),
            "created_at": models.DateTimeField(db_index=True),
        }
        if made:
            fields["parent"] = models.ForeignKey(made[-1], null=True, on_delete=models.CASCADE)
        made.append(type(f"BenchTable{i}", (models.Model,), fields))
    return made


def declarations(tables: list[type[models.Model]]) -> SecurityRegistry:
    """Half the tables readable by signed-in users, half service-only."""
    registry = SecurityRegistry()
    for i, model in enumerate(tables):
        policies = [authenticated_read(f"signed-in users read t{i:03d}")] if i % 2 == 0 else []
        registry.table(model, policies=policies)
    return registry


def admin_url(base: dict, name: str) -> str:
    auth = base["USER"] + (f":{base['PASSWORD']}" if base["PASSWORD"] else "")
    return f"postgres://{auth}@{base['HOST'] or '127.0.0.1'}:{base['PORT'] or 5432}/{name}"


def timed_plan(conn, tables, registry, config) -> tuple[float, int, int]:
    durations, statements, changes = [], 0, 0
    for _ in range(REPEATS):
        started = time.perf_counter()
        delta = plan(conn, config, models=tables, registry=registry)
        durations.append(time.perf_counter() - started)
        statements, changes = delta.statements_sent, len(delta.changes)
    return statistics.median(durations), statements, changes


def main() -> int:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        print("supabase_delta benchmark: skipped, needs PostgreSQL (DATABASE_URL=postgres://...)")
        return 0
    base = environ.Env.db_url_config(url)
    prefix = f"{base['NAME'][:30]}_sbbench{os.getpid()}"
    config = Config.from_settings()
    all_tables = bench_models(max(SIZES))
    made = []
    admin = psycopg.connect(admin_url(base, "postgres"), autocommit=True)
    try:
        print("steady: a delta against a database that matches (median of 5); of which model state: Django's")
        print(
            "schema editor writing the expected SQL, no database; the rest is the catalog read and the diff"
        )
        header = ("tables", "policies", "statements", "first delta", "steady ms", "model state ms", "rest ms")
        print("  ".join(f"{h:>{max(len(h), 8)}}" for h in header))
        results = {}
        for size in SIZES:
            name = f"{prefix}_{size}"
            admin.execute(f'CREATE DATABASE "{name}"')
            made.append(name)
            target = resolve(admin_url(base, name))
            with psycopg.connect(target.conninfo, autocommit=True) as conn:
                conn.execute(supabase_setup_sql())
                tables, registry = all_tables[:size], declarations(all_tables[:size])
                started = time.perf_counter()
                first = plan(conn, config, models=tables, registry=registry)
                sql = render(
                    first,
                    database=target.describe(),
                    schema=config.schema,
                    extensions_schema=config.extensions_schema,
                    lock_timeout="30s",
                    generated_at=datetime.now(UTC),
                )
                apply(conn, sql, target, "30s")
                first_seconds = time.perf_counter() - started
                steady, statements, left = timed_plan(conn, tables, registry, config)
                if left:
                    raise SystemExit(f"{left} changes left after applying the delta")
                results[size] = (steady, statements)
                policies = sum(len(d.policies) for d in registry.tables.values())
                started = time.perf_counter()
                ModelState(tables, config.schema)
                state_ms = (time.perf_counter() - started) * 1000
                row = (
                    size,
                    policies,
                    statements,
                    f"{first_seconds:.2f}s",
                    f"{steady * 1000:.0f}",
                    f"{state_ms:.0f}",
                )
                row += (f"{steady * 1000 - state_ms:.0f}",)
                print("  ".join(f"{v:>{max(len(h), 8)}}" for v, h in zip(row, header, strict=True)))
                if size == max(SIZES):
                    drift(conn, tables, registry, config)
        small, large = results[min(SIZES)], results[max(SIZES)]
        print(f"statements {max(SIZES)}/{min(SIZES)} tables: {large[1] / small[1]:.2f} (must be 1.00)")
        print(
            f"time {max(SIZES)}/{min(SIZES)} tables: {large[0] / small[0]:.2f} "
            f"for {max(SIZES) // min(SIZES)}x the tables"
        )
        return 0 if large[1] == small[1] else 1
    finally:
        for name in made:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def drift(conn, tables, registry, config) -> None:
    """RLS off on a quarter of the tables, a quarter of the policies dropped, another quarter edited."""
    names = [m._meta.db_table for m in tables]
    for i, table in enumerate(names):
        if i % 4 == 1:
            conn.execute(f'ALTER TABLE "{table}" DISABLE ROW LEVEL SECURITY')
        elif i % 4 == 0:
            conn.execute(f'DROP POLICY "signed-in users read t{i:03d}" ON "{table}"')
        elif i % 4 == 2:
            conn.execute(f'ALTER POLICY "signed-in users read t{i:03d}" ON "{table}" USING (true)')
    started = time.perf_counter()
    delta = plan(conn, config, models=tables, registry=registry)
    seconds = time.perf_counter() - started
    print(
        f"after drift on {len(names)} tables: {len(delta.changes)} changes found in {seconds * 1000:.0f} ms "
        f"with {delta.statements_sent} statements"
    )


if __name__ == "__main__":
    sys.exit(main())
