"""Editing, resubmission and reopening."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("leads", "0010_collateral_files")]

    operations: list[migrations.operations.base.Operation] = []
