"""Running totals of every counted indicator, kept per level, unit and time bucket.

A cell is (level, unit, indicator, bucket) -> value. Levels are village, commune, province and nation;
``unit`` is a village id at the village level, an administrative unit id above it, and 0 for the
nation. A bucket is a calendar month (``yyyymm``), a whole year (``yyyy``) or a campaign
(``-period id``): a year's board reads one cell per indicator and unit. Cells change in the
same transaction as the record that moves them, so a board reads a few hundred cells whatever the
number of activities; ``rebuild_aggregates`` recomputes them from the raw records and
``check_aggregates`` proves they match.

A nation or province cell is spread over slots (``engine.SLOTS`` rows, one per ``slot``) so that writers of
different communes do not queue on one row; its value is the sum of its slots, and every reader sums them.
Village and commune cells are one row, slot 0 (the database refuses any other).
"""

from __future__ import annotations

from django.db import models


class Level(models.IntegerChoices):
    NATION = 0
    PROVINCE = 1
    COMMUNE = 2
    VILLAGE = 3


class ProgressCell(models.Model):
    level = models.PositiveSmallIntegerField(choices=Level.choices)
    unit = models.BigIntegerField()
    indicator = models.ForeignKey("catalog.Indicator", on_delete=models.CASCADE, related_name="+")
    bucket = models.IntegerField()
    # Which of the cell's rows (``engine.slot_of``): 0 for villages and communes, and for what a rebuild wrote.
    slot = models.PositiveSmallIntegerField(default=0)
    value = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["level", "unit", "indicator", "bucket", "slot"], name="progress_cell_key"),
            # The nation (0) and provinces (1): written as <=, since Django's SQLite introspection misreads
            # a table whose CHECK holds "IN (0, 1)" (privacy's erasure test walks every table's columns).
            models.CheckConstraint(
                condition=models.Q(slot=0) | models.Q(level__lte=Level.PROVINCE),
                name="progress_cell_slots_nation_province",
            ),
        ]
        # Siblings' cells for a ranking: one indicator, one level, a range of buckets.
        indexes = [models.Index(fields=["indicator", "level", "bucket"], name="progress_cell_rank")]

    def __str__(self) -> str:
        return f"{self.level}:{self.unit}:{self.indicator_id}:{self.bucket}={self.value}"
