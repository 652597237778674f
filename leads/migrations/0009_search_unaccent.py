"""Accent-insensitive search: trigram indexes over ``collab_search_fold(column)`` (PostgreSQL).

``?search=`` on leads, contacts, companies and deals compiles to
``collab_search_fold(col) LIKE collab_search_fold('%word%')`` (collab_hub/search.py).
``unaccent()`` is only STABLE (it reads a dictionary found through the search path), so it
cannot be indexed: ``collab_search_fold`` wraps it, with the schema and the dictionary
named, as an IMMUTABLE function, and GIN trigram indexes cover that expression. The
``UPPER(col)`` trigram indexes of migration 0002 no longer serve any query and are dropped
(restored on reverse). On SQLite the function is registered per connection in Python and
nothing here runs. Creating the extension needs a role allowed to (PostgreSQL superuser, or
``unaccent`` already installed by the operator).
"""

from django.db import migrations

# The columns of migration 0002, whose ``UPPER(col)`` trigram indexes these replace.
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
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS unaccent")
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "SELECT n.nspname FROM pg_extension e "
            "JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'unaccent'"
        )
        (schema,) = cursor.fetchone()
    quoted = schema_editor.quote_name(schema)
    schema_editor.execute(
        "CREATE OR REPLACE FUNCTION collab_search_fold(text) RETURNS text "
        "LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS "
        f"$$ SELECT lower({quoted}.unaccent('{schema}.unaccent'::regdictionary, $1)) $$"
    )
    for table, columns in SEARCHED.items():
        for column in columns:
            schema_editor.execute(f'DROP INDEX IF EXISTS "{table}_{column}_trgm"')
            schema_editor.execute(
                f'CREATE INDEX IF NOT EXISTS "{table}_{column}_fold_trgm" ON "{table}" '
                f'USING gin (collab_search_fold("{column}"::text) gin_trgm_ops)'
            )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, columns in SEARCHED.items():
        for column in columns:
            schema_editor.execute(f'DROP INDEX IF EXISTS "{table}_{column}_fold_trgm"')
            schema_editor.execute(
                f'CREATE INDEX IF NOT EXISTS "{table}_{column}_trgm" ON "{table}" '
                f'USING gin (UPPER("{column}"::text) gin_trgm_ops)'
            )
    schema_editor.execute("DROP FUNCTION IF EXISTS collab_search_fold(text)")


class Migration(migrations.Migration):
    dependencies = [("leads", "0008_import_jobs")]

    operations = [migrations.RunPython(create, drop)]
