"""Databases that look like Supabase, on the real PostgreSQL of DATABASE_URL.

Three templates are built once per test session, then copied for each test
with CREATE DATABASE ... TEMPLATE (a file copy, a fraction of a second):

- ``empty``: Supabase's roles, ``auth`` schema, ``auth.uid()``/``auth.jwt()``
  and default privileges (bizops.supabase.emulation), and nothing else;
- ``migrated``: the same after ``manage.py migrate``: every table, no RLS;
- ``secured``: the same after the delta: what production should look like.

Every database is named after DATABASE_URL's (``<name>_sb<pid>_...``) and
dropped at the end. The roles are cluster-wide: created when missing, never
dropped, since another test run may be using them.
"""

import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from io import StringIO
from itertools import count
from pathlib import Path

import environ
import psycopg
import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from bizops.core.declaration import rls
from bizops.supabase.diff import plan
from bizops.supabase.emulation import supabase_setup_sql
from bizops.supabase.render import render
from bizops.supabase.target import apply, connect, resolve
from tests.services import missing, require_postgres

ROOT = Path(__file__).resolve().parents[2]
_numbers = count()


@dataclass
class Database:
    name: str
    url: str

    def connect(self, **kwargs) -> psycopg.Connection:
        return psycopg.connect(self.url, autocommit=True, **kwargs)

    def execute(self, sql: str) -> None:
        with self.connect() as conn:
            conn.execute(sql)

    def query(self, sql: str, params=None) -> list[tuple]:
        with self.connect() as conn:
            return conn.execute(sql, params).fetchall()


@dataclass
class CommandResult:
    code: int
    out: str
    err: str


def url_for(base: dict, name: str) -> str:
    auth = base["USER"] + (f":{base['PASSWORD']}" if base["PASSWORD"] else "")
    return f"postgres://{auth}@{base['HOST'] or '127.0.0.1'}:{base['PORT'] or 5432}/{name}"


def psql(url: str, *, file: Path | None = None, sql: str | None = None) -> subprocess.CompletedProcess:
    """The real client, as a person or CI would run it."""
    if not shutil.which("psql"):
        missing("psql is not on PATH (apt install postgresql-client)")
    args = ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", url]
    args += ["-f", str(file)] if file else ["-c", sql]
    return subprocess.run(args, capture_output=True, text=True, timeout=120)


def run_command(name: str, *args: str) -> CommandResult:
    out, err = StringIO(), StringIO()
    try:
        call_command(name, *args, stdout=out, stderr=err)
    except CommandError as exc:
        return CommandResult(exc.returncode, out.getvalue(), err.getvalue() + str(exc))
    return CommandResult(0, out.getvalue(), err.getvalue())


class Cluster:
    """Creates and drops this session's databases through the maintenance database."""

    def __init__(self, base: dict):
        self.base = base
        self.prefix = f"{base['NAME'][:30]}_sb{os.getpid()}"
        self.created: list[str] = []
        self.templates: dict[str, Database] = {}

    def admin(self) -> psycopg.Connection:
        return psycopg.connect(url_for(self.base, "postgres"), autocommit=True)

    def create(self, suffix: str, template: str | None = None) -> Database:
        name = f"{self.prefix}_{suffix}"
        with self.admin() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
            # Per-database settings are not copied from a template.
            conn.execute(f"ALTER DATABASE \"{name}\" SET pgrst.db_schemas = 'public'")
        self.created.append(name)
        return Database(name, url_for(self.base, name))

    def drop(self, name: str) -> None:
        with self.admin() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if name in self.created:
            self.created.remove(name)

    def template(self, kind: str) -> Database:
        if kind not in self.templates:
            self.templates[kind] = getattr(self, f"_build_{kind}")()
        return self.templates[kind]

    def _build_empty(self) -> Database:
        database = self.create("tpl_empty")
        result = psql(database.url, sql=supabase_setup_sql())
        assert result.returncode == 0, result.stderr
        return database

    def _build_migrated(self) -> Database:
        database = self.create("tpl_migrated", template=self.template("empty").name)
        env = {**os.environ, "DATABASE_URL": database.url, "DJANGO_SETTINGS_MODULE": "tests.settings"}
        env.pop("REDIS_URL", None)
        result = subprocess.run(
            [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert result.returncode == 0, result.stderr
        return database

    def _build_secured(self) -> Database:
        """The project's own declaration applied (never one a test has swapped in)."""
        database = self.create("tpl_secured", template=self.template("migrated").name)
        target = resolve(database.url)
        with connect(target, "tests") as conn:
            delta = plan(conn, registry=rls)
            sql = render(
                delta,
                database=target.describe(),
                schema="public",
                extensions_schema="extensions",
                lock_timeout="5s",
                generated_at=datetime.now(UTC),
            )
            apply(conn, sql, target, "5s")
        return database


@pytest.fixture(scope="session")
def cluster():
    require_postgres(connection)
    base = environ.Env.db_url_config(os.environ["DATABASE_URL"])
    instance = Cluster(base)
    yield instance
    for name in list(reversed(instance.created)):
        instance.drop(name)


@pytest.fixture
def supabase_db(cluster, request):
    """A fresh copy of a template: supabase_db("secured"), ("migrated") or ("empty")."""
    made = []

    def make(kind: str = "secured") -> Database:
        database = cluster.create(f"c{next(_numbers)}", template=cluster.template(kind).name)
        made.append(database.name)
        return database

    yield make
    for name in made:
        cluster.drop(name)


@dataclass
class PlainCluster:
    port: int
    password: str

    def url(self, password: str | None = None) -> str:
        return f"postgres://postgres:{password or self.password}@127.0.0.1:{self.port}/postgres"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _postgres_bindir() -> Path | None:
    if shutil.which("pg_config"):
        found = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True).stdout.strip()
        if found and (Path(found) / "initdb").exists():
            return Path(found)
    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    return candidates[-1].parent if candidates else None


@pytest.fixture(scope="session")
def plain_postgres():
    """A throwaway PostgreSQL cluster of its own: password authentication, no Supabase roles."""
    bindir = _postgres_bindir()
    if bindir is None:
        missing("initdb is not installed (apt install postgresql)")
    as_postgres: list[str] = []
    if os.geteuid() == 0:
        # PostgreSQL refuses to run as root.
        if not shutil.which("runuser") or subprocess.run(["id", "postgres"], capture_output=True).returncode:
            missing("running as root, and no postgres user to run a throwaway cluster as")
        as_postgres = ["runuser", "-u", "postgres", "--"]
    directory = Path(tempfile.mkdtemp(prefix="bizops-plain-pg-"))
    password = f"plain-{secrets.token_hex(6)}"
    (directory / "pw").write_text(password)
    if as_postgres:
        shutil.chown(directory, "postgres")
        shutil.chown(directory / "pw", "postgres")
    data, port = directory / "data", free_port()

    def run(*args):
        return subprocess.run([*as_postgres, *args], capture_output=True, text=True, timeout=60)

    made = run(
        str(bindir / "initdb"),
        "-D",
        str(data),
        "-U",
        "postgres",
        "--auth=scram-sha-256",
        f"--pwfile={directory / 'pw'}",
        "--no-sync",
        "-E",
        "UTF8",
    )
    assert made.returncode == 0, made.stderr
    options = f"-p {port} -k {directory} -c listen_addresses=127.0.0.1 -c fsync=off"
    started = run(
        str(bindir / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(directory / "log"), "-w", "start"
    )
    assert started.returncode == 0, started.stderr
    yield PlainCluster(port, password)
    run(str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop")
    shutil.rmtree(directory, ignore_errors=True)


def manage(*args: str) -> subprocess.CompletedProcess:
    """manage.py in its own process: what a person or CI sees, exit status and all."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings"}
    env.pop("SUPABASE_DB_URL", None)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
