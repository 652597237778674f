"""Idempotency records belong to the API base now (``accounts.IdempotencyRecord``, every POST
that creates something honours ``Idempotency-Key``): copy the capture form's records there,
with the scope ``capture``, so a retry in flight during the upgrade is still answered once."""

from django.db import migrations


def copy_records(apps, schema_editor):
    old = apps.get_model("leads", "IdempotencyRecord")
    new = apps.get_model("accounts", "IdempotencyRecord")
    new.objects.bulk_create(
        new(
            organization_id=record.organization_id,
            scope="capture",
            key=record.key,
            fingerprint=record.fingerprint,
            response_status=record.response_status,
            response_body=record.response_body,
            created_at=record.created_at,
            completed_at=record.completed_at,
        )
        for record in old.objects.iterator()
    )


def copy_back(apps, schema_editor):
    old = apps.get_model("leads", "IdempotencyRecord")
    new = apps.get_model("accounts", "IdempotencyRecord")
    old.objects.bulk_create(
        old(
            organization_id=record.organization_id,
            key=record.key,
            fingerprint=record.fingerprint,
            response_status=record.response_status,
            response_body=record.response_body,
            created_at=record.created_at,
            completed_at=record.completed_at,
        )
        for record in new.objects.filter(scope="capture").iterator()
    )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_idempotencyrecord"),
        ("leads", "0004_lead_qualified_at_index"),
    ]

    operations = [
        migrations.RunPython(copy_records, copy_back),
        migrations.DeleteModel(name="IdempotencyRecord"),
    ]
