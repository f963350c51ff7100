"""Background work of the imports (django-tasks): checking an uploaded file and writing a confirmed job.

The task bodies live in the services; a task only carries the job's id, so a task run twice, or one
that finds the job cancelled, does nothing.
"""

from __future__ import annotations

from django_tasks import task

from cdtt.transfers.services import households as household_services


@task()
def household_import_check(job_id: int) -> None:
    """Read and check an uploaded household file; the job page shows the progress, then every row."""
    household_services.household_import_check(job_id=job_id)


@task()
def household_import_apply(job_id: int) -> None:
    """Write a confirmed household import in one transaction, or mark it failed with nothing written."""
    household_services.household_import_apply(job_id=job_id)
