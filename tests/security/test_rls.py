"""Tenancy at the database: Row-Level Security, the application role, the tenant setting
on pooled connections, and foreign keys that cannot cross workspaces.

Most tests here need PostgreSQL (``@pytest.mark.postgres``). Those that watch the tenant
setting end with a transaction use ``django_db(transaction=True)``: pytest-django's
default wraps each test in one transaction, in which a transaction-local setting would
outlive every inner block and the test could not see a real commit boundary.
"""

from __future__ import annotations

import re

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.urls import reverse

from partnerhub.models import Role
from partnerhub.rls import POLICY_NAME
from partnerhub.services.memberships import membership_create, membership_update
from partnerhub.tenancy import SETTING, activate_workspace, tenant_task, workspace_context
from partners.models import Organization
from tests.factories import UserFactory
from tests.security.tenant_models import (
    has_workspace_field,
    references_to_tenant_rows,
    tenant_models,
)

ORG_TABLE = Organization._meta.db_table


def _normalize_sql(expression: str) -> str:
    """pg_policies prints expressions with casts and parentheses added; compare without."""
    expression = expression.lower().replace("::text", "")
    return re.sub(r"[\s()]", "", expression)


def _expected_policy(model) -> str:  # type: ignore[no-untyped-def]
    column_type = model._meta.get_field("workspace").db_type(connection)
    return _normalize_sql(
        f"workspace_id = NULLIF(current_setting('{SETTING}', true), '')::{column_type}"
    )


def _scalar(sql: str, params: list | None = None):  # type: ignore[no-untyped-def]
    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])
        return cursor.fetchone()[0]


def _rows(sql: str, params: list | None = None) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])
        return cursor.fetchall()


def _current_workspace_setting() -> str | None:
    return _scalar("SELECT current_setting(%s, true)", [SETTING])


def _copy_organization(*, source_id: int, workspace_id: int, name: str) -> None:
    """Raw INSERT of a copy of a visible organization row into ``workspace_id``.

    Copying keeps the statement valid whatever columns the table gains later."""
    with connection.cursor() as cursor:
        columns = [
            c.name
            for c in connection.introspection.get_table_description(cursor, ORG_TABLE)
            if c.name != "id"
        ]
        qn = connection.ops.quote_name
        values = ["%s" if c in ("workspace_id", "name") else qn(c) for c in columns]
        params = [
            workspace_id if c == "workspace_id" else name
            for c in columns
            if c in ("workspace_id", "name")
        ]
        cursor.execute(
            f"INSERT INTO {ORG_TABLE} ({', '.join(map(qn, columns))}) "
            f"SELECT {', '.join(values)} FROM {ORG_TABLE} WHERE id = %s",
            [*params, source_id],
        )
        assert cursor.rowcount == 1


# --- Schema facts (both databases where they apply) ----------------------------------


def test_there_are_tenant_models_to_check():
    labels = {model._meta.label for model in tenant_models()}
    assert "partners.Organization" in labels


@pytest.mark.django_db
def test_every_tenant_model_has_a_non_null_indexed_workspace_and_a_workspace_id_pair():
    problems: list[str] = []
    with connection.cursor() as cursor:
        for model in tenant_models():
            label, table = model._meta.label, model._meta.db_table
            field = model._meta.get_field("workspace")
            if field.null:
                problems.append(f"{label}.workspace is nullable")
            if not field.db_index:
                problems.append(f"{label}.workspace has no index")
            pair = [
                c
                for c in model._meta.constraints
                if getattr(c, "fields", None) in (("workspace", "id"), ["workspace", "id"])
                and getattr(c, "condition", None) is None
            ]
            if not pair:
                problems.append(f"{label} lacks the UniqueConstraint(fields=['workspace', 'id'])")

            # The database itself, not only the model declaration.
            columns = {
                c.name: c for c in connection.introspection.get_table_description(cursor, table)
            }
            if "workspace_id" not in columns:
                problems.append(f"{table} has no workspace_id column")
                continue
            if columns["workspace_id"].null_ok:
                problems.append(f"{table}.workspace_id accepts NULL in the database")
            constraints = connection.introspection.get_constraints(cursor, table).values()
            if not any(
                (c["index"] or c["unique"] or c["primary_key"])
                and c["columns"][:1] == ["workspace_id"]
                for c in constraints
            ):
                problems.append(f"{table} has no index leading with workspace_id")
            if not any(c["unique"] and c["columns"] == ["workspace_id", "id"] for c in constraints):
                problems.append(f"{table} has no unique (workspace_id, id) in the database")
    assert not problems, "\n".join(problems)


def test_every_reference_to_a_tenant_row_carries_its_workspace():
    """A foreign key to a tenant row needs a workspace column beside it, otherwise no
    composite key can keep it inside one workspace (auto-created many-to-many tables
    between tenant models fail here: give them a through model with a workspace)."""
    problems = [
        f"{model._meta.label}.{field.name} -> {field.related_model._meta.label}: "
        f"{model._meta.db_table} has no workspace foreign key"
        for model, field in references_to_tenant_rows()
        if not has_workspace_field(model)
    ]
    assert not problems, "\n".join(problems)


# --- Row-Level Security is on, forced, and uses the one policy -----------------------


@pytest.mark.postgres
@pytest.mark.django_db
def test_every_tenant_table_has_forced_rls_and_exactly_the_tenant_policy():
    problems: list[str] = []
    for model in tenant_models():
        table = model._meta.db_table
        flags = _rows(
            "SELECT c.relrowsecurity, c.relforcerowsecurity FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = current_schema() AND c.relname = %s",
            [table],
        )
        if flags != [(True, True)]:
            problems.append(f"{table}: relrowsecurity/relforcerowsecurity = {flags}")
        policies = _rows(
            "SELECT policyname, permissive, roles::text[], cmd, qual, with_check FROM pg_policies "
            "WHERE schemaname = current_schema() AND tablename = %s",
            [table],
        )
        names = sorted(row[0] for row in policies)
        if names != [POLICY_NAME]:
            problems.append(f"{table}: policies {names}, expected exactly [{POLICY_NAME!r}]")
            continue
        _, permissive, roles, cmd, qual, with_check = policies[0]
        expected = _expected_policy(model)
        if (permissive, list(roles), cmd) != ("PERMISSIVE", ["public"], "ALL"):
            problems.append(f"{table}: policy is {permissive} {cmd} for {roles}")
        if _normalize_sql(qual or "") != expected:
            problems.append(f"{table}: USING ({qual})")
        if _normalize_sql(with_check or "") != expected:
            problems.append(f"{table}: WITH CHECK ({with_check})")
    assert not problems, "\n".join(problems)


@pytest.mark.postgres
@pytest.mark.django_db
def test_application_role_is_not_superuser_not_bypassrls_and_owns_nothing():
    role, superuser, bypass = _rows(
        "SELECT rolname, rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user"
    )[0]
    assert superuser is False, f"{role} is a superuser"
    assert bypass is False, f"{role} has BYPASSRLS"
    owned = _rows(
        "SELECT c.relname, c.relkind FROM pg_class c "
        "JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'S', 'v', 'm', 'f') "
        "AND c.relowner = (SELECT oid FROM pg_roles WHERE rolname = current_user)"
    )
    assert owned == [], f"{role} owns {owned}"
    # The check is not vacuous: the schema has tables, owned by someone else.
    assert (
        _scalar(
            "SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tablename = %s",
            [ORG_TABLE],
        )
        == 1
    )


# --- Raw SQL through the application connection --------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_without_the_workspace_set_raw_sql_sees_no_tenant_row(cast_a, cast_b):
    with workspace_context(cast_a.workspace):
        assert _scalar(f"SELECT count(*) FROM {ORG_TABLE}") == 2
    assert _current_workspace_setting() in ("", None)
    assert _scalar(f"SELECT count(*) FROM {ORG_TABLE}") == 0
    assert Organization.objects.count() == 0  # the ORM fails closed as well
    assert (
        _scalar(
            f"SELECT count(*) FROM {ORG_TABLE} WHERE id = %s",
            [cast_a.organization.pk],
        )
        == 0
    )


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_with_workspace_a_set_raw_sql_sees_only_a(cast_a, cast_b):
    a_ids = {cast_a.organization.pk, cast_a.other_organization.pk}
    b_ids = {cast_b.organization.pk, cast_b.other_organization.pk}
    with transaction.atomic():
        activate_workspace(cast_a.workspace)
        rows = _rows(f"SELECT id, workspace_id FROM {ORG_TABLE}")
        assert {row[0] for row in rows} == a_ids
        assert {row[1] for row in rows} == {cast_a.workspace.pk}
        assert (
            _rows(
                f"SELECT id FROM {ORG_TABLE} WHERE id = ANY(%s)",
                [list(b_ids)],
            )
            == []
        )
        assert (
            _scalar(
                f"SELECT count(*) FROM {ORG_TABLE} WHERE workspace_id = %s",
                [cast_b.workspace.pk],
            )
            == 0
        )


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_insert_into_another_workspace_violates_the_policy(cast_a, cast_b):
    with transaction.atomic():
        activate_workspace(cast_a.workspace)
        source = cast_a.organization.pk
        # Control: the same statement for A's own workspace succeeds.
        _copy_organization(source_id=source, workspace_id=cast_a.workspace.pk, name="A's own")
        with pytest.raises(DatabaseError, match="row-level security"), transaction.atomic():
            _copy_organization(source_id=source, workspace_id=cast_b.workspace.pk, name="Smuggled")
    with workspace_context(cast_b.workspace):
        assert not Organization.objects.filter(name="Smuggled").exists()
        assert Organization.objects.count() == 2


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_update_or_delete_of_another_workspace_affects_no_row(cast_a, cast_b):
    b_org = cast_b.organization
    with transaction.atomic():
        activate_workspace(cast_a.workspace)
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {ORG_TABLE} SET name = 'taken' WHERE workspace_id = %s",
                [cast_b.workspace.pk],
            )
            assert cursor.rowcount == 0
            cursor.execute(f"UPDATE {ORG_TABLE} SET name = 'taken' WHERE id = %s", [b_org.pk])
            assert cursor.rowcount == 0
            # Moving an A row into B is refused by WITH CHECK (not silently done).
            with pytest.raises(DatabaseError, match="row-level security"), transaction.atomic():
                cursor.execute(
                    f"UPDATE {ORG_TABLE} SET workspace_id = %s WHERE id = %s",
                    [cast_b.workspace.pk, cast_a.other_organization.pk],
                )
            cursor.execute(
                f"DELETE FROM {ORG_TABLE} WHERE workspace_id = %s", [cast_b.workspace.pk]
            )
            assert cursor.rowcount == 0
            cursor.execute(f"DELETE FROM {ORG_TABLE} WHERE id = %s", [b_org.pk])
            assert cursor.rowcount == 0
            # Control: the same kind of statement reaches A's own rows.
            cursor.execute(f"UPDATE {ORG_TABLE} SET name = name || ' (edited)'")
            assert cursor.rowcount == 2
        transaction.set_rollback(True)  # leave A's rows as they were
    with workspace_context(cast_b.workspace):
        names = sorted(Organization.objects.values_list("name", flat=True))
    assert names == ["Org B1", "Org B2"]


# --- A persistent connection carries no workspace into its next use -----------------


class _SqlRecorder:
    """An execute wrapper that remembers every statement and its parameters."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, object]] = []

    def __call__(self, execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        self.calls.append((sql, params))
        return execute(sql, params, many, context)

    def workspaces_set(self) -> list[str]:
        return [
            str(params[1])  # type: ignore[index]
            for sql, params in self.calls
            if "set_config" in sql and params and params[0] == SETTING  # type: ignore[index]
        ]


def _assert_connection_is_clean(backend_pid: int) -> None:
    assert _scalar("SELECT pg_backend_pid()") == backend_pid, "not the same persistent connection"
    assert _current_workspace_setting() in ("", None)
    assert _scalar(f"SELECT count(*) FROM {ORG_TABLE}") == 0


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_connection_carries_no_workspace_after_a_request(cast_a):
    backend_pid = _scalar("SELECT pg_backend_pid()")
    client = cast_a.client("viewer")
    recorder = _SqlRecorder()
    url = reverse("workspace_overview", kwargs={"workspace_slug": cast_a.workspace.slug})
    with connection.execute_wrapper(recorder):
        response = client.get(url)
    assert response.status_code == 200
    # The request did set the workspace on this connection ...
    assert recorder.workspaces_set() == [str(cast_a.workspace.pk)]
    # ... and its end took the setting away: the next user of the connection sees nothing.
    _assert_connection_is_clean(backend_pid)


@tenant_task
def _count_organizations_task(workspace_id: int) -> tuple[str | None, int]:
    return _current_workspace_setting(), Organization.objects.count()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_connection_carries_no_workspace_after_a_task(cast_a, cast_b):
    backend_pid = _scalar("SELECT pg_backend_pid()")
    setting, count = _count_organizations_task(cast_a.workspace.pk)
    assert (setting, count) == (str(cast_a.workspace.pk), 2)
    _assert_connection_is_clean(backend_pid)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_connection_carries_no_workspace_after_a_workspace_context(cast_a, cast_b):
    backend_pid = _scalar("SELECT pg_backend_pid()")
    with workspace_context(cast_b.workspace):
        assert _current_workspace_setting() == str(cast_b.workspace.pk)
        assert Organization.objects.count() == 2
    _assert_connection_is_clean(backend_pid)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_failed_block_leaves_no_workspace_either(cast_a):
    backend_pid = _scalar("SELECT pg_backend_pid()")
    with pytest.raises(ZeroDivisionError), workspace_context(cast_a.workspace):
        _ = 1 / 0
    _assert_connection_is_clean(backend_pid)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_activate_workspace_outside_a_transaction_is_refused(cast_a):
    assert not connection.in_atomic_block
    with pytest.raises(RuntimeError, match="transaction"):
        activate_workspace(cast_a.workspace)
    assert _current_workspace_setting() in ("", None)


# --- References between tenant rows stay inside one workspace -----------------------


@pytest.mark.postgres
@pytest.mark.django_db
def test_every_reference_to_a_tenant_row_has_a_composite_foreign_key():
    """Foreign-key checks ignore RLS; only (workspace_id, x_id) -> x(workspace_id, id)
    keeps a row from pointing into another workspace."""
    problems: list[str] = []
    for model, field in references_to_tenant_rows():
        if not has_workspace_field(model):
            continue  # reported by test_every_reference_to_a_tenant_row_carries_its_workspace
        table, column = model._meta.db_table, field.column
        target = field.related_model._meta.db_table
        definitions = [
            re.sub(r"\s+", " ", row[0])
            for row in _rows(
                "SELECT pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE contype = 'f' AND conrelid = %s::regclass AND confrelid = %s::regclass",
                [table, target],
            )
        ]
        wanted = f"FOREIGN KEY (workspace_id, {column}) REFERENCES {target}(workspace_id, id)"
        if not any(d.startswith(wanted) and "DEFERRABLE" not in d for d in definitions):
            problems.append(
                f"{table}.{column} -> {target}: add "
                f'TenantForeignKey("{table}", "{column}", "{target}") to its migration'
            )
    assert not problems, "\n".join(problems)


def _insert_membership(*, user_id: int, workspace_id: int, organization_id: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO partnerhub_membership "
            "(user_id, workspace_id, role, organization_id, created_at, updated_at) "
            "VALUES (%s, %s, 'partner', %s, now(), now())",
            [user_id, workspace_id, organization_id],
        )


@pytest.mark.postgres
@pytest.mark.django_db
def test_database_refuses_a_membership_pointing_at_another_workspaces_organization(cast_a, cast_b):
    b_partner = cast_b.workspace.memberships.get(user=cast_b.partner)
    newcomer = UserFactory()
    with pytest.raises(IntegrityError, match="same_ws"), transaction.atomic():
        _insert_membership(
            user_id=newcomer.pk,
            workspace_id=cast_b.workspace.pk,
            organization_id=cast_a.organization.pk,
        )
    with (
        pytest.raises(IntegrityError, match="same_ws"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(
            "UPDATE partnerhub_membership SET organization_id = %s WHERE id = %s",
            [cast_a.organization.pk, b_partner.pk],
        )
    # Controls: the same statements with B's own organization are accepted.
    with transaction.atomic():
        _insert_membership(
            user_id=newcomer.pk,
            workspace_id=cast_b.workspace.pk,
            organization_id=cast_b.organization.pk,
        )
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE partnerhub_membership SET organization_id = %s WHERE id = %s",
                [cast_b.other_organization.pk, b_partner.pk],
            )
            assert cursor.rowcount == 1


@pytest.mark.django_db
def test_services_refuse_an_organization_of_another_workspace(cast_a, cast_b):
    b_partner = cast_b.workspace.memberships.get(user=cast_b.partner)
    with pytest.raises(ValidationError) as excinfo:
        membership_update(
            workspace=cast_b.workspace,
            actor=cast_b.admin,
            membership=b_partner,
            role=Role.PARTNER,
            organization=cast_a.organization,
        )
    assert "organization" in excinfo.value.message_dict
    b_partner.refresh_from_db()
    assert b_partner.organization_id == cast_b.organization.pk

    newcomer = UserFactory()
    with pytest.raises(ValidationError) as excinfo:
        membership_create(
            workspace=cast_b.workspace,
            user=newcomer,
            role=Role.PARTNER,
            organization=cast_a.organization,
        )
    assert "organization" in excinfo.value.message_dict
    assert not cast_b.workspace.memberships.filter(user=newcomer).exists()

    # Control: B's own organization is accepted by the same service.
    membership_update(
        workspace=cast_b.workspace,
        actor=cast_b.admin,
        membership=b_partner,
        role=Role.PARTNER,
        organization=cast_b.other_organization,
    )
    b_partner.refresh_from_db()
    assert b_partner.organization_id == cast_b.other_organization.pk
