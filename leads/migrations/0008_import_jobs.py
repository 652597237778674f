"""Imports as background jobs (status, stored file, progress)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("leads", "0007_fill_updated_at_and_clamp_configuration")]

    operations: list[migrations.operations.base.Operation] = []
