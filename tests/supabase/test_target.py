"""Which database the commands use, and the password kept out of every message."""

import pytest

from bizops.supabase.target import TargetError, resolve


def test_the_command_line_wins_then_supabase_db_url_then_database_url(settings, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://u@h/from_env")
    settings.SUPABASE_DB_URL = "postgres://u@h/from_supabase"
    assert resolve("postgres://u@h/explicit").dbname == "explicit"
    assert resolve(None).dbname == "from_supabase"
    settings.SUPABASE_DB_URL = ""
    assert resolve(None).source == "DATABASE_URL"


def test_without_any_url_it_says_what_to_set(settings, monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    settings.SUPABASE_DB_URL = ""
    with pytest.raises(TargetError, match="pass --database-url, or set SUPABASE_DB_URL or DATABASE_URL"):
        resolve(None)


def test_a_database_is_described_without_its_password():
    target = resolve("postgresql://svc:p%40ss-w0rd-x@db.example.com:6543/postgres?sslmode=require")
    assert target.describe() == "database postgres on db.example.com:6543 as svc"
    assert "p@ss-w0rd-x" not in repr(target)


def test_error_text_is_masked_in_both_spellings_of_the_password():
    target = resolve("postgres://svc:p%40ss-w0rd-x@db.example.com/postgres")
    masked = target.mask("failed for p@ss-w0rd-x and p%40ss-w0rd-x in postgres://svc:p%40ss-w0rd-x@db/x")
    assert "w0rd" not in masked


def test_a_raw_at_sign_in_the_password_is_read_as_url_parsers_read_it():
    target = resolve("postgres://svc:p@ss@word@db.example.com:6543/postgres")
    assert target.describe() == "database postgres on db.example.com:6543 as svc"
    assert target.password == "p@ss@word"
    assert "word" not in target.mask("failed for p@ss@word (p%40ss%40word)")
