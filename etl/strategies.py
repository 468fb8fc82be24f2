"""Choosing between a PostgreSQL-only fast path and the portable ORM path.

The loader ("copy") and the first-order flags ("sql") each have a fast path
that needs PostgreSQL and an "orm" path that runs anywhere. The default is the
fast path on PostgreSQL; the tests run both there, so neither can drift.
"""

from django.db import connection


def choose(what: str, strategy: str | None, *, fast: str) -> str:
    """``strategy`` checked against this database, or the default for it when None."""
    vendor = connection.vendor
    if strategy is None:
        return fast if vendor == "postgresql" else "orm"
    if strategy not in (fast, "orm"):
        raise ValueError(f"unknown {what} strategy {strategy!r}: use one of {fast}, orm")
    if strategy == fast and vendor != "postgresql":
        raise ValueError(f"{what} strategy '{fast}' needs PostgreSQL, this database is {vendor}: use 'orm'")
    return strategy
