"""The milestones list is built from plain rows (goals.api_fast) rather than by
MilestoneSerializer per row: body and ETag stay byte for byte the serializer's, filters
and cursors keep working, and the query count stays constant."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from rest_framework.renderers import JSONRenderer

from goals.models import Milestone, MilestoneStatus
from goals.selectors import milestone_list
from goals.serializers import MilestoneSerializer
from partnerhub.api.base import etag_of_bytes
from partnerhub.models import ApiKeyScope
from tests.goals.helpers import access_of, make_goal, make_milestone, make_partnership
from tests.goals.test_api import api, key_client

pytestmark = pytest.mark.django_db


def _milestones(cast, tenant) -> list[Milestone]:  # type: ignore[no-untyped-def]
    """Milestones in every status, overdue and not, with and without a completion date and
    a latest update, and timestamps with and without microseconds."""
    with tenant(cast.workspace):
        goal = make_goal(cast, make_partnership(cast))
        made = []
        for n, status in enumerate(MilestoneStatus.values):
            for days in (-5, 3, 20, 60):
                made.append(
                    make_milestone(
                        cast, goal, days=days, title=f"Étape {n} — {days}", description="x" * n
                    )
                )
        Milestone.objects.filter(pk=made[0].pk).update(
            status=MilestoneStatus.DONE,
            percent_complete=100,
            completed_on=timezone.localdate(),
            last_update_at=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
            created_at=datetime(2026, 1, 1, tzinfo=UTC),
        )
        for n, milestone in enumerate(made[1:], start=1):
            status = MilestoneStatus.values[n % len(MilestoneStatus.values)]
            Milestone.objects.filter(pk=milestone.pk).update(
                status=status,
                percent_complete=100 if status == MilestoneStatus.DONE else n,
                completed_on=timezone.localdate() if status == MilestoneStatus.DONE else None,
                last_update_at=timezone.now() if n % 3 else None,
            )
    return made


def _expected(cast, tenant, role: str, **filters: Any) -> list[Any]:  # type: ignore[no-untyped-def]
    with tenant(cast.workspace):
        rows = milestone_list(workspace=cast.workspace, access=access_of(cast, role), **filters)
        return MilestoneSerializer(rows.order_by("id"), many=True).data  # type: ignore[no-any-return]


def _data(results: Any) -> dict[str, Any]:
    return {"next": None, "previous": None, "results": results}


@pytest.mark.parametrize(
    "query",
    [
        {},
        {"overdue": "false", "due_before": "+30"},
        {"overdue": "true"},
        {"status": MilestoneStatus.DONE},
    ],
)
def test_list_body_and_etag_are_the_serializers(cast_a, tenant, query):
    _milestones(cast_a, tenant)
    filters: dict[str, Any] = {}
    params = dict(query)
    if params.get("due_before") == "+30":
        params["due_before"] = (timezone.localdate() + timedelta(days=30)).isoformat()
        filters["due_before"] = timezone.localdate() + timedelta(days=30)
    if "overdue" in params:
        filters["overdue"] = params["overdue"] == "true"
    if "status" in params:
        filters["status"] = params["status"]
    response = cast_a.client("coordinator").get(
        api("api_milestone-list", cast_a), {**params, "page_size": 500}
    )
    assert response.status_code == 200, response.content
    expected = _expected(cast_a, tenant, "coordinator", **filters)
    assert expected, "the filter selects something"
    assert response.content == JSONRenderer().render(_data(expected))
    assert response["ETag"] == etag_of_bytes(JSONRenderer().render(_data(expected)))


def test_list_holds_every_kind_of_value(cast_a, tenant):
    made = _milestones(cast_a, tenant)
    body = cast_a.client("admin").get(api("api_milestone-list", cast_a), {"page_size": 500}).json()
    first = next(row for row in body["results"] if row["id"] == made[0].pk)
    assert first["last_update_at"] == "2026-01-02T03:04:05Z"
    assert first["created_at"] == "2026-01-01T00:00:00Z"
    assert first["completed_on"] == timezone.localdate().isoformat()
    assert {row["status"] for row in body["results"]} == set(MilestoneStatus.values)
    assert any(row["last_update_at"] is None for row in body["results"])


def test_other_time_zone_and_cursor_on_due_date(cast_a, tenant):
    made = _milestones(cast_a, tenant)
    client = key_client(cast_a, ApiKeyScope.READ)[0]
    with timezone.override("America/Caracas"):
        response = client.get(api("api_milestone-list", cast_a), {"page_size": 500})
        expected = _expected(cast_a, tenant, "admin")
    assert response.content == JSONRenderer().render(_data(expected))
    for ordering in ("-due_date", "updated_at"):
        url: str | None = api("api_milestone-list", cast_a) + f"?ordering={ordering}&page_size=5"
        seen: list[int] = []
        while url:
            page = client.get(url).json()
            seen += [row["id"] for row in page["results"]]
            url = page["next"]
        assert sorted(seen) == sorted(m.pk for m in made)


def test_query_count_is_constant(cast_a, tenant, django_assert_max_num_queries):
    """Key and workspace (1), tenant setting (1), the page (1)."""
    client: Client = key_client(cast_a, ApiKeyScope.READ)[0]
    due = (timezone.localdate() + timedelta(days=30)).isoformat()
    url = api("api_milestone-list", cast_a) + f"?overdue=false&due_before={due}"
    with tenant(cast_a.workspace):
        goal = make_goal(cast_a, make_partnership(cast_a))
        make_milestone(cast_a, goal, days=2)
    client.get(url)
    with django_assert_max_num_queries(10) as few:
        assert len(client.get(url).json()["results"]) == 1
    with tenant(cast_a.workspace):
        for days in range(120):
            make_milestone(cast_a, goal, days=days % 30)
    with django_assert_max_num_queries(10) as many:
        assert len(client.get(url).json()["results"]) == 100
    assert len(few.captured_queries) == len(many.captured_queries)
