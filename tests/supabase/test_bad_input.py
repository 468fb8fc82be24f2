"""Bad input: one clear line, exit status 2, the password never shown, no traceback."""

import pytest

from tests.supabase.conftest import free_port, manage

PASSWORD = "pw-never-printed-4821"


@pytest.mark.parametrize("command", ["supabase_delta", "verify_db"])
def test_an_unreachable_database_gives_one_clear_line_and_exit_2(command):
    url = f"postgres://postgres:{PASSWORD}@127.0.0.1:{free_port()}/bizops"
    result = manage(command, "--database-url", url)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"CommandError: {command}: cannot connect to database bizops on 127.0.0.1:")
    assert "Connection refused" in lines[0]
    assert PASSWORD not in result.stderr + result.stdout


def test_a_wrong_password_gives_one_clear_line_and_exit_2_without_the_password(plain_postgres):
    result = manage("supabase_delta", "--database-url", plain_postgres.url(password=PASSWORD))
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert 'password authentication failed for user "postgres"' in lines[0]
    assert PASSWORD not in result.stderr + result.stdout


def test_a_malformed_url_is_named_without_its_value():
    result = manage("verify_db", "--database-url", f"mysql://root:{PASSWORD}@db/x")
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "CommandError: verify_db: --database-url is not a PostgreSQL URL "
        "(expected postgres://user:password@host:5432/name)"
    )


def test_the_delta_reports_a_database_without_the_supabase_roles(plain_postgres):
    result = manage("supabase_delta", "--database-url", plain_postgres.url(), "--check")
    assert result.returncode == 2
    for role in ("anon", "authenticated", "service_role"):
        assert f"error: role {role}: does not exist: this is not a Supabase database" in result.stderr
    assert "Traceback" not in result.stderr
    assert plain_postgres.password not in result.stderr + result.stdout


def test_verify_reports_a_database_without_the_supabase_roles(plain_postgres):
    result = manage("verify_db", "--database-url", plain_postgres.url())
    assert result.returncode == 1
    assert "ERROR   missing_role: role anon: does not exist" in result.stdout
    assert "ERROR   missing_table: public.etl_dailymetric" in result.stdout
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("password", ["p@ss@word", "p%40ss%40word"])
@pytest.mark.parametrize("command", ["supabase_delta", "verify_db"])
def test_a_password_holding_an_at_sign_is_never_printed_in_part(command, password):
    port = free_port()
    result = manage(command, "--database-url", f"postgres://postgres:{password}@127.0.0.1:{port}/bizops")
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(
        f"CommandError: {command}: cannot connect to database bizops on 127.0.0.1:{port}"
    )
    output = result.stderr + result.stdout
    assert "ss@word" not in output
    assert "word" not in output


@pytest.mark.parametrize("command", ["supabase_delta", "verify_db"])
def test_the_demos_sqlite_database_is_refused_in_one_line(command, monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'demo.sqlite3'}")
    result = manage(command)
    assert result.returncode == 2
    assert result.stderr.strip() == (
        f"CommandError: {command}: DATABASE_URL is not a PostgreSQL URL "
        "(expected postgres://user:password@host:5432/name)"
    )
