"""Django's schema statements made idempotent, and the initPlan rule on policy text."""

import pytest

from bizops.core.sqltext import (
    UnsupportedStatement,
    do_block,
    index_signature,
    make_idempotent,
    unwrapped_calls,
)


def test_it_creates_tables_and_indexes_only_if_missing():
    table = make_idempotent('CREATE TABLE "t" ("id" bigint NOT NULL PRIMARY KEY);', "public")
    index = make_idempotent('CREATE UNIQUE INDEX "t_a" ON "t" ("a");', "public")
    assert (table.kind, table.sql) == (
        "table",
        'CREATE TABLE IF NOT EXISTS "t" ("id" bigint NOT NULL PRIMARY KEY);',
    )
    assert (index.kind, index.name, index.sql) == (
        "index",
        "t_a",
        'CREATE UNIQUE INDEX IF NOT EXISTS "t_a" ON "t" ("a");',
    )


def test_it_adds_columns_only_if_missing():
    column = make_idempotent('ALTER TABLE "t" ADD COLUMN "c" integer NULL', "public")
    assert (column.kind, column.name, column.sql) == (
        "column",
        "c",
        'ALTER TABLE "t" ADD COLUMN IF NOT EXISTS "c" integer NULL;',
    )


def test_it_guards_a_constraint_with_a_catalog_check():
    statement = make_idempotent('ALTER TABLE "t" ADD CONSTRAINT "t_u" UNIQUE ("a");', "public")
    assert statement.kind == "constraint"
    assert """WHERE conrelid = '"public"."t"'::regclass AND conname = 't_u') THEN""" in statement.sql
    assert statement.sql.startswith("DO $bizops$\nBEGIN\n")


def test_it_refuses_a_statement_it_cannot_make_idempotent():
    with pytest.raises(UnsupportedStatement, match="DROP TABLE"):
        make_idempotent('DROP TABLE "t"', "public")


def test_a_do_block_picks_another_tag_when_the_body_holds_its_own():
    block = do_block("  PERFORM '$bizops$';")
    assert block.startswith("DO $bizopsx$\n") and block.endswith("\n$bizopsx$;")


@pytest.mark.parametrize(
    ("expression", "found"),
    [
        ("auth.uid() = owner_id", ["auth.uid()"]),
        ("(select auth.uid()) = owner_id", []),
        ("(( SELECT auth.uid() AS uid) = owner_id)", []),
        ("owner = auth.uid() or (select auth.uid()) is null", ["auth.uid()"]),
        ("(auth.jwt() ->> 'email') = email", ["auth.jwt()"]),
        ("current_setting('app.tenant') = tenant", ["current_setting("]),
        (None, []),
    ],
)
def test_it_finds_auth_calls_not_wrapped_in_a_sub_select(expression, found):
    assert unwrapped_calls(expression) == found


def test_index_signatures_ignore_name_schema_quotes_and_method():
    django = 'CREATE INDEX IF NOT EXISTS "order_created" ON "etl_order" ("created_at");'
    catalog = "CREATE INDEX other_name ON public.etl_order USING btree (created_at)"
    assert index_signature(django) == index_signature(catalog)
    assert index_signature(django) != index_signature(
        "CREATE INDEX x ON public.etl_order USING btree (updated_at)"
    )
