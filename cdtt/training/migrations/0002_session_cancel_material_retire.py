"""Sessions can be cancelled (kept, with a reason, out of the coverage figures); guides can be changed and
retired, and keep their file's size for the phones."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

import cdtt.core.fields


def file_sizes(apps, schema_editor):  # type: ignore[no-untyped-def]
    Material = apps.get_model("training", "Material")
    for material in Material.objects.exclude(file=""):
        try:
            size = material.file.size
        except OSError:  # the file went missing from storage: the phone shows it as needing the network
            continue
        Material.objects.filter(pk=material.pk).update(file_size=size)


class Migration(migrations.Migration):
    dependencies = [
        ("training", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="session",
            name="cancelled_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="cancelled at"),
        ),
        migrations.AddField(
            model_name="session",
            name="cancel_reason",
            field=cdtt.core.fields.NFCCharField(blank=True, max_length=500, verbose_name="reason for cancelling"),
        ),
        migrations.AddField(
            model_name="session",
            name="cancelled_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddField(
            model_name="material",
            name="file_size",
            field=models.PositiveBigIntegerField(default=0, editable=False),
        ),
        migrations.AddField(
            model_name="material",
            name="updated_at",
            field=models.DateTimeField(auto_now=True, default=django.utils.timezone.now),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="material",
            name="retired_at",
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name="material",
            name="retired_by",
            field=models.ForeignKey(
                blank=True,
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.RunPython(file_sizes, migrations.RunPython.noop),
    ]
