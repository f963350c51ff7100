"""The default data-quality rules (data; officers read them, a national admin may tune them)."""

from django.db import migrations


def forwards(apps, schema_editor):
    from cdtt.quality.defaults import RULES

    QualityRule = apps.get_model("quality", "QualityRule")
    for order, (code, name, description, timing, threshold, label) in enumerate(RULES, 1):
        QualityRule.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "description": description,
                "timing": timing,
                "threshold": threshold,
                "threshold_label": label,
                "order": order,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("quality", "0001_rules_and_flags")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
