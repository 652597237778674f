"""Accent-insensitive search."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("leads", "0008_import_jobs")]

    operations: list[migrations.operations.base.Operation] = []
