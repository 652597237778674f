"""Editing, resubmission and reopening: a lead counts its resubmissions (rejected → mql)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("leads", "0010_collateral_files")]

    operations: list[migrations.operations.base.Operation] = [
        migrations.AddField(
            model_name="lead",
            name="resubmissions",
            field=models.PositiveIntegerField(
                default=0, editable=False, verbose_name="resubmissions"
            ),
        ),
        migrations.AddField(
            model_name="lead",
            name="resubmitted_at",
            field=models.DateTimeField(
                blank=True, editable=False, null=True, verbose_name="resubmitted"
            ),
        ),
    ]
