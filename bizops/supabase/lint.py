"""Supabase's database advisor rules that apply here, run over a catalog snapshot.

Named as Supabase's advisors name them (splinter), so a problem reads the same
here as in the dashboard: rls_disabled_in_public (0013), policy_exists_rls_disabled
(0007), rls_enabled_no_policy (0008), auth_rls_initplan (0003),
unindexed_foreign_keys (0001), multiple_permissive_policies (0006),
extension_in_public (0014).
"""

from collections import defaultdict

from bizops.core.declaration import TableSecurity
from bizops.core.sqltext import qualified, unwrapped_calls
from bizops.supabase.catalog import Snapshot
from bizops.supabase.changes import ERROR, INFO, WARNING, Finding

ALL_COMMANDS = ("SELECT", "INSERT", "UPDATE", "DELETE")


def _rls_rules(snapshot: Snapshot, declared: dict[str, TableSecurity], schema: str) -> list[Finding]:
    found = []
    for table, live in snapshot.tables.items():
        target = f"{schema}.{table}"
        policies = snapshot.policies.get(table, {})
        if not live.rls:
            found.append(
                Finding(
                    ERROR,
                    "rls_disabled_in_public",
                    target,
                    "row level security is off: the API roles reach every row their grants allow",
                    f"ALTER TABLE {qualified(schema, table)} ENABLE ROW LEVEL SECURITY",
                )
            )
            if policies:
                found.append(
                    Finding(
                        ERROR,
                        "policy_exists_rls_disabled",
                        target,
                        f"has {len(policies)} policies, which do nothing while row level security is off",
                        f"ALTER TABLE {qualified(schema, table)} ENABLE ROW LEVEL SECURITY",
                    )
                )
        elif not policies and table not in declared:
            # Declared service-only tables have no policy on purpose.
            found.append(
                Finding(
                    INFO,
                    "rls_enabled_no_policy",
                    target,
                    "row level security is on with no policy: nobody "
                    "but a role bypassing it can read the table",
                )
            )
    return found


def _policy_rules(snapshot: Snapshot, schema: str) -> list[Finding]:
    found = []
    for table, policies in snapshot.policies.items():
        permissive = defaultdict(list)
        for policy in policies.values():
            calls = unwrapped_calls(policy.using) + unwrapped_calls(policy.with_check)
            if calls:
                wrapped = ", ".join(f"(select {call})" for call in sorted(set(calls)))
                found.append(
                    Finding(
                        WARNING,
                        "auth_rls_initplan",
                        f"{schema}.{table} policy {policy.name}",
                        f"calls {', '.join(sorted(set(calls)))} once per row",
                        f"wrap it as {wrapped} so PostgreSQL evaluates it once per statement",
                    )
                )
            if policy.permissive:
                commands = ALL_COMMANDS if policy.command == "ALL" else (policy.command,)
                for role in policy.roles:
                    for command in commands:
                        permissive[(role, command)].append(policy.name)
        for (role, command), names in sorted(permissive.items()):
            if len(names) > 1:
                found.append(
                    Finding(
                        WARNING,
                        "multiple_permissive_policies",
                        f"{schema}.{table}",
                        f"{len(names)} permissive policies for {role} on {command} "
                        f"({', '.join(sorted(names))}): each is evaluated for every row",
                        "merge them into one policy",
                    )
                )
    return found


def _foreign_key_rules(snapshot: Snapshot, schema: str) -> list[Finding]:
    found = []
    for table, constraints in snapshot.constraints.items():
        indexes = snapshot.indexes.get(table, {}).values()
        for constraint in constraints.values():
            if constraint.type != "f":
                continue
            width = len(constraint.keys)
            if not any(set(index.keys[:width]) == set(constraint.keys) for index in indexes if index.valid):
                found.append(
                    Finding(
                        WARNING,
                        "unindexed_foreign_keys",
                        f"{schema}.{table} constraint {constraint.name}",
                        "foreign key has no index leading with its columns: deletes on the referenced table "
                        "and joins scan this table",
                        "add an index (db_index=True on the field, or Meta.indexes) in a migration",
                    )
                )
    return found


def advisor_findings(snapshot: Snapshot, declared: dict[str, TableSecurity], schema: str) -> list[Finding]:
    found = _rls_rules(snapshot, declared, schema) + _policy_rules(snapshot, schema)
    found += _foreign_key_rules(snapshot, schema)
    for extension, extension_schema in sorted(snapshot.extensions.items()):
        if extension_schema == schema:
            found.append(
                Finding(
                    WARNING,
                    "extension_in_public",
                    f"extension {extension}",
                    f"is installed in the exposed schema {schema}: its functions are exposed with it",
                    f"ALTER EXTENSION {extension} SET SCHEMA extensions (when it is relocatable)",
                )
            )
    return found
