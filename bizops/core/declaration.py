"""Row level security declared beside the models.

Each app says, in its ``rls.py`` (imported at start-up the way ``admin.py``
is), how each of its tables is protected::

    from bizops.core.declaration import authenticated_read, rls
    from etl.models import DailyMetric

    rls.service_only("etl")  # every etl table: RLS on, no policy (service role only)
    rls.table(DailyMetric, policies=[authenticated_read("authenticated read daily metrics")])

An explicit ``rls.table`` wins over the app-wide ``service_only``. A table in
the model state with neither is an error the checks name: there is no silent
unprotected table. Declarations are checked when made, so a mistake stops
start-up naming the table and the rule.

Project policy: ``anon`` gets nothing anywhere (a policy for ``anon`` or
``public`` is refused), ``authenticated`` may read what a declaration lets it,
and ``service_role`` bypasses row level security. Grants follow the policies:
an API role holds exactly the privileges its policies need.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.utils.module_loading import autodiscover_modules

from bizops.core.sqltext import unwrapped_calls

ANON, AUTHENTICATED, SERVICE_ROLE = "anon", "authenticated", "service_role"
SUPABASE_ROLES = (ANON, AUTHENTICATED, SERVICE_ROLE)
# The roles whose table privileges the delta manages (PostgREST's request roles).
API_ROLES = (ANON, AUTHENTICATED)
COMMANDS = ("SELECT", "INSERT", "UPDATE", "DELETE", "ALL")
PRIVILEGES_BY_COMMAND = {
    "SELECT": frozenset({"SELECT"}),
    "INSERT": frozenset({"INSERT"}),
    "UPDATE": frozenset({"UPDATE"}),
    "DELETE": frozenset({"DELETE"}),
    "ALL": frozenset({"SELECT", "INSERT", "UPDATE", "DELETE"}),
}
# Signed in: a request carrying a user's JWT. Wrapped in a sub-select so
# PostgreSQL evaluates it once per statement, not once per row.
SIGNED_IN = "(select auth.uid()) is not null"
MAX_IDENTIFIER = 63


@dataclass(frozen=True)
class Policy:
    """One ``CREATE POLICY``: name, command, permissive or not, roles, USING and WITH CHECK."""

    name: str
    command: str = "SELECT"
    roles: tuple[str, ...] = (AUTHENTICATED,)
    using: str | None = None
    with_check: str | None = None
    permissive: bool = True

    def __post_init__(self):
        object.__setattr__(self, "command", self.command.upper())
        object.__setattr__(self, "roles", tuple(self.roles))

    def problems(self) -> list[str]:
        found = []
        if not self.name or len(self.name.encode()) > MAX_IDENTIFIER:
            found.append(f"policy name {self.name!r} must be 1 to {MAX_IDENTIFIER} bytes")
        if self.command not in COMMANDS:
            allowed = ", ".join(COMMANDS)
            found.append(f"policy {self.name!r}: command {self.command!r} is not one of {allowed}")
        if not self.roles:
            found.append(f"policy {self.name!r} names no role")
        if {ANON, "public"} & set(self.roles):
            found.append(f"policy {self.name!r} is for anon or public: anon gets nothing anywhere")
        if self.command == "INSERT" and self.using:
            found.append(f"policy {self.name!r}: an INSERT policy takes WITH CHECK only, not USING")
        if self.command in ("SELECT", "DELETE") and self.with_check:
            found.append(f"policy {self.name!r}: a {self.command} policy takes USING only, not WITH CHECK")
        if self.using is None and self.with_check is None:
            found.append(f"policy {self.name!r} has neither USING nor WITH CHECK")
        for clause in (self.using, self.with_check):
            for call in unwrapped_calls(clause):
                found.append(
                    f"policy {self.name!r} calls {call} per row: wrap it as (select {call}) "
                    "so PostgreSQL evaluates it once per statement"
                )
        return found

    def applies_to(self, role: str) -> bool:
        return role in self.roles or "public" in self.roles


def authenticated_read(name: str, using: str = SIGNED_IN) -> Policy:
    """Signed-in users may read every row: the reporting tables' policy."""
    return Policy(name=name, command="SELECT", roles=(AUTHENTICATED,), using=using)


@dataclass(frozen=True)
class TableSecurity:
    """How one table is protected. RLS is always on: the only choice is whether it is forced."""

    table: str
    policies: tuple[Policy, ...] = ()
    force: bool = False
    # Not a model's table (the cache table, django_migrations): secured when
    # present, and its absence is no error.
    optional: bool = False
    origin: str = ""

    def privileges(self, role: str) -> frozenset[str]:
        """The table privileges ``role`` needs for its policies, and no more."""
        granted: set[str] = set()
        for policy in self.policies:
            if policy.applies_to(role):
                granted |= PRIVILEGES_BY_COMMAND[policy.command]
        return frozenset(granted)

    @property
    def service_only(self) -> bool:
        return not self.policies


def _table_name(target: type[models.Model] | str) -> tuple[str, str]:
    if isinstance(target, str):
        return target, target
    return target._meta.db_table, target._meta.label


@dataclass
class SecurityRegistry:
    """Every declaration, from every app's ``rls.py``."""

    tables: dict[str, TableSecurity] = field(default_factory=dict)
    service_only_apps: dict[str, bool] = field(default_factory=dict)  # app label -> force

    def table(
        self,
        target: type[models.Model] | str,
        *,
        policies: Iterable[Policy] = (),
        force: bool = False,
        optional: bool = False,
    ) -> TableSecurity:
        """Declare one table (a model, or a table name for tables no model owns)."""
        table, origin = _table_name(target)
        if table in self.tables:
            raise ImproperlyConfigured(f"row level security of table {table} ({origin}) is declared twice")
        policies = tuple(policies)
        problems = [problem for policy in policies for problem in policy.problems()]
        names = [policy.name for policy in policies]
        problems += [
            f"policy {name!r} is declared twice" for name in sorted(set(names)) if names.count(name) > 1
        ]
        if problems:
            listed = "; ".join(problems)
            raise ImproperlyConfigured(f"row level security of table {table} ({origin}): {listed}")
        self.tables[table] = TableSecurity(table, policies, force=force, optional=optional, origin=origin)
        return self.tables[table]

    def service_only(self, *app_labels: str, force: bool = False) -> None:
        """Every table of these apps not declared otherwise: RLS on, no policy.

        The API roles get nothing; the service role (and Django, which connects
        as a role that bypasses RLS) keeps full access.
        """
        for label in app_labels:
            if label in self.service_only_apps:
                raise ImproperlyConfigured(f"app {label} is declared service-only twice")
            self.service_only_apps[label] = force

    def resolve(self, tables_by_app: Mapping[str, Iterable[str]]) -> dict[str, TableSecurity]:
        """Every declared table, the app-wide declarations expanded over ``tables_by_app``."""
        resolved = dict(self.tables)
        for label, force in self.service_only_apps.items():
            for table in tables_by_app.get(label, ()):
                resolved.setdefault(table, TableSecurity(table=table, force=force, origin=f"app {label}"))
        return resolved

    def copy(self) -> "SecurityRegistry":
        return SecurityRegistry(dict(self.tables), dict(self.service_only_apps))


def undeclared(
    declared: Mapping[str, TableSecurity], tables_by_app: Mapping[str, Iterable[str]]
) -> list[str]:
    """Model tables with no declaration, each named with the app that owns it."""
    return sorted(
        f"{table} (app {label})"
        for label, tables in tables_by_app.items()
        for table in tables
        if table not in declared
    )


rls = SecurityRegistry()


def autodiscover() -> None:
    """Import every installed app's ``rls`` module, which declares into ``rls``."""
    autodiscover_modules("rls")
