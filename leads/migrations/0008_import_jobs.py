"""Imports as background jobs: status (``queued → running → done | failed``), the stored
file, what was read of it (encoding, delimiter, columns), progress for resuming (records
done, heartbeat) and the repeated-email report. Imports that exist finished in their
request: they are ``done``, finished when they were uploaded."""

from django.db import migrations, models
from django.db.models import F


def finish_existing_imports(apps, schema_editor):
    ImportBatch = apps.get_model("leads", "ImportBatch")
    ImportBatch.objects.update(
        status="done", started_at=F("created_at"), finished_at=F("created_at")
    )


class Migration(migrations.Migration):
    dependencies = [("leads", "0007_fill_updated_at_and_clamp_configuration")]

    operations = [
        # Added as "done" (what every existing import is), then new imports start queued.
        migrations.AddField(
            model_name="importbatch",
            name="status",
            field=models.CharField(
                choices=[
                    ("queued", "Queued"),
                    ("running", "Running"),
                    ("done", "Done"),
                    ("failed", "Failed"),
                ],
                default="done",
                max_length=10,
                verbose_name="status",
            ),
        ),
        migrations.AlterField(
            model_name="importbatch",
            name="status",
            field=models.CharField(
                choices=[
                    ("queued", "Queued"),
                    ("running", "Running"),
                    ("done", "Done"),
                    ("failed", "Failed"),
                ],
                default="queued",
                max_length=10,
                verbose_name="status",
            ),
        ),
        migrations.AddField(
            model_name="importbatch",
            name="columns",
            field=models.JSONField(blank=True, default=dict, verbose_name="columns"),
        ),
        migrations.AddField(
            model_name="importbatch",
            name="delimiter",
            field=models.CharField(blank=True, max_length=1, verbose_name="delimiter"),
        ),
        migrations.AddField(
            model_name="importbatch",
            name="encoding",
            field=models.CharField(blank=True, max_length=20, verbose_name="encoding"),
        ),
        migrations.AddField(
            model_name="importbatch",
            name="failure",
            field=models.TextField(blank=True, verbose_name="why it stopped"),
        ),
        migrations.AddField(
            model_name="importbatch",
            name="file",
            field=models.FileField(
                blank=True, max_length=255, upload_to="imports/", verbose_name="stored file"
            ),
        ),
        migrations.AddField(
            model_name="importbatch",
            name="finished_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="finished"),
        ),
        migrations.AddField(
            model_name="importbatch",
            name="heartbeat_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="last progress"),
        ),
        migrations.AddField(
            model_name="importbatch",
            name="ignored_columns",
            field=models.JSONField(blank=True, default=list, verbose_name="ignored columns"),
        ),
        migrations.AddField(
            model_name="importbatch",
            name="qualified",
            field=models.PositiveIntegerField(default=0, verbose_name="qualified"),
        ),
        migrations.AddField(
            model_name="importbatch",
            name="records_done",
            field=models.PositiveIntegerField(default=0, verbose_name="records done"),
        ),
        migrations.AddField(
            model_name="importbatch",
            name="repeated",
            field=models.JSONField(blank=True, default=list, verbose_name="repeated emails"),
        ),
        migrations.AddField(
            model_name="importbatch",
            name="repeated_count",
            field=models.PositiveIntegerField(default=0, verbose_name="repeated in the file"),
        ),
        migrations.AddField(
            model_name="importbatch",
            name="started_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="started"),
        ),
        migrations.AddField(
            model_name="importbatch",
            name="total_records",
            field=models.PositiveIntegerField(
                blank=True, null=True, verbose_name="records in the file"
            ),
        ),
        migrations.RunPython(finish_existing_imports, migrations.RunPython.noop, elidable=True),
    ]
