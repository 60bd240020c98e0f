"""My work at scale: a page of many milestones reads at most 15 queries, the same number as
a page of a few, and every row still links to its own milestone, its update form and (for
coordinators) its partnership's roles, although the URLs are no longer reversed per row."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from partners.services.partnerships import workspace_today
from roles.models import Raci
from tests.roles.helpers import make_milestone, setup_matrix
from tests.roles.test_views import assign

pytestmark = pytest.mark.django_db


def my_work_url(cast) -> str:  # type: ignore[no-untyped-def]
    return reverse("my_work", kwargs={"workspace_slug": cast.workspace.slug})


def _milestones(cast, count: int, name: str):  # type: ignore[no-untyped-def]
    """``count`` open milestones the cast's organization is Responsible or Accountable
    for, half of them overdue."""
    partnership, goal, _ = setup_matrix(cast, name=name)
    today = workspace_today(cast.workspace)
    made = []
    for i in range(count):
        milestone = make_milestone(
            cast, goal, title=f"{name} work {i}", due=today + timedelta(days=i - count // 2)
        )
        letter = Raci.ACCOUNTABLE if i % 2 else Raci.RESPONSIBLE
        assign(cast, milestone=milestone, organization=cast.organization, raci=letter)
        made.append(milestone)
    return partnership, made


def _queries(client, path: str) -> int:  # type: ignore[no-untyped-def]
    client.get(path)  # warm the session
    with CaptureQueriesContext(connection) as captured:
        assert client.get(path).status_code == 200
    return len(captured)


@pytest.mark.parametrize("role", ["partner", "coordinator"])
def test_my_work_reads_at_most_15_queries_however_many_milestones(cast_a, role):
    _milestones(cast_a, 2, "Small")
    few = _queries(cast_a.client(role), my_work_url(cast_a))
    for n in range(3):
        _milestones(cast_a, 12, f"Large {n}")
    many = _queries(cast_a.client(role), my_work_url(cast_a))
    assert few == many
    # + the test's savepoint and its release (ATOMIC_REQUESTS inside the test transaction).
    assert many <= 15 + 2


def test_every_row_links_to_its_own_milestone_and_partnership(cast_a):
    partnership, milestones = _milestones(cast_a, 6, "Linked")
    slug = cast_a.workspace.slug
    partner_html = cast_a.client("partner").get(my_work_url(cast_a)).content.decode()
    for milestone in milestones:
        detail = reverse("milestone_detail", kwargs={"workspace_slug": slug, "pk": milestone.pk})
        update = reverse("milestone_update", kwargs={"workspace_slug": slug, "pk": milestone.pk})
        assert f'<a href="{detail}">{milestone.title}</a>' in partner_html
        assert f'href="{update}">Post an update' in partner_html
    roles = reverse("raci_matrix", kwargs={"workspace_slug": slug, "pk": partnership.pk})
    assert roles not in partner_html  # partners are not sent to the matrix
    coordinator_html = cast_a.client("coordinator").get(my_work_url(cast_a)).content.decode()
    assert f'href="{roles}">Roles of {partnership.name}' in coordinator_html
