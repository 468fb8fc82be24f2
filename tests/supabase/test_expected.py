"""Django's model state, as the statements its schema editor would run."""

from bizops.supabase.expected import Migrations, catalog_type


def test_index_and_constraint_names_are_the_ones_migrate_chooses():
    order = Migrations().model_state("public").tables["etl_order"]
    assert set(order.indexes) == {"order_created", "order_customer_created"}
    assert set(order.constraints) == {"order_shop_external_unique"}
    assert order.create[0].sql.startswith('CREATE TABLE IF NOT EXISTS "etl_order" (')


def test_a_missing_column_comes_with_the_default_django_adds_and_drops():
    statements = Migrations().model_state("public").add_column("etl_order", "customer_key")
    assert [s.sql for s in statements] == [
        'ALTER TABLE "etl_order" ADD COLUMN IF NOT EXISTS "customer_key" varchar(255) DEFAULT \'\' NOT NULL;',
        'ALTER TABLE "etl_order" ALTER COLUMN "customer_key" DROP DEFAULT;',
    ]


def test_a_missing_foreign_key_column_comes_with_its_constraint_and_index():
    statements = Migrations().model_state("public").add_column("bizops_backlogticket", "owner_id")
    assert [s.kind for s in statements] == ["column", "index"]
    assert (
        'CONSTRAINT "bizops_backlogticket_owner_id_687189c1_fk_auth_user_id" REFERENCES' in statements[0].sql
    )


def test_migrations_not_recorded_are_named_in_the_order_migrate_runs_them():
    migrations = Migrations()
    applied = {key for key in migrations.plan if key[0] != "etl"}
    assert migrations.unapplied(applied) == [
        "etl.0001_initial",
        "etl.0002_nightly_pipeline_schedule",
        "etl.0003_readable_names",
        "etl.0004_fxrate_currency_code",
        "etl.0005_order_fillfactor",
        "etl.0006_order_source_digest",
        "etl.0007_firstorder",
        "etl.0008_order_fillfactor_half",
    ]
    assert "etl_order" not in migrations.model_state("public", applied).tables


def test_column_types_are_spelt_as_the_catalog_prints_them():
    assert catalog_type("varchar(200)") == "character varying(200)"
    assert catalog_type("numeric(18, 4)") == "numeric(18,4)"
    assert catalog_type("timestamp with time zone") == "timestamp with time zone"
    assert catalog_type("time") == "time without time zone"
