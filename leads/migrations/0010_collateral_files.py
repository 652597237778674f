"""Collateral files stored under unguessable names."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("leads", "0009_search_unaccent")]

    operations: list[migrations.operations.base.Operation] = []
