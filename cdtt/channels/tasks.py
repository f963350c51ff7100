"""Background work of the Zalo channel (django-tasks): a task carries only an id, so a rerun is harmless."""

from __future__ import annotations

from django_tasks import task

from cdtt.channels.zalo import services


@task()
def zalo_event_handle(event_id: int) -> None:
    """Carry out one webhook event: link, record a command, reply."""
    services.event_handle(event_id=event_id)


@task()
def zalo_notices_send() -> None:
    """Pass new notices of linked members on to Zalo."""
    services.notices_send()
