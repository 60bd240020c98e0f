"""A GIN expression index for the directory's full-text search (PostgreSQL only).

The expression is exactly the one ``partners.selectors.organizations`` searches
(``SearchVector("name", "mission", config="simple")``), so the planner can use it.
On SQLite the directory falls back to substring matching and needs no index.
"""

from django.db import migrations

INDEX_NAME = "organization_search_gin"
CREATE = (
    f"CREATE INDEX IF NOT EXISTS {INDEX_NAME} ON partners_organization USING gin "
    "(to_tsvector('simple'::regconfig, "
    "COALESCE(name, '') || ' ' || COALESCE(mission, '')))"
)
DROP = f"DROP INDEX IF EXISTS {INDEX_NAME}"


def _on_postgresql(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("partners", "0002_directory_and_partnerships"),
    ]

    operations = [
        migrations.RunPython(_on_postgresql(CREATE), _on_postgresql(DROP), elidable=False),
    ]
