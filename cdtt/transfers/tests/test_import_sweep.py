"""Household import jobs whose background worker died: found by the sweep and run again, never lost."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from cdtt.households.models import Household, Resident
from cdtt.transfers import queue, tasks
from cdtt.transfers.models import ImportJob, ImportKey, ImportRow, ImportStatus
from cdtt.transfers.services import households as household_services
from cdtt.transfers.tests.test_household_import import _residents_file, last_job, rows_of, upload
from conftest import Tree

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return Path(settings.MEDIA_ROOT)


@pytest.fixture
def officer(signed_in: Callable[..., Client]) -> Client:
    return signed_in("commune_officer")


class _Lost:
    """A task queue whose worker dies before it runs anything."""

    def enqueue(self, *_args: Any) -> None:
        return None


@pytest.fixture
def uploaded(tree: Tree, officer: Client, monkeypatch: pytest.MonkeyPatch) -> ImportJob:
    """An upload whose check was taken by a worker that then died: rows half stored, the file kept."""
    with monkeypatch.context() as patch:
        patch.setattr(tasks, "household_import_check", _Lost())
        upload(officer, tree.c1, _residents_file(3))
    job = last_job()
    long_ago = timezone.now() - queue.STALE_CHECK - datetime.timedelta(seconds=1)
    ImportJob.objects.filter(pk=job.pk).update(status=ImportStatus.CHECKING, attempts=1, heartbeat_at=long_ago)
    ImportRow.objects.create(job=job, line=2, group=2, outcome="new", data={"hh": {}})  # the dead run's batch
    job.refresh_from_db()
    return job


def test_a_check_whose_worker_died_is_run_again_from_scratch(uploaded: ImportJob) -> None:
    assert Path(uploaded.file.path).exists()

    swept = queue.import_jobs_sweep()

    uploaded.refresh_from_db()
    assert (swept.requeued, swept.failed) == (1, 0)
    assert uploaded.status == ImportStatus.PREVIEW
    assert uploaded.attempts == 2
    assert [row.line for row in rows_of(uploaded)] == [2, 3, 4, 5, 6, 7]  # the dead run's row is gone
    assert uploaded.summary["households"] == 3
    assert not uploaded.file or not Path(uploaded.file.path).exists()


def test_a_live_job_is_left_alone(uploaded: ImportJob) -> None:
    recent = timezone.now() - datetime.timedelta(minutes=1)
    ImportJob.objects.filter(pk=uploaded.pk).update(heartbeat_at=recent)

    swept = queue.import_jobs_sweep()

    uploaded.refresh_from_db()
    assert (swept.requeued, swept.failed) == (0, 0)
    assert uploaded.status == ImportStatus.CHECKING


def test_a_job_that_keeps_dying_fails_with_a_message_and_keeps_nothing(uploaded: ImportJob) -> None:
    ImportJob.objects.filter(pk=uploaded.pk).update(attempts=queue.MAX_ATTEMPTS)
    path = Path(uploaded.file.path)

    swept = queue.import_jobs_sweep()

    uploaded.refresh_from_db()
    assert (swept.requeued, swept.failed) == (0, 1)
    assert uploaded.status == ImportStatus.FAILED
    assert uploaded.failure == _(
        "The check stopped several times (the background worker restarted). Upload the file again."
    )
    assert not ImportRow.objects.filter(job=uploaded).exists()
    assert not path.exists()


def test_a_run_that_lost_its_job_stops_before_storing_anything(uploaded: ImportJob) -> None:
    ImportJob.objects.filter(pk=uploaded.pk).update(attempts=2)  # a newer run took the job over

    with pytest.raises(household_services._Superseded):
        household_services._progress(uploaded, done=10, total=10)

    uploaded.refresh_from_db()
    assert uploaded.progress_done == 0


def test_a_write_whose_worker_died_is_written_once(
    tree: Tree, officer: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    upload(officer, tree.c1, _residents_file(2))
    job = last_job()
    with monkeypatch.context() as patch:
        patch.setattr(tasks, "household_import_apply", _Lost())  # the worker never came back
        officer.post(reverse("transfers:household_job_confirm", args=[job.pk]), {"consent": "paper"})
    job.refresh_from_db()
    assert job.status == ImportStatus.APPLYING
    later = timezone.now() + queue.STALE_WRITE + datetime.timedelta(seconds=1)

    assert queue.import_jobs_sweep(now=timezone.now()).requeued == 0  # not stale yet
    swept = queue.import_jobs_sweep(now=later)
    household_services.household_import_apply(job_id=job.pk)  # the first task delivered late

    job.refresh_from_db()
    assert swept.requeued == 1
    assert job.status == ImportStatus.DONE
    assert Household.objects.count() == 2
    assert Resident.objects.count() == 4
    assert not ImportKey.objects.filter(job=job).exists()


def test_opening_the_page_of_a_dead_job_runs_it_again(uploaded: ImportJob, officer: Client) -> None:
    page = officer.get(reverse("transfers:household_job", args=[uploaded.pk]))

    uploaded.refresh_from_db()
    assert page.status_code == 200
    assert uploaded.status == ImportStatus.PREVIEW
    assert '<meta http-equiv="refresh"' not in page.content.decode()


def test_the_sweep_command_reports_what_it_did(uploaded: ImportJob, capsys: pytest.CaptureFixture[str]) -> None:
    call_command("sweep_import_jobs")

    out = capsys.readouterr().out
    assert (
        _("Import jobs queued again: %(requeued)s; failed after repeated stops: %(failed)s.")
        % {
            "requeued": 1,
            "failed": 0,
        }
        in out
    )
