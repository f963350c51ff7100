"""Background work of progress: recounting an indicator whose definition changed."""

from __future__ import annotations

from django_tasks import task

from cdtt.catalog.models import Indicator
from cdtt.progress.rebuild import rebuild_indicator


@task()
def recount_indicator(indicator_id: int) -> None:
    """Recompute one indicator's cells from the raw records (a new or changed way of computing)."""
    indicator = Indicator.objects.filter(pk=indicator_id).prefetch_related("outcomes").first()
    if indicator is not None:
        rebuild_indicator(indicator)
