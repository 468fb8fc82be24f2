"""Row level security, the API roles' privileges and policies: the declaration against the catalog."""

from bizops.core.declaration import ANON, API_ROLES, AUTHENTICATED, Policy, TableSecurity
from bizops.core.sqltext import do_block, ident, literal, qualified
from bizops.supabase.catalog import LivePolicy, Snapshot, create_policy_sql
from bizops.supabase.changes import (
    ERROR,
    POLICY,
    POLICY_DROP,
    PRIVILEGE,
    RLS,
    WARNING,
    Change,
    Finding,
    Statement,
)

OPEN_ROLES = {ANON, AUTHENTICATED, "public"}


def rls_changes(declared: TableSecurity, snapshot: Snapshot, schema: str) -> list[Change]:
    live = snapshot.tables.get(declared.table)
    table = qualified(schema, declared.table)
    target = f"{schema}.{declared.table}"
    force = (Statement(RLS, f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY;"),) if declared.force else ()
    if live is None or not live.rls:
        statements = (Statement(RLS, f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY;"), *force)
        return [Change("rls_disabled_in_public", target, "row level security is off", statements)]
    if live.force != declared.force:
        sql = f"ALTER TABLE {table} {'' if declared.force else 'NO '}FORCE ROW LEVEL SECURITY;"
        wanted = "forced" if declared.force else "not forced"
        return [
            Change(
                "rls_force_differs", target, f"row level security should be {wanted}", (Statement(RLS, sql),)
            )
        ]
    return []


def privilege_changes(declared: TableSecurity, snapshot: Snapshot, schema: str) -> list[Change]:
    """The API roles hold exactly what their policies need; PUBLIC holds nothing."""
    table = qualified(schema, declared.table)
    target = f"{schema}.{declared.table}"
    if declared.table not in snapshot.tables:
        # A table the delta creates: what default privileges gave it is unknown
        # until it exists, so take everything back and grant what is declared.
        statements = [
            Statement(
                PRIVILEGE, f"REVOKE ALL ON TABLE {table} FROM PUBLIC, {ident(ANON)}, {ident(AUTHENTICATED)};"
            )
        ]
        for role in API_ROLES:
            if wanted := declared.privileges(role):
                statements.append(
                    Statement(
                        PRIVILEGE, f"GRANT {', '.join(sorted(wanted))} ON TABLE {table} TO {ident(role)};"
                    )
                )
        return [
            Change(
                "privileges_of_new_table",
                target,
                "API roles get only what the policies need",
                tuple(statements),
            )
        ]
    changes = []
    held = snapshot.grants.get(declared.table, {})
    held_on_table = snapshot.table_grants.get(declared.table, {})
    for role in ("public", *API_ROLES):
        wanted = declared.privileges(role) if role != "public" else frozenset()
        grantee = "PUBLIC" if role == "public" else ident(role)
        extra = held.get(role, set()) - wanted
        if extra:
            revoked = "ALL" if not wanted else ", ".join(sorted(extra))
            why = "anon gets nothing anywhere" if role in (ANON, "public") else "more than its policies need"
            changes.append(
                Change(
                    "excess_privilege",
                    f"{target} {role}",
                    f"{role} holds {', '.join(sorted(extra))} ({why})",
                    (Statement(PRIVILEGE, f"REVOKE {revoked} ON TABLE {table} FROM {grantee};"),),
                )
            )
        missing = wanted - held_on_table.get(role, set())
        if missing:
            changes.append(
                Change(
                    "missing_privilege",
                    f"{target} {role}",
                    f"{role} lacks {', '.join(sorted(missing))}, which its policies need",
                    (
                        Statement(
                            PRIVILEGE, f"GRANT {', '.join(sorted(missing))} ON TABLE {table} TO {grantee};"
                        ),
                    ),
                )
            )
    return changes


def sequence_changes(snapshot: Snapshot, schema: str, tables_created: bool) -> list[Change]:
    """No API role holds anything on a sequence (a new table's identity sequence included)."""
    held = sorted(name for name, grantees in snapshot.sequence_grants.items() if grantees)
    if not held and not tables_created:
        return []
    roles = sorted({role for name in held for role in snapshot.sequence_grants[name]})
    message = f"{', '.join(roles)} hold privileges on {len(held)} sequence(s) (anon gets nothing anywhere)"
    if not held:
        message = "new tables' sequences: the API roles get nothing on them"
    revokees = f"PUBLIC, {ident(ANON)}, {ident(AUTHENTICATED)}"
    sql = f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA {ident(schema)} FROM {revokees};"
    return [Change("excess_privilege", f"{schema} sequences", message, (Statement(PRIVILEGE, sql),))]


def guarded_create_policy(policy: Policy, schema: str, table: str) -> str:
    """CREATE POLICY has no IF NOT EXISTS: look in pg_policies first."""
    return do_block(
        "  IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_policies"
        f" WHERE schemaname = {literal(schema)} AND tablename = {literal(table)}"
        f" AND policyname = {literal(policy.name)}) THEN\n"
        f"    {create_policy_sql(policy, qualified(schema, table))};\n  END IF;"
    )


def drop_policy_sql(name: str, schema: str, table: str) -> str:
    return f"DROP POLICY IF EXISTS {ident(name)} ON {qualified(schema, table)};"


def describe_difference(live: LivePolicy, declared: LivePolicy) -> str:
    parts = []
    if live.command != declared.command:
        parts.append(f"command is {live.command}, declared {declared.command}")
    if live.permissive != declared.permissive:
        kinds = {True: "permissive", False: "restrictive"}
        parts.append(f"is {kinds[live.permissive]}, declared {kinds[declared.permissive]}")
    if live.roles != declared.roles:
        parts.append(f"roles are {', '.join(live.roles)}, declared {', '.join(declared.roles)}")
    if live.using != declared.using:
        parts.append(f"USING is {live.using}, declared {declared.using}")
    if live.with_check != declared.with_check:
        parts.append(f"WITH CHECK is {live.with_check}, declared {declared.with_check}")
    return "; ".join(parts)


def policy_changes(
    declared: TableSecurity,
    snapshot: Snapshot,
    schema: str,
    normalised: dict[tuple[str, str], LivePolicy],
    prune: bool,
) -> tuple[list[Change], list[Finding]]:
    changes, findings = [], []
    live_policies = snapshot.policies.get(declared.table, {})
    target = f"{schema}.{declared.table}"
    for policy in declared.policies:
        create = Statement(POLICY, guarded_create_policy(policy, schema, declared.table))
        live = live_policies.get(policy.name)
        if live is None:
            changes.append(
                Change("missing_policy", f"{target} policy {policy.name}", "policy is missing", (create,))
            )
            continue
        wanted = normalised.get((declared.table, policy.name))
        if wanted is not None and wanted.shape() != live.shape():
            # Dropped and created again in the one transaction of the delta:
            # never a moment without the policy.
            drop = Statement(POLICY_DROP, drop_policy_sql(policy.name, schema, declared.table))
            message = describe_difference(live, wanted)
            changes.append(
                Change("policy_differs", f"{target} policy {policy.name}", message, (drop, create))
            )
    declared_names = {policy.name for policy in declared.policies}
    for name, live in live_policies.items():
        if name not in declared_names:
            change, finding = undeclared_policy(live, schema, prune)
            changes += change
            findings += finding
    return changes, findings


def undeclared_policy(live: LivePolicy, schema: str, prune: bool) -> tuple[list[Change], list[Finding]]:
    target = f"{schema}.{live.table} policy {live.name}"
    opens = live.permissive and bool(OPEN_ROLES & set(live.roles))
    message = f"is not declared ({live.command} for {', '.join(live.roles)})"
    if opens:
        message += ": it opens rows to the API roles beyond the declaration"
    if prune:
        drop = Statement(POLICY_DROP, drop_policy_sql(live.name, schema, live.table))
        return [Change("undeclared_policy", target, message + "; dropped (--prune)", (drop,))], []
    fix = "declare it in the app's rls.py, or drop it: manage.py supabase_delta --prune"
    return [], [Finding(ERROR if opens else WARNING, "undeclared_policy", target, message, fix)]
