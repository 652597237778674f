"""Collateral files stored under unguessable names.

Adds ``Collateral.original_name`` (the name a download is given) and moves every file
uploaded before to ``collateral/<organization id>/<random hex>.<extension>``, keeping its
old name as the original name. A file missing from the storage keeps its row as it is.
"""

import uuid
from pathlib import PurePath

from django.core.files.storage import default_storage
from django.db import migrations, models


def _random_name(organization_id, old_name):
    suffix = "".join(ch for ch in PurePath(old_name).suffix.lower() if ch.isalnum())[:10]
    return f"collateral/{organization_id}/{uuid.uuid4().hex}{'.' + suffix if suffix else ''}"


def move_files_to_random_names(apps, schema_editor):
    Collateral = apps.get_model("leads", "Collateral")
    for row in Collateral.objects.exclude(file="").only("pk", "organization_id", "file"):
        old = row.file.name
        row.original_name = PurePath(old.replace("\\", "/")).name[:255]
        if default_storage.exists(old):
            with default_storage.open(old, "rb") as content:
                new = default_storage.save(_random_name(row.organization_id, old), content)
            default_storage.delete(old)
            row.file.name = new
        Collateral.objects.filter(pk=row.pk).update(
            file=row.file.name, original_name=row.original_name
        )


class Migration(migrations.Migration):
    dependencies = [("leads", "0009_search_unaccent")]

    operations = [
        migrations.AddField(
            model_name="collateral",
            name="original_name",
            field=models.CharField(blank=True, max_length=255, verbose_name="file name"),
        ),
        # Backwards: the files keep their random names (the old guessable ones are gone).
        migrations.RunPython(move_files_to_random_names, migrations.RunPython.noop),
    ]
