"""Trigram indexes for ``?search=`` on PostgreSQL (no-op elsewhere).

Django's ``icontains`` on PostgreSQL compiles to ``UPPER(col::text) LIKE UPPER(%s)``; a GIN
trigram index on that same expression lets one search stay in milliseconds at a million
leads, where a plain scan takes seconds. Creating the extension needs a role allowed to
(PostgreSQL superuser, or pg_trgm already installed by the operator).
"""

from django.db import migrations

SEARCHED = {
    "leads_lead": ["email", "first_name", "last_name", "company_name"],
    "leads_contact": ["email", "first_name", "last_name"],
    "leads_company": ["name", "domain"],
    "leads_deal": ["name"],
}


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for table, columns in SEARCHED.items():
        for column in columns:
            schema_editor.execute(
                f'CREATE INDEX IF NOT EXISTS "{table}_{column}_trgm" ON "{table}" '
                f'USING gin (UPPER("{column}"::text) gin_trgm_ops)'
            )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, columns in SEARCHED.items():
        for column in columns:
            schema_editor.execute(f'DROP INDEX IF EXISTS "{table}_{column}_trgm"')


class Migration(migrations.Migration):
    dependencies = [("leads", "0001_initial")]

    operations = [migrations.RunPython(create, drop)]
