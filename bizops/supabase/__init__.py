"""The database's security state, declared beside the models, diffed and verified.

- ``declaration``: each app's ``rls.py`` declares its tables' row level security
  (``rls.service_only("etl")``, ``rls.table(DailyMetric, policies=[...])``);
- ``expected``: what Django's migration state says the tables, columns,
  indexes and constraints are, with the statements that make them, idempotent;
- ``catalog``: the live database's catalog, read in a fixed number of queries;
- ``diff``: both compared, the result a list of changes (``Delta``);
- ``render``: a delta as one SQL file in one transaction;
- ``lint`` and ``verify``: Supabase's advisor rules and the report of
  ``manage.py verify_db``;
- ``target``: which database, connecting to it and applying SQL, with the
  password kept out of every message.
"""
