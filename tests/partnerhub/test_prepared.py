"""partnerhub.prepared: instances from constant SQL are the ORM's instances, and a batch
of prepared statements answers what each statement answers alone, in one round trip."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import DatabaseError, connection, transaction
from django.db.models import signals
from django.test.utils import CaptureQueriesContext

from goals.models import Milestone, SharedGoal
from impact.models import Indicator
from partnerhub.models import ActivityEvent, ApiKey, Membership, User, Workspace
from partnerhub.prepared import ModelColumns, PreparingCursor, prepared_results
from partnerhub.tenancy import workspace_context
from partners.models import Partnership
from tests.goals.helpers import make_goal, make_milestone
from tests.impact.helpers import make_indicator, make_partnership

pytestmark = pytest.mark.django_db

MODELS = (Partnership, SharedGoal, Milestone, Indicator, ActivityEvent, User, Membership, Workspace)


def _rows(columns: ModelColumns, table_alias: str) -> list[tuple[Any, ...]]:
    model = columns.model
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {columns.sql} FROM {model._meta.db_table} {table_alias} "
            f"ORDER BY {table_alias}.{model._meta.pk.column}"
        )
        return cursor.fetchall()


def _state(instance: Any) -> dict[str, Any]:
    attributes = dict(instance.__dict__)
    state = attributes.pop("_state")
    return {**attributes, "_state": (state.adding, state.db, state.fields_cache)}


@pytest.fixture
def rows_of_every_model(cast_a):  # type: ignore[no-untyped-def]
    with workspace_context(cast_a.workspace):
        partnership = make_partnership(cast_a)
        goal = make_goal(cast_a, partnership)
        make_milestone(cast_a, goal)
        make_indicator(cast_a, partnership=partnership, goal=goal)
        ApiKey.objects.create(
            workspace=cast_a.workspace, name="Reports", prefix="abcd1234", key_hash="x" * 64
        )
    return cast_a


def test_an_instance_is_the_orms_instance(rows_of_every_model):
    """Every field (JSON decoded), the primary key and the saved state equal what
    ``Model.from_db`` (the ORM's iteration) makes of the same row."""
    with workspace_context(rows_of_every_model.workspace):
        for model in (*MODELS, ApiKey):
            columns = ModelColumns(model, "t")
            rows = _rows(columns, "t")
            assert rows, model
            orm = {obj.pk: obj for obj in model._default_manager.all()}
            for row in rows:
                made = columns.instance(row)
                assert type(made) is model
                assert _state(made) == _state(orm[made.pk]), model
                assert made == orm[made.pk]


def test_a_model_whose_init_is_listened_to_goes_through_from_db(rows_of_every_model):
    heard: list[Any] = []

    def listener(sender: Any, instance: Any, **kwargs: Any) -> None:
        heard.append(instance)

    signals.post_init.connect(listener, sender=Workspace)
    try:
        columns = ModelColumns(Workspace, "w")
        made = [columns.instance(row) for row in _rows(columns, "w")]
    finally:
        signals.post_init.disconnect(listener, sender=Workspace)
    assert made and heard == made


def test_prepared_results_answer_each_statement_in_one_pipeline(rows_of_every_model, monkeypatch):
    workspace = rows_of_every_model.workspace
    statements = (
        "SELECT id, slug FROM partnerhub_workspace WHERE id = %(workspace)s",
        "SELECT count(*) FROM partners_partnership WHERE workspace_id = %(workspace)s",
        "SELECT %(word)s::text, %(workspace)s::bigint + 1",
    )
    params = {"workspace": workspace.pk, "word": "two  spaces"}
    pipelined: list[bool] = []
    execute = PreparingCursor.execute

    def recording(self, query, params=None, **kwargs):  # type: ignore[no-untyped-def]
        pipelined.append(self.connection._pipeline is not None)
        return execute(self, query, params, **kwargs)

    monkeypatch.setattr(PreparingCursor, "execute", recording)
    with workspace_context(workspace), CaptureQueriesContext(connection) as captured:
        answers = prepared_results(statements, params)
        again = prepared_results(statements, params)
        alone = []
        for sql in statements:
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
                alone.append(cursor.fetchall())
    expected = [[(workspace.pk, workspace.slug)], [(1,)], [("two  spaces", workspace.pk + 1)]]
    assert answers == again == alone == expected
    assert pipelined == [True] * 6
    # Each statement is a query of the log, with its parameters.
    logged = [q["sql"] for q in captured.captured_queries][:6]
    assert logged[0] == f"SELECT id, slug FROM partnerhub_workspace WHERE id = {workspace.pk}"
    assert logged[2] == f"SELECT 'two  spaces'::text, {workspace.pk}::bigint + 1"


def test_a_failing_statement_fails_the_batch_as_a_database_error(cast_a):
    with workspace_context(cast_a.workspace):
        with pytest.raises(DatabaseError), transaction.atomic():
            prepared_results(("SELECT 1", "SELECT no_such_column FROM partnerhub_workspace"), {})
        # The connection is usable afterwards (the savepoint rolled back).
        assert prepared_results(("SELECT 2",), {}) == [[(2,)]]
