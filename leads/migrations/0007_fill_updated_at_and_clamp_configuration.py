"""Rows that existed before ``updated_at`` get their creation time (``filed_at`` for
complaints; tiers and scoring rules, which record none, keep the time of the migration), so
an incremental sync does not see every old row as changed just now.

Configuration saved before the bounds existed is brought inside them: points, SLA hours,
targets and thresholds beyond their bounds are clamped to the nearest bound (such values
only ever made scoring overflow or qualification fail). The numbers mirror
``leads.models`` as of this migration; migrations import no app code.
"""

from django.db import migrations
from django.db.models import F
from django.utils import timezone

CREATED_FIELD = {
    "Campaign": "created_at",
    "Collateral": "created_at",
    "Company": "created_at",
    "Contact": "created_at",
    "ContentRequest": "created_at",
    "QualityComplaint": "filed_at",
}

# model: {field: (low, high)}
BOUNDS = {
    "ScoringRule": {"points": (-1000, 1000)},
    "Tier": {
        "response_sla_hours": (1, 8760),
        "monthly_mql_target_per_rep": (0, 10_000),
        "min_employees": (0, 10_000_000),
        "max_employees": (0, 10_000_000),
    },
    "LeadSettings": {"mql_threshold": (0, 1_000_000), "complaint_response_days": (1, 365)},
    "Lead": {"score": (-1_000_000, 1_000_000)},
}


def forwards(apps, schema_editor):
    for name, created in CREATED_FIELD.items():
        apps.get_model("leads", name).objects.update(updated_at=F(created))
    now = timezone.now()
    for name, fields in BOUNDS.items():
        model = apps.get_model("leads", name)
        # A clamped row changed: an incremental sync should see it.
        stamp = {"updated_at": now} if name != "LeadSettings" else {}
        for field, (low, high) in fields.items():
            model.objects.filter(**{f"{field}__lt": low}).update(**{field: low}, **stamp)
            model.objects.filter(**{f"{field}__gt": high}).update(**{field: high}, **stamp)


class Migration(migrations.Migration):
    dependencies = [
        ("leads", "0006_bounds_and_updated_at"),
    ]

    operations = [
        migrations.RunPython(forwards, migrations.RunPython.noop, elidable=True),
    ]
