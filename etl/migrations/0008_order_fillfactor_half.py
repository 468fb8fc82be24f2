"""Orders leave half of each page free: room for every row's next version on its own page.

Nearly every order is written again after its first load (paid, then
fulfilled, sometimes refunded), and a re-pull rewrites the orders of a range
together. An update that changes no indexed column and finds room on the
row's page is heap-only (HOT): no new entry in any of the table's four
indexes. At 70 % (migration 0005) a page packed by COPY held about 30 orders
with room for 12 new versions, so rewriting a freshly loaded range made the
other 18 of every 30 new row versions elsewhere, each with four index entries.
Measured at 300,000 orders, every order changed, same run: 14.0 s at 70 %,
9.0 s at 50 %; inserts and re-pulls of unchanged orders took the same time
(COPY into an empty table 4.05 s and 4.06 s). The table is about 40 % larger
on disk than at 70 %. PostgreSQL only; rows already stored keep their pages
until they are rewritten.
"""

from django.db import migrations


def fillfactor(value: int):
    def apply(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(f"ALTER TABLE etl_order SET (fillfactor = {int(value)})")

    return apply


class Migration(migrations.Migration):
    dependencies = [("etl", "0007_firstorder")]

    operations = [migrations.RunPython(fillfactor(50), fillfactor(70), elidable=False)]
