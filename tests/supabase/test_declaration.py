"""Declarations beside the models: checked when made, expanded app by app, none missing."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from bizops.core.declaration import (
    AUTHENTICATED,
    Policy,
    SecurityRegistry,
    authenticated_read,
    rls,
    undeclared,
)
from bizops.core.models import Report
from bizops.supabase.expected import Migrations
from etl.models import DailyMetric


def test_it_declares_a_whole_app_service_only_in_one_line():
    registry = SecurityRegistry()
    registry.service_only("etl")
    declared = registry.resolve({"etl": ["etl_order", "etl_refund"], "flags": ["flags_flag"]})
    assert set(declared) == {"etl_order", "etl_refund"}
    assert all(d.service_only and not d.policies for d in declared.values())


def test_an_explicit_declaration_wins_over_the_app_default():
    registry = SecurityRegistry()
    registry.service_only("etl")
    registry.table(DailyMetric, policies=[authenticated_read("read")])
    declared = registry.resolve({"etl": ["etl_order", "etl_dailymetric"]})
    assert declared["etl_dailymetric"].policies[0].name == "read"
    assert declared["etl_order"].service_only


def test_it_names_each_model_table_without_a_declaration_and_its_app():
    registry = SecurityRegistry()
    registry.service_only("etl")
    tables = {"etl": ["etl_order"], "flags": ["flags_flag", "flags_experiment"]}
    assert undeclared(registry.resolve(tables), tables) == [
        "flags_experiment (app flags)",
        "flags_flag (app flags)",
    ]


def test_every_table_of_the_project_is_declared():
    project = Migrations().model_state("public").tables_by_app
    assert undeclared(rls.resolve(project), project) == []


def test_only_the_reporting_tables_are_readable_by_authenticated_and_anon_gets_nothing():
    project = Migrations().model_state("public").tables_by_app
    declared = rls.resolve(project)
    readable = {table for table, d in declared.items() if d.privileges(AUTHENTICATED)}
    assert readable == {Report._meta.db_table, DailyMetric._meta.db_table}
    assert {d.privileges(AUTHENTICATED) for t, d in declared.items() if t in readable} == {
        frozenset({"SELECT"})
    }
    assert all(not d.privileges("anon") for d in declared.values())


@pytest.mark.parametrize(
    ("policy", "problem"),
    [
        (Policy("p", roles=("anon",), using="true"), "anon gets nothing anywhere"),
        (Policy("p", roles=("public",), using="true"), "anon gets nothing anywhere"),
        (
            Policy("p", using="auth.uid() = owner_id"),
            "calls auth.uid() per row: wrap it as (select auth.uid())",
        ),
        (Policy("p", using="(auth.jwt() ->> 'role') = 'x'"), "calls auth.jwt() per row"),
        (Policy("p", command="SELECT", using="true", with_check="true"), "a SELECT policy takes USING only"),
        (Policy("p", command="INSERT", using="true"), "an INSERT policy takes WITH CHECK only"),
        (Policy("p", command="UPSERT", using="true"), "command 'UPSERT' is not one of"),
        (Policy("p", roles=(), using="true"), "names no role"),
        (Policy("p"), "has neither USING nor WITH CHECK"),
        (Policy("x" * 64, using="true"), "must be 1 to 63 bytes"),
    ],
)
def test_it_refuses_a_policy_that_breaks_a_rule(policy, problem):
    registry = SecurityRegistry()
    with pytest.raises(ImproperlyConfigured, match=r"table bizops_report \(bizops.Report\)") as raised:
        registry.table(Report, policies=[policy])
    assert problem in str(raised.value)


def test_it_accepts_auth_uid_wrapped_in_a_sub_select():
    registry = SecurityRegistry()
    wrapped = Policy(
        "own rows",
        command="ALL",
        using="owner = (select auth.uid())",
        with_check="owner = (SELECT auth.uid())",
    )
    assert registry.table(Report, policies=[wrapped]).policies == (wrapped,)


def test_it_refuses_a_table_declared_twice():
    registry = SecurityRegistry()
    registry.table(Report)
    with pytest.raises(ImproperlyConfigured, match=r"bizops_report .* is declared twice"):
        registry.table("bizops_report")


def test_it_refuses_two_policies_of_one_name():
    with pytest.raises(ImproperlyConfigured, match="policy 'read' is declared twice"):
        SecurityRegistry().table(Report, policies=[authenticated_read("read"), authenticated_read("read")])


def test_grants_follow_the_policies():
    declared = SecurityRegistry().table(
        Report,
        policies=[
            authenticated_read("read"),
            Policy("write", command="UPDATE", using="(select auth.uid()) is not null"),
        ],
    )
    assert declared.privileges(AUTHENTICATED) == {"SELECT", "UPDATE"}
    assert declared.privileges("anon") == frozenset()
