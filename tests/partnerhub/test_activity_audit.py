"""The trail is append-only: on PostgreSQL the application's role may INSERT and SELECT
events but never UPDATE or DELETE them (the grants after every migrate say so, and the
test database is migrated the same way)."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from partnerhub.db import APPEND_ONLY_TABLES
from partnerhub.models import ActivityEvent, EventAction
from partnerhub.services.activity import diff, record_event, snapshot
from partnerhub.tenancy import workspace_context
from tests.conftest import Cast

pytestmark = pytest.mark.django_db


def _record(cast: Cast) -> ActivityEvent:
    return record_event(
        workspace=cast.workspace,
        actor=cast.coordinator,
        action=EventAction.UPDATE,
        target=cast.organization,
        changes={"name": ["Old", "New"]},
    )


@pytest.mark.postgres
def test_the_app_role_can_insert_and_select_events(cast_a: Cast):
    with workspace_context(cast_a.workspace):
        event = _record(cast_a)
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_user")
            role = cursor.fetchone()[0]
            cursor.execute(
                "SELECT action, object_id FROM partnerhub_activityevent WHERE id = %s", [event.pk]
            )
            assert cursor.fetchone() == ("update", cast_a.organization.pk)
    assert role != "postgres"  # the tests run as the application role, not a superuser


@pytest.mark.postgres
@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE partnerhub_activityevent SET action = 'delete' WHERE id = %s",
        "UPDATE partnerhub_activityevent SET changes = '{}'::jsonb WHERE id = %s",
        "DELETE FROM partnerhub_activityevent WHERE id = %s",
    ],
)
def test_the_app_role_cannot_change_or_delete_an_event(cast_a: Cast, statement: str):
    with workspace_context(cast_a.workspace):
        event = _record(cast_a)
        with (
            pytest.raises(DatabaseError, match="permission denied"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(statement, [event.pk])
        # The ORM fares no better.
        with pytest.raises(DatabaseError, match="permission denied"), transaction.atomic():
            ActivityEvent.objects.for_workspace(cast_a.workspace).filter(pk=event.pk).update(
                action=EventAction.DELETE
            )
        with pytest.raises(DatabaseError, match="permission denied"), transaction.atomic():
            ActivityEvent.objects.for_workspace(cast_a.workspace).filter(pk=event.pk).delete()
        event.refresh_from_db()
    assert event.action == EventAction.UPDATE
    assert event.changes == {"name": ["Old", "New"]}


@pytest.mark.postgres
def test_the_grants_name_exactly_insert_and_select_on_the_trail():
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user")
        role = cursor.fetchone()[0]
        for table in APPEND_ONLY_TABLES:
            cursor.execute(
                "SELECT privilege_type FROM information_schema.role_table_grants "
                "WHERE grantee = %s AND table_name = %s",
                [role, table],
            )
            privileges = {row[0] for row in cursor.fetchall()}
            assert {"INSERT", "SELECT"} <= privileges
            assert not privileges & {"UPDATE", "DELETE", "TRUNCATE"}


def test_events_of_another_workspace_are_refused_by_the_selectors(cast_a: Cast, cast_b: Cast):
    from partnerhub.access import WorkspaceAccess
    from partnerhub.models import Role
    from partnerhub.selectors_activity import events_visible_to

    with workspace_context(cast_a.workspace):
        event = _record(cast_a)
    with workspace_context(cast_b.workspace):
        access = WorkspaceAccess(workspace=cast_b.workspace, role=Role.ADMIN)
        seen = list(events_visible_to(workspace=cast_b.workspace, access=access))
    assert event not in seen


def test_snapshot_and_diff_keep_only_changed_fields(cast_a: Cast):
    with workspace_context(cast_a.workspace):
        before = snapshot(cast_a.organization, ["name", "mission", "sector"])
        cast_a.organization.name = "Renamed"
        after = snapshot(cast_a.organization, ["name", "mission", "sector"])
    assert diff(before, after) == {"name": [before["name"], "Renamed"]}
    assert diff(after, after) == {}


def test_record_event_refuses_an_unknown_action(cast_a: Cast):
    with workspace_context(cast_a.workspace), pytest.raises(ValueError):
        record_event(
            workspace=cast_a.workspace, actor=None, action="edit", target=cast_a.organization
        )


def test_deleting_a_person_or_key_leaves_their_events_untouched(cast_a: Cast):
    """The actor columns carry no cascade: removing an account or a key never has to
    UPDATE the append-only trail (which the app role may not do on PostgreSQL), and the
    event still names who acted."""
    from partnerhub.services.api_keys import api_key_create

    key, _raw = api_key_create(
        workspace=cast_a.workspace, actor=cast_a.admin, name="BI export", scope="write"
    )
    with workspace_context(cast_a.workspace):
        by_person = _record(cast_a)
        by_key = record_event(
            workspace=cast_a.workspace,
            actor=key,
            action=EventAction.UPDATE,
            target=cast_a.organization,
            changes={"name": ["New", "Newer"]},
        )
    person_label = by_person.actor_label
    person_id = cast_a.coordinator.pk
    cast_a.coordinator.delete()
    key.delete()
    with workspace_context(cast_a.workspace):
        by_person.refresh_from_db()
        by_key.refresh_from_db()
    assert (by_person.actor_user_id, by_person.actor_label) == (person_id, person_label)
    assert by_key.actor_key_id is not None and by_key.actor_label.startswith("API key BI export")
