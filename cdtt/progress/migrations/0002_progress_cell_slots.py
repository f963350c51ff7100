"""Nation and province cells spread over slots (issue 17.7, writers at scale: ``cdtt/progress/engine.py``).

Forward: every existing row becomes slot 0 of its cell (the new column's default), which is the whole fold:
each (level, unit, indicator, bucket) had exactly one row. Backward: each cell's slots are folded into one row
(the sum in the row with the smallest id, the others deleted) before the four-column key comes back.
"""

from typing import Any

from django.db import migrations, models


def fold_slots(apps: Any, schema_editor: Any) -> None:
    connection = schema_editor.connection
    table = connection.ops.quote_name("progress_progresscell")
    key = "level, unit, indicator_id, bucket"
    same = " AND ".join(f"o.{column} = {table}.{column}" for column in key.split(", "))
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET value = (SELECT SUM(o.value) FROM {table} AS o WHERE {same}) "  # noqa: S608
            f"WHERE id IN (SELECT MIN(id) FROM {table} GROUP BY {key} HAVING COUNT(*) > 1)"
        )
        cursor.execute(f"DELETE FROM {table} WHERE id NOT IN (SELECT MIN(id) FROM {table} GROUP BY {key})")  # noqa: S608
        cursor.execute(f"UPDATE {table} SET slot = 0 WHERE slot <> 0")  # noqa: S608


class Migration(migrations.Migration):
    dependencies = [
        ("progress", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="progresscell",
            name="slot",
            field=models.PositiveSmallIntegerField(default=0),
        ),
        migrations.RemoveConstraint(
            model_name="progresscell",
            name="progress_cell_key",
        ),
        migrations.RunPython(migrations.RunPython.noop, fold_slots),
        migrations.AddConstraint(
            model_name="progresscell",
            constraint=models.UniqueConstraint(
                fields=("level", "unit", "indicator", "bucket", "slot"), name="progress_cell_key"
            ),
        ),
        migrations.AddConstraint(
            model_name="progresscell",
            constraint=models.CheckConstraint(
                condition=models.Q(("slot", 0), ("level__lte", 1), _connector="OR"),
                name="progress_cell_slots_nation_province",
            ),
        ),
    ]
