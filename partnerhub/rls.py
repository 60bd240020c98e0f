"""Migration operations for Row-Level Security and same-workspace foreign keys.

A migration that creates a tenant table adds one line per table::

    EnableRowLevelSecurity("partners_organization"),
    TenantForeignKey("partners_partnershipmember", "organization_id", "partners_organization"),

Both do nothing on SQLite, where the application layer alone isolates workspaces.
"""

from __future__ import annotations

from django.db import migrations

POLICY_NAME = "tenant_isolation"
POLICY_EXPR = "workspace_id = NULLIF(current_setting('app.workspace_id', true), '')::bigint"


def _is_postgres(schema_editor) -> bool:  # type: ignore[no-untyped-def]
    return schema_editor.connection.vendor == "postgresql"


class EnableRowLevelSecurity(migrations.operations.base.Operation):
    """ENABLE and FORCE RLS on a tenant table with the one workspace policy."""

    reversible = True
    reduces_to_sql = True

    def __init__(self, table: str):
        self.table = table

    def state_forwards(self, app_label, state):  # type: ignore[no-untyped-def]
        pass

    def database_forwards(self, app_label, schema_editor, from_state, to_state):  # type: ignore[no-untyped-def]
        if not _is_postgres(schema_editor):
            return
        qn = schema_editor.quote_name
        table = qn(self.table)
        schema_editor.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        schema_editor.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
        schema_editor.execute(f"DROP POLICY IF EXISTS {POLICY_NAME} ON {table}")
        schema_editor.execute(
            f"CREATE POLICY {POLICY_NAME} ON {table} "
            f"USING ({POLICY_EXPR}) WITH CHECK ({POLICY_EXPR})"
        )

    def database_backwards(self, app_label, schema_editor, from_state, to_state):  # type: ignore[no-untyped-def]
        if not _is_postgres(schema_editor):
            return
        table = schema_editor.quote_name(self.table)
        schema_editor.execute(f"DROP POLICY IF EXISTS {POLICY_NAME} ON {table}")
        schema_editor.execute(f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY")
        schema_editor.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")

    def describe(self) -> str:
        return f"Enable Row-Level Security on {self.table}"

    def deconstruct(self):  # type: ignore[no-untyped-def]
        return (self.__class__.__qualname__, [self.table], {})


class TenantForeignKey(migrations.operations.base.Operation):
    """A composite FOREIGN KEY (workspace_id, column) -> target(workspace_id, id).

    Foreign-key checks ignore RLS, so without this a row could point at another
    workspace's row. The target has a unique (workspace_id, id) from ``TenantModel``.
    """

    reversible = True
    reduces_to_sql = True

    def __init__(self, table: str, column: str, target: str, on_delete: str = "NO ACTION"):
        self.table = table
        self.column = column
        self.target = target
        self.on_delete = on_delete

    @property
    def constraint_name(self) -> str:
        return f"{self.table}_{self.column}_same_ws"[:63]

    def state_forwards(self, app_label, state):  # type: ignore[no-untyped-def]
        pass

    def database_forwards(self, app_label, schema_editor, from_state, to_state):  # type: ignore[no-untyped-def]
        if not _is_postgres(schema_editor):
            return
        qn = schema_editor.quote_name
        schema_editor.execute(
            f"ALTER TABLE {qn(self.table)} ADD CONSTRAINT {qn(self.constraint_name)} "
            f"FOREIGN KEY (workspace_id, {qn(self.column)}) "
            f"REFERENCES {qn(self.target)} (workspace_id, id) "
            f"ON DELETE {self.on_delete}"
        )

    def database_backwards(self, app_label, schema_editor, from_state, to_state):  # type: ignore[no-untyped-def]
        if not _is_postgres(schema_editor):
            return
        qn = schema_editor.quote_name
        schema_editor.execute(
            f"ALTER TABLE {qn(self.table)} DROP CONSTRAINT IF EXISTS {qn(self.constraint_name)}"
        )

    def describe(self) -> str:
        return f"Same-workspace foreign key {self.table}.{self.column} -> {self.target}"

    def deconstruct(self):  # type: ignore[no-untyped-def]
        kwargs = {} if self.on_delete == "NO ACTION" else {"on_delete": self.on_delete}
        return (self.__class__.__qualname__, [self.table, self.column, self.target], kwargs)
