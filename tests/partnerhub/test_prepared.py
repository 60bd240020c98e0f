"""partnerhub.prepared: instances made from constant SQL's rows, and from their JSON, are
the ORM's instances."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.db.models import signals

from goals.models import Milestone, SharedGoal
from impact.models import Indicator
from partnerhub.models import ActivityEvent, ApiKey, EventAction, Membership, User, Workspace
from partnerhub.prepared import ModelColumns, load_json
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


def _json_rows(columns: ModelColumns, table_alias: str) -> list[list[Any]]:
    model = columns.model
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT ({columns.json_sql})::text FROM {model._meta.db_table} {table_alias} "
            f"ORDER BY {table_alias}.{model._meta.pk.column}"
        )
        return [load_json(row[0]) for row in cursor.fetchall()]


def test_an_instance_from_json_is_the_orms_instance(rows_of_every_model):
    """Dates, date-times (in the connection's zone), decimals (their scale kept), JSON
    fields (decoded), texts, numbers, booleans and nulls come back as the ORM's."""
    with workspace_context(rows_of_every_model.workspace):
        ActivityEvent.objects.create(
            workspace=rows_of_every_model.workspace,
            actor_label="An import",
            action=EventAction.UPDATE,
            object_type="partnerhub.unknown",
            object_id=1,
            object_repr="x",
            changes={"title": ["a “b”", "<c>"], "n": [1, 2.5, None, 12345678901234567890123]},
        )
        Indicator.objects.update(baseline_value="0.1250", target_value="1000000.0000")
        for model in (*MODELS, ApiKey):
            columns = ModelColumns(model, "t")
            orm = {obj.pk: obj for obj in model._default_manager.all()}
            rows = _json_rows(columns, "t")
            assert len(rows) == len(orm), model
            for row in rows:
                made = columns.instance_from_json(row)
                assert _state(made) == _state(orm[made.pk]), model
        indicator = ModelColumns(Indicator, "t").instance_from_json(
            _json_rows(ModelColumns(Indicator, "t"), "t")[0]
        )
    assert str(indicator.baseline_value) == "0.1250"
    assert indicator.created_at.tzinfo is not None


def test_fields_json_cannot_carry_are_refused():
    from django.db import models

    class Stored(models.Model):
        document = models.FileField()

        class Meta:
            app_label = "partnerhub"
            managed = False

    with pytest.raises(TypeError, match="is not read from JSON"):
        _ = ModelColumns(Stored, "s").json_sql


def test_json_is_decoded_as_the_orm_decodes_it():
    assert load_json(None) is None
    assert load_json('[1, "x"]') == [1, "x"]
    assert load_json("[123456789012345678901234567890]") == [123456789012345678901234567890]
