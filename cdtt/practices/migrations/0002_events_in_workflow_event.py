"""A post's history moves to the one history model of every workflow (core.WorkflowEvent); its rows are copied."""

import itertools

from django.db import migrations

BATCH = 2000


def forward(apps, schema_editor):
    Old = apps.get_model("practices", "PracticeEvent")
    if not Old.objects.exists():
        return  # a new database: nothing to copy (and no content types yet)
    ContentType = apps.get_model("contenttypes", "ContentType")
    Event = apps.get_model("core", "WorkflowEvent")
    kind, _ = ContentType.objects.get_or_create(app_label="practices", model="practice")
    rows = (
        Event(
            content_type_id=kind.pk, object_id=old.practice_id, action=old.action, actor_id=old.actor_id,
            comment=old.comment, at=old.at,
        )
        for old in Old.objects.order_by("pk").iterator(chunk_size=BATCH)
    )
    while batch := list(itertools.islice(rows, BATCH)):
        Event.objects.bulk_create(batch)


def backward(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Event = apps.get_model("core", "WorkflowEvent")
    Old = apps.get_model("practices", "PracticeEvent")
    kind = ContentType.objects.filter(app_label="practices", model="practice").first()
    if kind is None:
        return
    # The old model stamped its time on insert: keep the original times instead (this class is the
    # migration's own copy of the model, not the one the code uses).
    Old._meta.get_field("at").auto_now_add = False
    events = Event.objects.filter(content_type_id=kind.pk)
    rows = (
        Old(
            practice_id=event.object_id, action=event.action, actor_id=event.actor_id, comment=event.comment,
            at=event.at,
        )
        for event in events.order_by("pk").iterator(chunk_size=BATCH)
    )
    while batch := list(itertools.islice(rows, BATCH)):
        Old.objects.bulk_create(batch)
    events.delete()


class Migration(migrations.Migration):
    dependencies = [
        ("practices", "0001_initial"),
        ("core", "0003_workflow_event"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.RunPython(forward, backward, elidable=True),
        migrations.DeleteModel(name="PracticeEvent"),
    ]
